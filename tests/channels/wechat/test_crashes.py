"""Crash tests for WeChat: `distro publish wechat` killed (SIGKILL) at each fault point of the 发布
and 群发 flows, then run again normally: every article reaches each account once, none is lost.

Each run is a real subprocess on a real state folder (SQLite ledger) publishing to two accounts,
each a contract server on 127.0.0.1: the paper's (``default``, 发布, editions of two) and a
district's (群发, one edition). The servers record every call, so a second draft, publish job or
mass send of an article would be seen there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from distro import config
from distro.channels.wechat import targets
from distro.channels.wechat.accounts import DEFAULT
from distro.channels.wechat.publisher import FAULT_POINTS
from distro.faults import FAULT
from distro.models import DeliveryState
from distro.store.ledger import Ledger
from tests.channels.wechat.conftest import article
from tests.channels.wechat.server import WeChatServer

pytestmark = pytest.mark.slow

DISTRO = str(Path(sys.executable).parent / "distro")
ARTICLES = (1, 2, 3)
CONFIG = """
[channels.web]
enabled = false

[channels.app]
enabled = false

[channels.wechat]
edition_size = 2

[[channels.wechat.accounts]]
name = "district"
conn_id = "distro_wechat_district"
mode = "mass"
edition_size = 8
"""

ALL_SENT = {(DEFAULT, DeliveryState.SENT): len(ARTICLES), ("district", DeliveryState.SENT): 3}

#: Every WeChat fault point with how often a clean run passes it: the paper's account has two
#: editions, the district's one (its passes come after the paper's, accounts run in order).
POINTS = [
    "wechat.claimed@1",  # the intent is recorded; draft/add not called
    "wechat.claimed@2",
    "wechat.claimed@3",  # the district's mass edition
    "wechat.drafted@1",  # the draft exists at WeChat; its media_id not recorded
    "wechat.drafted@2",
    "wechat.drafted@3",
    "wechat.submitted@1",  # freepublish/submit accepted; the publish_id not recorded
    "wechat.submitted@2",
    "wechat.mass_sent@1",  # sent to every follower; the msg_id not recorded
    "wechat.published@1",  # WeChat says published (or sent); nothing marked sent
    "wechat.published@2",
    "wechat.published@3",
]


@pytest.fixture
def paper() -> Iterator[WeChatServer]:
    running = WeChatServer().start()
    yield running
    running.stop()


@pytest.fixture
def district() -> Iterator[WeChatServer]:
    running = WeChatServer(appid="wx-district-app", secret="district-secret-2").start()
    yield running
    running.stop()


def conn(server: WeChatServer) -> str:
    return json.dumps(
        {
            "conn_type": "http",
            "login": server.state.appid,
            "password": server.state.secret,
            "host": server.base_url,
        }
    )


class Stack:
    """A state folder, its two accounts' servers, and `distro publish wechat` runs on it."""

    def __init__(self, root: Path, paper: WeChatServer, district: WeChatServer) -> None:
        root.mkdir(parents=True)
        self.config = root / "distro.toml"
        self.config.write_text(CONFIG, encoding="utf-8")
        self.state = root / "state"
        self.state.mkdir()
        self.paper, self.district = paper, district
        for server in (paper, district):
            # WeChat finishes on its own; the servers answer the outcome at the first ask.
            server.state.publishing_polls = 0
            server.state.mass_polls = 0
        settings = self.settings()
        with Ledger.open(settings) as ledger:
            for n in ARTICLES:
                ledger.put(article(n), [("wechat", t) for t in targets(settings)])

    def settings(self) -> config.Settings:
        return config.load(self.config, self.state)

    def run(self, fault: str | None = None) -> int:
        env = {
            **os.environ,
            "DISTRO_STATE": str(self.state),
            "DISTRO_CONFIG": str(self.config),
            "AIRFLOW_CONN_DISTRO_WECHAT": conn(self.paper),
            "AIRFLOW_CONN_DISTRO_WECHAT_DISTRICT": conn(self.district),
        }
        env.pop(FAULT, None)
        if fault is not None:
            env[FAULT] = fault
        done = subprocess.run(
            [DISTRO, "publish", "wechat"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
        assert done.returncode in {0, 1, -9}, done.stderr.decode()[-2000:]
        # Time passes at WeChat between runs: submitted jobs reach their outcome.
        self.paper.state.finish_jobs()
        return done.returncode

    def crash(self, point: str) -> int:
        """Runs with the fault until it fires (a point past the first run needs a second)."""
        for runs in range(1, 4):
            if self.run(point) == -9:
                return runs
        raise AssertionError(f"{point} never fired")

    def recover(self) -> None:
        """Normal runs until nothing is pending."""
        for _ in range(5):
            self.run()
            with Ledger.open(self.settings()) as ledger:
                if not ledger.pending("wechat"):
                    return
        raise AssertionError("still pending after five runs")

    def deliveries(self) -> Counter[tuple[str, DeliveryState]]:
        with Ledger.open(self.settings()) as ledger:
            assert ledger.quarantined() == []
            return Counter((d.target, d.state) for d in ledger.deliveries(channel="wechat"))


def drafted(server: WeChatServer) -> Counter[str]:
    """Each headline, counted once per draft made of it."""
    calls = server.state.ok_calls("draft/add")
    return Counter(a["title"] for c in calls for a in c.body["articles"])


def published(server: WeChatServer) -> Counter[str]:
    """Each headline, counted once per publish job that published it."""
    jobs = server.state.published.values()
    return Counter(a["title"] for job in jobs for a in job.articles)


def mass_sent(server: WeChatServer) -> Counter[str]:
    """Each headline, counted once per 群发 that went to the followers."""
    jobs = server.state.mass_jobs.values()
    return Counter(a["title"] for job in jobs for a in job.articles)


def test_every_wechat_fault_point_is_crash_tested() -> None:
    tested = {p.partition("@")[0] for p in POINTS} | {"wechat.deleted"}  # withdrawal: below
    assert tested == set(FAULT_POINTS)


@pytest.mark.parametrize("point", POINTS)
def test_publish_killed_at_each_wechat_step_sends_nothing_twice_and_loses_nothing(
    point: str, tmp_path: Path, paper: WeChatServer, district: WeChatServer
) -> None:
    stack = Stack(tmp_path / "run", paper, district)
    stack.crash(point)
    stack.recover()
    assert stack.deliveries() == {
        (DEFAULT, DeliveryState.SENT): 3,
        ("district", DeliveryState.SENT): 3,
    }
    headlines = {article(n).headline[:32] for n in ARTICLES}
    # Every article published once on the paper's account and sent once by the district's;
    # no draft made twice (a draft made before a crash is adopted, not made again).
    assert published(paper) == dict.fromkeys(headlines, 1), point
    assert drafted(paper) == dict.fromkeys(headlines, 1), point
    assert mass_sent(district) == dict.fromkeys(headlines, 1), point
    assert drafted(district) == dict.fromkeys(headlines, 1), point
    assert paper.state.calls_of("message/mass/sendall") == []
    assert district.state.calls_of("freepublish/submit") == []


@pytest.mark.parametrize("nth", [1, 2])
def test_a_withdrawal_killed_after_the_delete_is_recorded_on_the_rerun(
    nth: int, tmp_path: Path, paper: WeChatServer, district: WeChatServer
) -> None:
    stack = Stack(tmp_path / "run", paper, district)
    stack.recover()
    settings = stack.settings()
    killed = article(2)
    with Ledger.open(settings) as ledger:
        version = ledger.kill(killed.id, "legal")
        for target in targets(settings):
            ledger.enqueue(version.id, version.version, "wechat", target)
    assert stack.crash(f"wechat.deleted@{nth}") == 1
    stack.recover()
    with Ledger.open(settings) as ledger:
        withdrawn = [
            d
            for d in ledger.deliveries(article_id=killed.id, channel="wechat")
            if d.version == version.version
        ]
    assert {(d.target, d.state, d.detail["action"]) for d in withdrawn} == {
        (DEFAULT, DeliveryState.SENT, "deleted"),
        ("district", DeliveryState.SENT, "deleted"),
    }
    [(_, index)] = set(paper.state.deleted)
    assert index == 2  # the second article of the first edition, nothing else
    [job] = district.state.mass_jobs.values()
    assert set(job.deleted) == {2}
    assert len(paper.state.ok_calls("freepublish/submit")) == 2  # nothing sent again
    assert len(district.state.ok_calls("message/mass/sendall")) == 1
