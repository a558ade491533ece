"""The channel registry: distro's channels and a plugin installed from a separate package are found
the same way, and a plugin channel gets its config, targets, deliveries and review gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distro import channels, config, service
from distro.channels import registry
from distro.config import Settings
from distro.errors import ConfigError
from distro.models import DeliveryState, Kind
from distro.pipeline import ingest
from distro.store.ledger import Ledger
from tests.test_pipeline import drop

SRC = Path(channels.__file__).resolve().parents[1]


def with_example(tmp_path: Path, body: str) -> Settings:
    path = tmp_path / "distro.toml"
    path.write_text(body, encoding="utf-8")
    return config.load(path, tmp_path / "state")


def example_config(tmp_path: Path, extra: str = "") -> Settings:
    out = tmp_path / "example-out"
    return with_example(
        tmp_path,
        f'[channels.example]\npath = "{out}"\ntargets = ["desk", "archive"]\n{extra}',
    )


def test_distro_channels_and_the_plugin_come_from_the_entry_points() -> None:
    found = registry.specs()
    assert list(found)[:4] == ["web", "partners", "app", "wechat"]
    example = found["example"]
    # The plugin lives outside distro's source tree: nothing under src/distro names it.
    module = Path(example.publish.__code__.co_filename).resolve()
    assert SRC not in module.parents
    assert not any(
        "distro_example_channel" in p.read_text(encoding="utf-8") for p in SRC.rglob("*.py")
    )
    assert registry.load_problems() == []


def test_a_plugin_is_off_until_its_section_is_in_the_config(tmp_path: Path) -> None:
    assert "example" not in channels.enabled(config.load(None, tmp_path / "state"))
    settings = example_config(tmp_path)
    assert "example" in channels.enabled(settings)
    assert ("example", "desk") in channels.targets(settings)
    assert ("example", "archive") in channels.targets(settings)


def test_plugin_deliveries_go_out_once_per_target(tmp_path: Path, seed_bytes: bytes) -> None:
    settings = example_config(tmp_path)
    drop(settings.state.inbox, "page.txt", seed_bytes)
    with Ledger.open(settings) as ledger:
        report = ingest(settings, ledger=ledger)
        assert report.accepted > 0
        ids = {a.id for a in ledger.articles()}
        pending = ledger.pending("example")
        assert {d.target for d in pending} == {"desk", "archive"}
        assert len(pending) == 2 * len(ids)
        first = channels.publish("example", settings, ledger)
        again = channels.publish("example", settings, ledger)
        states = {d.state for d in ledger.deliveries(channel="example")}
    assert first.sent == 2 * len(ids)
    assert again.sent == 0
    assert states == {DeliveryState.SENT}
    out = tmp_path / "example-out"
    for target in ("desk", "archive"):
        written = {
            json.loads(p.read_text(encoding="utf-8"))["id"] for p in (out / target).iterdir()
        }
        assert written == ids


def test_one_target_can_be_published_alone(tmp_path: Path, seed_bytes: bytes) -> None:
    settings = example_config(tmp_path)
    drop(settings.state.inbox, "page.txt", seed_bytes)
    with Ledger.open(settings) as ledger:
        ingest(settings, ledger=ledger)
        report = channels.publish("example", settings, ledger, "desk")
        left = {d.target for d in ledger.pending("example")}
    assert report.sent > 0
    assert left == {"archive"}


def test_a_plugin_review_gate_holds_and_a_kill_reaches_it(
    tmp_path: Path, seed_bytes: bytes
) -> None:
    settings = example_config(tmp_path, 'review = "always"\n')
    drop(settings.state.inbox, "page.txt", seed_bytes)
    with Ledger.open(settings) as ledger:
        ingest(settings, ledger=ledger)
        stories = [a for a in ledger.articles() if a.kind is Kind.ARTICLE]
        held = [d for d in ledger.deliveries(channel="example") if d.article_id == stories[0].id]
        assert {d.state for d in held} == {DeliveryState.HELD}  # teasers are never held
        channels.publish("example", settings, ledger)
        assert {d.state for d in ledger.deliveries(article_id=stories[0].id)} >= {
            DeliveryState.HELD
        }
        story = stories[0]
        result = service.kill(settings, ledger, [story.id], "legal")
        assert "example" in result["channels"]
        channels.publish("example", settings, ledger)
    out = tmp_path / "example-out" / "desk"
    killed = json.loads((out / f"{story.id}.v{result['articles'][0]['version']}.json").read_text())
    assert killed["status"] == "canceled"


def test_unknown_channels_are_one_line_errors_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"channels\.exampel: unknown channel; did you mean 'example'"
    ):
        with_example(tmp_path, '[channels.exampel]\npath = "x"\n')
    with pytest.raises(ConfigError, match=r"channels\.example\.path: Field required"):
        with_example(tmp_path, "[channels.example]\n")
    with pytest.raises(ConfigError, match="unknown channel 'nope'"):
        channels.get("nope")


def test_a_broken_plugin_section_switches_off_that_channel_only(tmp_path: Path) -> None:
    path = tmp_path / "distro.toml"
    path.write_text("[channels.example]\ntargets = []\n", encoding="utf-8")
    settings, broken = config.load_lenient(path, tmp_path / "state")
    assert set(broken) == {"channels.example"}
    assert "example" not in channels.enabled(settings)
    assert "web" in channels.enabled(settings)
