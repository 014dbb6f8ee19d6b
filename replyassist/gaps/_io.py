"""Reading message logs: CSV/TSV, JSONL, a list of str/dicts, or a pandas DataFrame.

Every input row ends up either in :attr:`MessageLog.rows` or in :attr:`MessageLog.bad`
(with its row/line number and the reason), never silently dropped:
``len(rows) + len(bad) == total``.

>>> log = read_messages(["Where is my parcel?", "", {"text": "Wo ist mein Paket?", "channel": "email"}])
>>> [r.text for r in log.rows], [(b.row, b.reason) for b in log.bad], log.total
(['Where is my parcel?', 'Wo ist mein Paket?'], [(2, 'empty text')], 3)
"""
from __future__ import annotations

import csv
import io
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..errors import DataError, Errors
from ..text import INVISIBLE, mask_pii, replace_lone_surrogates

__all__ = ["MessageRow", "BadRow", "MessageLog", "read_messages", "parse_timestamp", "FIELD_ALIASES"]

#: Column names recognised for each field (case-insensitive, spaces/dashes = underscores).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "message", "body", "content", "question", "query", "utterance"),
    "id": ("id", "message_id", "msg_id", "ticket_id", "uid"),
    "timestamp": ("timestamp", "time", "date", "datetime", "created_at", "created", "sent_at"),
    "channel": ("channel", "source", "medium"),
    "language": ("language", "lang", "locale", "customer_language"),
    "customer_id": ("customer_id", "customer", "client_id", "user_id", "author_id"),
    "customer_name": ("customer_name", "name", "author_name", "sender_name", "from_name", "full_name"),
}

#: Fields never shown in a bad row's preview: customer ids and names are only counted (docs/gaps.md).
_NOT_PREVIEWED = ("customer_id", "customer_name")

_BAD_ENCODING = re.compile(r"[\udc80-\udcff]")


@dataclass(frozen=True)
class MessageRow:
    """One readable input message. ``row`` is the 1-based row number in the input
    (for CSV: the data row, header excluded; ``line`` the physical line where it starts)."""

    row: int
    text: str
    id: str | None = None
    timestamp: datetime | None = None
    channel: str | None = None
    language: str | None = None
    customer_id: str | None = None
    line: int | None = None
    customer_name: str | None = None


@dataclass(frozen=True)
class BadRow:
    """An input row that could not be used, with where and why."""

    row: int
    reason: str
    line: int | None = None
    preview: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "line": self.line, "reason": self.reason, "preview": self.preview}


@dataclass
class MessageLog:
    """The result of reading an input: usable rows, bad rows, notes (non-fatal issues)."""

    rows: list[MessageRow]
    bad: list[BadRow]
    total: int
    source: str
    columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _norm_col(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lstrip("\ufeff").lower())


def _resolve_columns(columns: Sequence[str], text_column: str | None) -> dict[str, str]:
    """Map our field names to the input's column names."""
    normed = {_norm_col(c): c for c in columns}
    out: dict[str, str] = {}
    if text_column is not None:
        if text_column in columns:
            out["text"] = text_column
        elif _norm_col(text_column) in normed:
            out["text"] = normed[_norm_col(text_column)]
        else:
            raise DataError(Errors.E415, text_column=text_column, columns=list(columns))
    for fld, aliases in FIELD_ALIASES.items():
        if fld in out:
            continue
        for a in aliases:
            if a in normed and normed[a] not in out.values():
                out[fld] = normed[a]
                break
    if "text" not in out:
        raise DataError(Errors.E400, columns=list(columns), FIELD_ALIASES=list(FIELD_ALIASES['text']))
    return out


_TS_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
               "%Y.%m.%d %H:%M", "%Y.%m.%d.", "%Y.%m.%d", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%m/%d/%Y %H:%M")


