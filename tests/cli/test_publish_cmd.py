"""`distro publish CHANNEL`: drains what is pending for the channel and prints a summary."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from distro.cli import main
from distro.store.ledger import Ledger
from tests.channels.web.stories import article, settings, store
from tests.conftest import REPO

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def test_publish_web_writes_the_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    cfg = settings(state)
    with Ledger(cfg.store_url) as ledger:
        item = store(ledger, article(1, NOW))
    code = main(["publish", "web", "--state", str(state), "--config", str(cfg.config_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0] == "web: 1 sent, 0 skipped, 0 quarantined, 0 failed"
    assert (state / "site" / "articles" / f"{item.id}.html").is_file()
    assert main(["publish", "web", "--state", str(state), "--config", str(cfg.config_path)]) == 0
    assert capsys.readouterr().out.startswith("web: 0 sent")


def test_the_progress_bar_counts_each_delivery_that_ends(tmp_path: Path) -> None:
    from distro import channels
    from distro.cli.publish_cmd import with_progress

    cfg = settings(tmp_path / "state")
    with Ledger(cfg.store_url) as ledger:
        items = [store(ledger, article(n, NOW - dt.timedelta(minutes=n))) for n in (1, 2, 3)]
        steps: list[str] = []
        original = channels.publish

        def once() -> channels.PublishReport:
            from distro.cli import publish_cmd

            counter = next(
                h for h in logging.getLogger(publish_cmd.DELIVERIES).handlers
                if isinstance(h, publish_cmd.Counter)
            )  # fmt: skip
            counter.step = steps.append  # what the bar would advance on
            return original("web", cfg, ledger, None)

        report = with_progress(ledger, "web", None, once)
    assert report.sent == 3
    assert sorted(steps) == sorted(a.id for a in items)
    assert not any(
        type(h).__name__ == "Counter" for h in logging.getLogger("distro.store.deliveries").handlers
    )


def test_publish_partners_reports_a_config_error_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    cfg = settings(state, '[[partners]]\nname = "xinhua"\ntoken = "env:DISTRO_TEST_UNSET_TOKEN"\n')
    with Ledger(cfg.store_url) as ledger:
        store(ledger, article(1, NOW), "partners", "xinhua")
    code = main(["publish", "partners", "--state", str(state), "--config", str(cfg.config_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == "distro: secret env:DISTRO_TEST_UNSET_TOKEN is not set in the environment"


def test_unknown_channel_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["publish", "fax"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_the_installed_script_runs_it(tmp_path: Path) -> None:
    state = tmp_path / "state"
    cfg = settings(state)
    with Ledger(cfg.store_url) as ledger:
        store(ledger, article(1, NOW))
    env = {**os.environ, "DISTRO_STATE": str(state), "DISTRO_CONFIG": str(cfg.config_path)}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "distro"), "publish", "web"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("web: 1 sent")
    assert (state / "site" / "feed.xml").is_file()
