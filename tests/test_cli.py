from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path


from replyassist.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHOP = str(ROOT / "faq_corpus" / "shop")


def test_suggest_text_output(capsys):
    rc = main(["suggest", "--corpus", SHOP, "--customer-name", "Anna", "--agent-name", "Mira K.",
               "--channel", "email", "Hol van a csomagom? Már két hete várok!"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "Language:   hu" in out and "FAQ match:" in out and "Draft (hu" in out and "Anna" in out


def test_suggest_json_from_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("Wo bleibt meine Bestellung?".encode())))
    rc = main(["suggest", "--corpus", SHOP, "--json", "--value", "order_id=4711"])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0 and d["language"]["language"] == "de" and d["draft"]["language"] == "de"


def test_invalid_utf8_on_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Wo ist \xff mein Paket")))
    rc = main(["suggest", "--corpus", SHOP])
    err = capsys.readouterr().err
    assert rc == 2 and "standard input is not valid UTF-8" in err and "--encoding" in err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Wo ist \xff mein Paket")))
    assert main(["suggest", "--corpus", SHOP, "--encoding-errors", "replace"]) == 0


def test_empty_message_and_bad_corpus(tmp_path, capsys):
    assert main(["suggest", "--corpus", SHOP, "   "]) == 2
    assert "empty" in capsys.readouterr().err
    (tmp_path / "a.yaml").write_text("entries:\n  - id: x\n    category: [\n", encoding="utf-8")
    assert main(["corpus", "check", str(tmp_path)]) == 2
    assert re.search(r"a.yaml:\d+: YAML syntax error", capsys.readouterr().err)
    assert main(["corpus", "check", SHOP]) == 0
    assert "entries" in capsys.readouterr().out


def test_console_script_runs():
    r = subprocess.run([sys.executable, "-m", "replyassist.cli", "detect", "Gde je moja porudžbina?"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["language"] == "sr"