def parse_timestamp(value: Any) -> datetime | None:
    """ISO 8601, common European formats, or Unix seconds/milliseconds -> naive UTC datetime.

    >>> parse_timestamp("2026-10-03T14:05:00+02:00")
    datetime.datetime(2026, 10, 3, 12, 5)
    >>> parse_timestamp("03.10.2026 14:05"), parse_timestamp("not a date")
    (datetime.datetime(2026, 10, 3, 14, 5), None)
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value
    elif hasattr(value, "to_pydatetime"):  # pandas Timestamp
        try:
            dt = value.to_pydatetime()
        except Exception:
            return None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        v = float(value)
        if v != v:  # NaN
            return None
        if v > 1e11:
            v /= 1000.0
        try:
            return datetime(1970, 1, 1) + timedelta(seconds=v)
        except (OverflowError, ValueError):
            return None
    else:
        s = str(value).strip()
        if not s:
            return None
        if re.fullmatch(r"\d{9,13}(\.\d+)?", s):
            return parse_timestamp(float(s))
        try:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            dt = None
            for fmt in _TS_FORMATS:
                try:
                    dt = datetime.strptime(s, fmt)
                    break
                except ValueError:
                    continue
            if dt is None:
                return None
    if dt is None:
        return None
    if dt.tzinfo is not None:
        try:
            dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
        except (OverflowError, ValueError):  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC (issue 20)
            return None
    return dt


def _clean_value(v: Any) -> str | None:
    """A column value (id, channel, customer id or name, language) as text; bytes that were not
    UTF-8 and lone surrogates become U+FFFD (a channel holding them stopped the report: it
    cannot be written as UTF-8; issue 20, found by the fuzz pass).

    >>> _clean_value("whatsapp\\udcff ") == "whatsapp\\ufffd", _clean_value(float("nan"))
    (True, None)
    """
    if v is None:
        return None
    if isinstance(v, float) and v != v:  # NaN from pandas
        return None
    s = replace_lone_surrogates(str(v)).strip()
    return s or None


def _preview(text: Any, n: int = 80) -> str:
    """A one-line preview; invisible characters are shown as <U+XXXX> (a row of only NULs or
    zero-width spaces is visible in bad_rows.csv, and no raw control byte reaches a report)."""
    s = "" if text is None else str(text)
    s = _BAD_ENCODING.sub("\ufffd", s)
    s = replace_lone_surrogates(s)
    s = re.sub(r"\s+", " ", s).strip()
    s = INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", s)
    return s[:n] + ("…" if len(s) > n else "")


class _Builder:
    def __init__(self, source: str, cols: Mapping[str, str], mask_names: bool = False) -> None:
        self.source = source
        self.cols = cols
        self.mask_names = mask_names
        self._hidden = {cols[f] for f in _NOT_PREVIEWED if f in cols}
        self.rows: list[MessageRow] = []
        self.bad: list[BadRow] = []
        self.total = 0
        self.bad_ts: list[int] = []

    def add(self, record: Mapping[str, Any], row: int, line: int | None = None) -> None:
        """Add one input record as a row or as a bad row; nothing in one record stops the run."""
        n_rows, n_bad, n_total = len(self.rows), len(self.bad), self.total
        try:
            self._add(record, row, line)
        except (RecursionError, ValueError, TypeError, OverflowError, AttributeError) as exc:
            # e.g. a value nested a thousand levels deep, an object whose str() fails (issue 20)
            del self.rows[n_rows:], self.bad[n_bad:]
            self.total = n_total + 1
            self.bad.append(BadRow(row, f"unreadable row ({type(exc).__name__}: {str(exc)[:80]})", line))

    def _add(self, record: Mapping[str, Any], row: int, line: int | None = None) -> None:
        self.total += 1
        raw = record.get(self.cols["text"])
        if raw is None or (isinstance(raw, float) and raw != raw):
            self.bad.append(BadRow(row, f"no value in text column {self.cols['text']!r}", line, _preview(self._joined(record))))
            return
        if not isinstance(raw, str):
            if isinstance(raw, (int, float)):
                raw = str(raw)
            else:
                self.bad.append(BadRow(row, f"text is a {type(raw).__name__}, not a string", line, _preview(raw)))
                return
        if _BAD_ENCODING.search(raw):
            self.bad.append(BadRow(row, "broken encoding: the text contains bytes that are not valid UTF-8", line,
                                   _preview(raw)))
            return
        # a lone surrogate written as a JSON escape ("\ud800") is not a character: U+FFFD, as in the columns
        raw = replace_lone_surrogates(raw)
        if not raw.strip():
            self.bad.append(BadRow(row, "empty text", line, _preview(self._joined(record))))
            return
        vals = {f: _clean_value(record.get(c)) for f, c in self.cols.items() if f != "text"}
        if self.mask_names:  # names after greetings, in sign-offs, and the customer-name column's
            name = vals.get("customer_name")
            raw = mask_pii(raw, (), names=[name] if name else True)
        ts_raw = record.get(self.cols["timestamp"]) if "timestamp" in self.cols else None
        ts = parse_timestamp(ts_raw)
        if ts is None and _clean_value(ts_raw) is not None:
            self.bad_ts.append(row)
        lang = vals.get("language")
        self.rows.append(MessageRow(row=row, text=raw, id=vals.get("id"), timestamp=ts, channel=vals.get("channel"),
                                    language=lang.lower() if lang else None, customer_id=vals.get("customer_id"),
                                    line=line, customer_name=vals.get("customer_name")))

    def result(self, columns: Sequence[str], notes: list[str] | None = None) -> MessageLog:
        notes = list(notes or [])
        if self.bad_ts:
            shown = ", ".join(map(str, self.bad_ts[:20])) + (" …" if len(self.bad_ts) > 20 else "")
            notes.append(f"{len(self.bad_ts)} row(s) have a timestamp that could not be read (kept, without time): "
                         f"rows {shown}")
        return MessageLog(rows=self.rows, bad=self.bad, total=self.total, source=self.source,
                          columns=list(columns), notes=notes)


    def _joined(self, record: Mapping[str, Any]) -> str:
        """The record's values for a bad row's preview, without customer ids and names."""
        return " | ".join(f"{k}={v}" for k, v in record.items()
                          if k is not None and k not in self._hidden and v not in (None, ""))


def _read_csv(path: Path, text_column: str | None, delimiter: str | None, mask_names: bool = False) -> MessageLog:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # Undecodable bytes become lone surrogates: the row that holds them is reported, the rest is read.
    text = data.decode("utf-8", errors="surrogateescape")
    if not text.strip():
        raise DataError(Errors.E410, path=path)
    if delimiter is None:
        # the first lines only: csv.Sniffer's quote regex is quadratic on a long quoted value
        # (10,000 newlines inside one quoted cell took 1.4 s to sniff; issue 20)
        sample = "".join(io.StringIO(text[:8192], newline="").readlines()[:20])[:4096]
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            first = sample.split("\n", 1)[0]
            delimiter = max(",;\t|", key=first.count) if any(c in first for c in ",;\t|") else ","
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    lines = io.StringIO(text, newline="").readlines()  # the physical lines, as the csv reader counts them
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        raise DataError(Errors.E413, path=path, exc=exc) from None
    if len(set(header)) != len(header):
        raise DataError(Errors.E411, path=path, header=header)
    cols = _resolve_columns(header, text_column)
    b = _Builder(str(path), cols, mask_names)
    n = 0
    notes: list[str] = []
    offset = 0  # physical lines before the current reader (it restarts after an unbalanced quote)
    while True:
        start_line = offset + reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. NUL byte or runaway quote: report and stop (the rest is one field)
            n += 1
            b.total += 1
            b.bad.append(BadRow(n, f"unreadable CSV ({exc}); the rest of the file could not be parsed", start_line))
            notes.append(f"CSV parsing stopped at line {start_line}: {exc}")
            break
        if not fields or (len(fields) == 1 and not fields[0].strip() and len(header) > 1):
            continue  # blank line: not a row
        n += 1
        end_line = offset + reader.line_num
        if end_line > start_line and _runaway_quote(lines[start_line - 1], lines[start_line:end_line], delimiter,
                                                     len(header)):
            # An opening quote that is never closed swallows the following rows into one value.
            # Report this row and read the swallowed lines again as rows of their own.
            b.total += 1
            b.bad.append(BadRow(n, "unbalanced quote: a quoted value starts on this line and is not closed, so it "
                                   "ran into the following lines (they are read as rows of their own); "
                                   "close the quote or double it (\"\")", start_line, _preview(lines[start_line - 1])))
            offset = start_line
            reader = csv.reader(lines[start_line:], delimiter=delimiter)
            continue
        if len(fields) != len(header):
            b.total += 1
            b.bad.append(BadRow(n, f"wrong number of columns: {len(fields)} value(s), the header has {len(header)}",
                                start_line, _preview(delimiter.join(fields))))
            continue
        b.add(dict(zip(header, fields)), n, start_line)
    return b.result(header, notes)


def _runaway_quote(opening: str, continuation: Sequence[str], delimiter: str, width: int) -> bool:
    """True when a record that spans several lines looks like an unclosed quote, not a quoted
    line break: every following line is, on its own, a complete row of the header's width, and
    either all of them have balanced quotes (the quote never closes), or the quote closes on the
    last one and every following line starts with a value shaped like the opening line's first
    value (``2``, ``3`` after ``1``; ``msg-002`` after ``msg-001``): rows swallowed up to a stray
    quote (issue 20: they were lost in the previous row's text without a bad-row entry)."""
    lines = [ln for ln in continuation if ln.strip()]
    if width < 2 or not lines or any(ln.count('"') % 2 for ln in lines[:-1]):
        return False
    parsed = [next(csv.reader([ln], delimiter=delimiter), []) for ln in lines]
    if not all(len(f) == width for f in parsed):
        return False
    if lines[-1].count('"') % 2 == 0:
        return True
    key = next(csv.reader([opening], delimiter=delimiter), [""])[0].strip()
    return bool(key) and not key.startswith('"') and all(_shape(f[0]) == _shape(key) for f in parsed)


def _shape(value: str) -> str:
    """``"msg-0042"`` -> ``"a-9"``: runs of letters and of digits folded, for comparing row keys."""
    return re.sub(r"\d+", "9", re.sub(r"[^\W\d_]+", "a", value.strip()))


def _read_jsonl(path: Path, text_column: str | None, mask_names: bool = False) -> MessageLog:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # CR LF, LF and a lone CR all end a line (a raw CR cannot be inside a JSON value; U+2028 can,
    # so only these bytes split). A CR-only file was read as one bad row (issue 20).
    lines = re.split(rb"\r\n|\r|\n", data)
    records: list[tuple[int, int, Any]] = []  # (row, line, obj or BadRow)
    bad: list[BadRow] = []
    keys: list[str] = []
    seen: set[str] = set()
    row = 0
    for i, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        row += 1
        try:
            s = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad.append(BadRow(row, f"broken encoding: byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is not valid UTF-8",
                              i, _preview(raw.decode("utf-8", "replace"))))
            continue
        try:
            obj = json.loads(s)
        except json.JSONDecodeError as exc:
            bad.append(BadRow(row, f"invalid JSON: {exc.msg} at column {exc.colno}", i, _preview(s)))
            continue
        except RecursionError:  # 1,000 nested arrays on one line (issue 20)
            bad.append(BadRow(row, "JSON nested too deeply to read (hundreds of levels of [ or {)", i, _preview(s)))
            continue
        if isinstance(obj, str):
            records.append((row, i, obj))  # a bare JSON string is the text
            continue
        if not isinstance(obj, dict):
            bad.append(BadRow(row, f"expected a JSON object per line, got {type(obj).__name__}", i, _preview(s)))
            continue
        for k in obj:
            if k not in seen:
                seen.add(k)
                keys.append(k)
        records.append((row, i, obj))
    if not records and not bad:
        raise DataError(Errors.E412, path=path)
    cols = _resolve_columns(keys or ["text"], text_column)
    b = _Builder(str(path), cols, mask_names)
    for r, ln, obj in records:
        b.add({cols["text"]: obj} if isinstance(obj, str) else obj, r, ln)
    b.total += len(bad)
    b.bad.extend(bad)
    b.bad.sort(key=lambda x: x.row)
    return b.result(keys)


def _from_records(records: Iterable[Any], text_column: str | None, source: str, mask_names: bool = False) -> MessageLog:
    items = list(records)
    keys: list[str] = []
    seen: set[str] = set()
    for it in items:
        if isinstance(it, Mapping):
            for k in it:
                if k not in seen:
                    seen.add(k)
                    keys.append(str(k))
    cols = _resolve_columns(keys or ["text"], text_column) if (keys or text_column) else {"text": "text"}
    if "text" not in cols:
        cols["text"] = "text"
    b = _Builder(source, cols, mask_names)
    for i, it in enumerate(items, start=1):
        if isinstance(it, str) or it is None:
            b.add({cols["text"]: it}, i)
        elif isinstance(it, Mapping):
            b.add(it, i)
        elif isinstance(it, bytes):
            try:
                b.add({cols["text"]: it.decode("utf-8")}, i)
            except UnicodeDecodeError as exc:
                b.total += 1
                b.bad.append(BadRow(i, f"broken encoding: bytes are not valid UTF-8 ({exc.reason})", None,
                                    _preview(it.decode("utf-8", "replace"))))
        else:
            b.total += 1
            b.bad.append(BadRow(i, f"expected a str or a dict, got {type(it).__name__}", None, _preview(it)))
    return b.result(keys or ["text"])


def read_messages(source: Any, *, text_column: str | None = None, delimiter: str | None = None,
                  mask_names: bool = False) -> MessageLog:
    """Read messages from a path (``.csv``/``.tsv``/``.txt`` or ``.jsonl``/``.ndjson``/``.json``), a list of
    strings or dicts, or a pandas DataFrame.

    Recognised columns (any case): a text column (``text``, ``message``, ``body``...; or ``text_column``),
    and optionally ``id``, ``timestamp``, ``channel``, ``language``, ``customer_id`` (see :data:`FIELD_ALIASES`).
    Raises :class:`~replyassist.errors.DataError` only when the whole input is unusable (missing file,
    no text column); single bad rows are returned in :attr:`MessageLog.bad`.

    ``mask_names``: replace names in the text by ``[NAME]`` as it is read (the customer-name
    column's name wherever it occurs, and names after a greeting or in a sign-off; see
    :func:`replyassist.text.find_names`); the models then see ``[NAME]`` too.

    >>> read_messages([{"text": "Hi Anna, where is my parcel? Thanks, Anna Kovacs", "name": "Anna Kovacs"}],
    ...               mask_names=True).rows[0].text
    'Hi [NAME], where is my parcel? Thanks, [NAME]'
    """
    if isinstance(source, MessageLog):
        return source
    if isinstance(source, (str, Path)) and not (isinstance(source, str) and "\n" in source):
        p = Path(source)
        if not p.is_file():
            raise DataError(Errors.E414, p=p)
        suffix = p.suffix.lower()
        if suffix in (".jsonl", ".ndjson", ".json"):
            if suffix == ".json":
                head = p.read_bytes().lstrip()[:1]
                if head == b"[":
                    try:
                        items = json.loads(p.read_text(encoding="utf-8"))
                    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
                        raise DataError(Errors.E416, p=p, exc=exc) from None
                    return _from_records(items, text_column, str(p), mask_names)
            return _read_jsonl(p, text_column, mask_names)
        return _read_csv(p, text_column, "\t" if suffix == ".tsv" and delimiter is None else delimiter, mask_names)
    if hasattr(source, "to_dict") and hasattr(source, "columns"):  # pandas DataFrame (duck-typed, pandas optional)
        cols = [str(c) for c in source.columns]
        return _from_records(source.to_dict(orient="records"), text_column, "DataFrame", mask_names) if len(source) else \
            MessageLog(rows=[], bad=[], total=0, source="DataFrame", columns=cols)
    if isinstance(source, Iterable) and not isinstance(source, (str, bytes, Mapping)):
        return _from_records(source, text_column, "list", mask_names)
    raise DataError(Errors.E409, source_type=type(source).__name__)
