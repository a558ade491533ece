"""The config documented from its models: the example file, `config show --toml`, suggestions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from distro import config, configdoc
from distro.errors import ConfigError
from tests.airflow.test_dags import WIRE_AND_FEEDS
from tests.conftest import REPO

EXAMPLE = REPO / "config" / "distro.example.toml"


def test_the_example_config_is_what_the_models_say() -> None:
    # Regenerate with `uv run python -m distro.configdoc > config/distro.example.toml`.
    assert EXAMPLE.read_text(encoding="utf-8") == configdoc.example()


def test_the_example_config_reads_back_to_the_defaults() -> None:
    cfg = config.parse(EXAMPLE.read_text(encoding="utf-8"), origin=str(EXAMPLE))
    assert cfg == config.Config()
    text = EXAMPLE.read_text(encoding="utf-8")
    # every described field carries its description
    assert "# Sources in one group share an ingest DAG." in text
    assert "# login=AppID, password=AppSecret." in text


@pytest.mark.parametrize("comments", [True, False])
def test_a_real_config_survives_the_toml_round_trip(comments: bool) -> None:
    text = WIRE_AND_FEEDS + '\n[channels.web.output]\nkind = "s3"\nbucket = "site"\n'
    cfg = config.parse(text)
    again = config.parse(configdoc.dumps(cfg, comments=comments))
    assert again == cfg
    assert again.partners[0].name == "sohu"


def test_config_show_toml_prints_a_file_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "distro.toml"
    path.write_text(WIRE_AND_FEEDS, encoding="utf-8")
    shown = subprocess.run(
        [
            str(Path(sys.executable).with_name("distro")),
            "config",
            "show",
            "--toml",
            "--config",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert config.parse(shown) == config.parse(WIRE_AND_FEEDS)
    assert "[[partners]]" in shown and 'name = "sohu"' in shown


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            '[channels.web]\nbase_ur = "x"\n',
            "channels.web.base_ur: unknown key; did you mean 'base_url'?",
        ),
        (
            '[[sources]]\nkind = "feed"\nname = "a"\nurl = "http://x"\nschedul = "5 * * * *"\n',
            "sources.0.feed.schedul: unknown key; did you mean 'schedule'?",
        ),
        ("[chanels.web]\nenabled = false\n", "chanels: unknown key; did you mean 'channels'?"),
        ("[store]\nzzz = 1\n", "store.zzz: unknown key; allowed here: url"),
    ],
)
def test_a_misspelt_key_names_the_one_meant(text: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.parse(text)
    assert says in str(caught.value)
