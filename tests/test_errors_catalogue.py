"""The error catalogue (replyassist/errors.py): one code per message, every raise site uses it, docs in sync.

These tests read the source (ast) rather than run it, so they cover raise sites no other test reaches.
"""
from __future__ import annotations

import ast
import pickle
import re
import string
from pathlib import Path

import pytest

from replyassist import errors
from replyassist.errors import (ConfigError, CorpusError, ErrorEntry, Errors, InputError, ReplyAssistError,
                                catalogue, catalogue_markdown)

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "replyassist"
#: run-time code only: the training scripts under models/ are not part of the package's API
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "models" not in p.relative_to(PACKAGE).parts[:1])
ERROR_CLASSES = {name for name, obj in vars(errors).items()
                 if isinstance(obj, type) and issubclass(obj, ReplyAssistError)}
#: each class's own ``code`` attribute: the family code used when code outside replyassist raises with a text
FAMILY_CODES = {getattr(errors, name).code for name in ERROR_CLASSES}
ENTRIES = catalogue()
BY_CODE = {e.code: e for e in ENTRIES}


def _calls() -> list[tuple[Path, ast.Call, str]]:
    out = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in ERROR_CLASSES | {"ServiceError"}:
                out.append((path, node, node.func.id))
    return out


CALLS = _calls()


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def _entry_of(node: ast.expr | None) -> str | None:
    """'E123' for the expression ``Errors.E123``, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Errors":
        return node.attr
    return None


def test_codes_are_unique_and_well_formed():
    assert len(ENTRIES) > 200
    names = [k for k, v in vars(Errors).items() if isinstance(v, ErrorEntry)]
    for name in names:
        e = getattr(Errors, name)
        assert re.fullmatch(r"E\d{3}", e.code), e
        assert name == e.code, f"Errors.{name} carries the code {e.code}"
    codes = [e.code for e in ENTRIES]
    assert len(codes) == len(set(codes))
    texts = [(e.error, e.message, e.fix) for e in ENTRIES]
    assert len(texts) == len(set(texts)), "two codes for one message"


def test_every_entry_names_a_class_and_says_what_to_do():
    for e in ENTRIES:
        assert e.error in ERROR_CLASSES | {"ServiceError"}, e
        assert (e.status is not None) == (e.error == "ServiceError"), e
        assert e.message.strip() and e.message == e.message.strip(), e
        # what to do: a separate, non-trivial sentence, not a restatement of the code
        assert len(e.fix.split()) >= 2 and not e.fix.startswith("["), e
        assert "[E" not in e.message + e.fix, e


def test_every_entry_renders_with_its_fields():
    for e in ENTRIES:
        values = {}
        for template in (e.message, e.fix):
            for _, name, spec, _ in string.Formatter().parse(template):
                if name is not None:
                    assert name.isidentifier(), (e.code, name)
                    values[name] = 7 if spec else f"<{name}>"
        text = e.render(**values)
        assert all(f"<{n}>" in text or values[n] == 7 for n in values), (e.code, text)   # every field shows
        with pytest.raises(KeyError):   # a forgotten field is an error at the raise site, not a silent '{x}'
            if e.fields:
                e.render()
            else:
                raise KeyError("no fields")


def test_every_raise_site_uses_a_catalogue_entry_with_its_fields():
    assert len(CALLS) > 250
    problems = []
    for path, call, cls in CALLS:
        where = _where(path, call)
        kw = {k.arg: k.value for k in call.keywords}
        if any(k is None for k in kw):        # **fields: checked where they are built
            continue
        if cls == "CorpusError":
            code = _entry_of(kw.pop("entry", None)) or "E200"
            kw = {}
            fields_given: set[str] | None = None
        else:
            code = _entry_of(call.args[0]) if call.args else None
            fields_given = set(kw) - {"status"} if cls == "ServiceError" else set(kw)
        if code is None:
            problems.append(f"{where}: {cls}(...) without an Errors.Exxx entry")
            continue
        entry = BY_CODE.get(code)
        if entry is None:
            problems.append(f"{where}: {code} is not in the catalogue")
            continue
        if entry.error != cls:
            problems.append(f"{where}: {code} is a {entry.error}, raised as {cls}")
        if "code" in kw:
            problems.append(f"{where}: code= given as well as the entry")
        if fields_given is not None and cls != "ServiceError" and fields_given != entry.fields:
            problems.append(f"{where}: {code} needs fields {sorted(entry.fields)}, got {sorted(fields_given)}")
    assert not problems, "\n".join(problems)


def test_every_code_in_the_source_is_in_the_catalogue():
    """A code written anywhere in the package (the service's tables, the CLI, docstrings) exists."""
    unknown = set()
    for path in SOURCES:
        if path.name == "errors.py" and path.parent == PACKAGE:   # the catalogue itself
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"(?<![\w-])E\d{3}(?![\w-])", text):
            line = text[text.rfind("\n", 0, m.start()) + 1:m.start()]
            if "noqa" in line:      # a lint rule (E731 ...), not an error code
                continue
            if m.group(0) not in BY_CODE and m.group(0) not in FAMILY_CODES:
                unknown.add(f"{path.relative_to(ROOT)}: {m.group(0)}")
    assert not unknown, sorted(unknown)


def test_each_code_is_raised_somewhere():
    """No dead entries: every code is used by the package (E2xx/E6xx also through the service's tables)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in SOURCES if p.name != "errors.py")
    errors_py = (PACKAGE / "errors.py").read_text(encoding="utf-8")
    used = set(re.findall(r"Errors\.(E\d{3})", text + errors_py.split("class Errors")[0])) | \
        set(re.findall(r'"(E6\d\d)"', text))
    assert sorted(set(BY_CODE) - used) == []


def test_docs_table_is_generated_from_the_catalogue():
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert doc == catalogue_markdown(), "docs/errors.md is stale: python -m replyassist.errors > docs/errors.md"
    for e in ENTRIES:
        assert f"| {e.code} |" in doc


def test_errors_carry_code_entry_and_fields():
    err = ConfigError(Errors.E013, max_message_chars=5)
    assert err.code == "E013" and err.entry is Errors.E013 and err.fields == {"max_message_chars": 5}
    assert str(err) == f"[E013] {Errors.E013.message.format(max_message_chars=5)} {Errors.E013.fix}"
    assert isinstance(err, ValueError)          # the classes keep their builtin bases
    with pytest.raises(KeyError):
        ConfigError(Errors.E013)                # a missing field fails loudly at the raise site
    assert InputError.empty_message().code == "E101" and InputError.not_text(3).fields == {"value_type": "int"}
    plain = ReplyAssistError("third-party text", code="E999")
    assert plain.code == "E999" and plain.entry is None
    back = pickle.loads(pickle.dumps(err))     # as a Dask worker sends it back
    assert type(back) is ConfigError and back.code == "E013" and str(back) == str(err) and back.entry == err.entry
    c = CorpusError([errors.Problem("a.yaml", 3, "no answer")])
    assert c.code == "E200" and "a.yaml:3: no answer" in str(c)
    assert CorpusError([], entry=Errors.E201).code == "E201"
    c2 = pickle.loads(pickle.dumps(c))
    assert c2.code == "E200" and c2.problems == c.problems and str(c2) == str(c)


def test_cli_exit_status_follows_the_code_families(capsys):
    from replyassist.cli import main
    # a usage error of the feedback store (E708, split from E701) keeps exit status 2
    assert main(["feedback", "stats", "--feedback", "mysql://db/x"]) == 2
    assert "[E708]" in capsys.readouterr().err
