"""The config file: embedded defaults, validation with paths, secrets only by reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from distro import config
from distro.cli import main
from distro.errors import ConfigError

GOOD = """
[store]
url = "postgresql+psycopg://distro@127.0.0.1/distro"

[[sources]]
kind = "inbox"
publication = "西海岸新闻"

[[sources]]
kind = "feed"
name = "xinhua"
url = "https://example.org/rss.xml"

[channels.wechat]
schedules = ["30 6 * * *"]

[[partners]]
name = "county-tv"
token = "env:COUNTY_TV_TOKEN"
format = "jsonfeed"
filters = { sections = ["要闻"] }
"""


def test_embedded_defaults_need_no_file(tmp_path: Path) -> None:
    settings = config.load(None, tmp_path)
    assert settings.config_path is None
    assert settings.state.inbox == tmp_path / "inbox"
    assert settings.store_url == f"sqlite:///{tmp_path / 'distro.db'}"
    assert [source.kind for source in settings.config.sources] == ["inbox"]
    assert settings.config.timezone == "Asia/Shanghai"


def test_env_selects_config_and_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "distro.toml"
    path.write_text(GOOD, encoding="utf-8")
    monkeypatch.setenv("DISTRO_CONFIG", str(path))
    monkeypatch.setenv("DISTRO_STATE", str(tmp_path / "state"))
    settings = config.load()
    assert settings.config_path == path
    assert settings.state.root == tmp_path / "state"
    assert settings.store_url.startswith("postgresql+psycopg://")
    assert settings.config.sources[0].publication == "西海岸新闻"  # type: ignore[union-attr]
    assert settings.config.partners[0].filters.sections == ["要闻"]


def test_every_error_is_reported_with_its_path() -> None:
    text = """
[[sources]]
kind = "feed"

[channels.wechat]
edition_size = 9

[[partners]]
name = "Bad Name"
token = "s3cr3t-inline-token"
"""
    with pytest.raises(ConfigError) as caught:
        config.parse(text, origin="distro.toml")
    message = caught.value.message
    for path in (
        "sources.0.feed.name",
        "sources.0.feed.url",
        "channels.wechat.edition_size",
        "partners.0.name",
        "partners.0.token",
    ):
        assert path in message
    assert message.startswith("distro.toml: ")


def test_inline_secrets_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"partners\.0\.webhook\.secret"):
        config.parse(
            '[[partners]]\nname = "p"\ntoken = "env:T"\n'
            'webhook = { url = "https://partner.example/hook", secret = "hunter2" }\n'
        )


def test_unknown_keys_are_errors() -> None:
    with pytest.raises(ConfigError, match="chanels"):
        config.parse("[chanels.web]\nenabled = false\n")


def test_bad_toml_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.parse("[store\n")


def test_cli_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTY_TV_TOKEN", "t0ken")
    good = tmp_path / "good.toml"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["config", "check", "--config", str(good), "--state", str(tmp_path)]) == 0
    assert "ok (2 sources" in capsys.readouterr().out

    bad = tmp_path / "bad.toml"
    bad.write_text("[channels.app]\npage_size = 0\n", encoding="utf-8")
    assert main(["config", "check", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "channels.app.page_size" in err

    assert main(["config", "check", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read config" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[channels.web]\nschedule = "0 25 * * *"\n', "channels.web.schedule: invalid cron"),
        ('[channels.app]\nschedule = "0 7 * *"\n', "channels.app.schedule: invalid cron"),
        ('[channels.wechat]\nschedules = ["0 7 * * *", "every morning"]\n',
         "channels.wechat.schedules.1: invalid cron 'every morning'"),
        ('[[sources]]\nkind = "feed"\nname = "x"\nurl = "https://e.org/f"\n'
         'schedule = "*/0 * * * *"\n', "sources.0.schedule: invalid cron"),
        ('timezone = "Asia/Shangai"\n', "timezone: Value error, unknown time zone 'Asia/Shangai'"),
        ('timezone = "../../etc/passwd"\n', "unknown time zone"),
        ('[[partners]]\nname = "tv"\ntoken = "env:DISTRO_TEST_UNSET_TOKEN"\n',
         "partners.0.token: env:DISTRO_TEST_UNSET_TOKEN is not set"),
    ],
)  # fmt: skip
def test_check_names_each_bad_schedule_zone_and_secret(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    says: str,
) -> None:
    monkeypatch.delenv("DISTRO_TEST_UNSET_TOKEN", raising=False)
    path = tmp_path / "distro.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["config", "check", "--config", str(path), "--state", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert says in captured.err
    assert "ok" not in captured.out


def test_missing_connections_are_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_DISTRO_WECHAT", raising=False)
    path = tmp_path / "distro.toml"
    path.write_text('[channels.web]\nschedule = "@hourly"\n', encoding="utf-8")
    assert main(["config", "check", "--config", str(path), "--state", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "warning: channels.wechat.conn_id: connection 'distro_wechat'" in captured.err
    assert "ok (1 sources" in captured.out


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[channels.web]\ntitle = "新闻\\u0001网"\n', "channels.web.title: Value error, control"),
        ('[[sources]]\nkind = "feed"\nname = "x"\nurl = "https://e.org/f"\nsection = ".."\n',
         "sources.0.feed.section"),
        ('[[sources]]\nkind = "inbox"\npublication = "报\\u0007"\n', "sources.0.inbox.publication"),
    ],
)  # fmt: skip
def test_titles_and_sections_in_the_config_obey_the_article_rules(text: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.parse(text)
    assert says in caught.value.message
