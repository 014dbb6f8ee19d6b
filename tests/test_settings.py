from __future__ import annotations

import pytest

from replyassist.errors import ConfigError
from replyassist.settings import Settings, load_settings


def test_defaults_are_offline():
    s = Settings()
    assert s.embedder == "e5-small" and s.translator == "none"
    from replyassist.drafting import DraftSettings
    from replyassist.gaps import GapSettings
    from replyassist.matching import MatchSettings
    from replyassist.signals import SignalSettings
    assert s.matching == MatchSettings() and s.signals == SignalSettings()
    assert s.drafting == DraftSettings() and s.gaps == GapSettings()


def test_from_dict_and_unknown_keys():
    s = Settings.from_dict({"matching": {"top_k": 3}, "max_message_chars": 5000})
    assert s.matching.top_k == 3 and s.max_message_chars == 5000
    with pytest.raises(ConfigError, match=r"Unknown setting\(s\) \['embeder'\]"):
        Settings.from_dict({"embeder": "e5-small"})
    with pytest.raises(ConfigError, match="matching"):
        Settings.from_dict({"matching": {"topk": 3}})
    with pytest.raises(ConfigError, match="translator must be one of"):
        Settings(translator="google")
    with pytest.raises(ConfigError, match="max_message_chars"):
        Settings(max_message_chars=0)


def test_from_files(tmp_path):
    t = tmp_path / "s.toml"
    t.write_text('embedder = "e5-small"\nrestrict_languages = true\n[matching]\ntop_k = 4\n', encoding="utf-8")
    assert load_settings(t).matching.top_k == 4 and load_settings(t).restrict_languages
    y = tmp_path / "s.yaml"
    y.write_text("matching:\n  top_k: 2\n", encoding="utf-8")
    assert load_settings(str(y)).matching.top_k == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("embedder = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Cannot parse settings file"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")
