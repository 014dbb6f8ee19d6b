"""A small, safe template renderer.

Only ``{name}`` look-ups (``name`` in ``[a-z_][a-z0-9_]*``) and ``{{``/``}}`` literal braces.
Values are inserted literally: a value is never parsed as a template, so a customer called
``{agent_name}`` or ``{{7*7}}`` is greeted by exactly that name.

Rendering produces :class:`Segment` objects (literal text or an inserted value), so later steps
(transliteration to Cyrillic, span bookkeeping for the tone checker) can treat values apart.

>>> segs = render("Hi {name}, {{ok}}", {"name": "{{7*7}}"})
>>> join(segs)
'Hi {{7*7}}, {ok}'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

__all__ = ["Segment", "parse", "render", "join", "placeholder_names", "TemplateSyntaxError"]

_NAME = re.compile(r"[a-z_][a-z0-9_]*")


class TemplateSyntaxError(ValueError):
    """A template has an unclosed brace or an invalid placeholder."""


@dataclass(frozen=True)
class Segment:
    """A piece of rendered text: ``kind`` is "literal" (template text) or "value" (inserted)."""

    text: str
    kind: str = "literal"
    name: str | None = None     # placeholder name for values
    fallback: bool = False      # the value is a fallback phrase, not a real value


def parse(template: str) -> list[tuple[str, str]]:
    """Split a template into ``("text", s)`` and ``("field", name)`` parts.

    >>> parse("a {x} {{b}}")
    [('text', 'a '), ('field', 'x'), ('text', ' {b}')]
    """
    out: list[tuple[str, str]] = []
    buf: list[str] = []
    i, n = 0, len(template)
    while i < n:
        c = template[i]
        if c == "{":
            if template.startswith("{{", i):
                buf.append("{")
                i += 2
                continue
            j = template.find("}", i + 1)
            if j < 0:
                raise TemplateSyntaxError(f"unclosed '{{' at position {i} in {template!r}")
            name = template[i + 1:j]
            if not _NAME.fullmatch(name):
                raise TemplateSyntaxError(f"invalid placeholder {{{name}}} in {template!r}; use {{name}} "
                                          "with lowercase letters, digits and _, and {{{{ }}}} for literal braces")
            if buf:
                out.append(("text", "".join(buf)))
                buf = []
            out.append(("field", name))
            i = j + 1
        elif c == "}":
            if template.startswith("}}", i):
                buf.append("}")
                i += 2
                continue
            raise TemplateSyntaxError(f"single '}}' at position {i} in {template!r}; write '}}}}' for a literal brace")
        else:
            buf.append(c)
            i += 1
    if buf:
        out.append(("text", "".join(buf)))
    return out


def placeholder_names(template: str) -> list[str]:
    """Placeholder names in order of appearance.

    >>> placeholder_names("{a} and {b} and {a}")
    ['a', 'b', 'a']
    """
    return [v for k, v in parse(template) if k == "field"]


def render(template: str, values: Mapping[str, str],
           fallback: Callable[[str], str] | None = None) -> list[Segment]:
    """Render ``template`` into segments. Missing names use ``fallback(name)``; without one,
    a missing name raises ``KeyError`` (callers always pass a fallback)."""
    segs: list[Segment] = []
    for kind, s in parse(template):
        if kind == "text":
            segs.append(Segment(s))
        elif s in values and values[s] is not None and str(values[s]) != "":
            segs.append(Segment(str(values[s]), "value", s))
        elif fallback is not None:
            segs.append(Segment(fallback(s), "value", s, fallback=True))
        else:
            raise KeyError(s)
    return segs


def join(segments: Sequence[Segment]) -> str:
    """The plain text of ``segments``."""
    return "".join(s.text for s in segments)
