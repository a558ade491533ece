"""Hash buckets of one target: stable, even, and the partners' two halves (buckets, then the
feed once) against a real webhook receiver."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from distro import channels, service
from distro.channels import partners
from distro.channels.shards import Shard, bucket_of, group, split
from distro.models import DeliveryState
from distro.store.ledger import Ledger
from tests.channels.web.stories import article, check_rss, settings
from tests.servers.webhooks import SECRET, TOKENS, Receiver

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
IDS = [f"a-{n:020x}" for n in range(1, 2001)]


def test_a_bucket_is_the_same_in_every_process() -> None:
    code = (
        "import json, sys\n"
        "from distro.channels.shards import bucket_of\n"
        "print(json.dumps([bucket_of(i, 7) for i in json.loads(sys.stdin.read())]))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(IDS[:200]),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(done.stdout) == [bucket_of(i, 7) for i in IDS[:200]]


def test_buckets_share_the_work_evenly_and_one_bucket_is_the_whole() -> None:
    counts = Counter(bucket_of(i, 4) for i in IDS)
    assert set(counts) == {0, 1, 2, 3}
    assert max(counts.values()) - min(counts.values()) < 0.2 * len(IDS) / 4, counts
    assert {bucket_of(i, 1) for i in IDS} == {0}
    assert split("x", 1, IDS) == [Shard("x")]
    assert [s.bucket for s in split("x", 4, IDS[:3])] == sorted({bucket_of(i, 4) for i in IDS[:3]})
    assert Shard("x", 1, 4).label() == "x#1/4" and Shard("x").label() == "x"
    assert Shard.of(Shard("x", 2, 3).as_json()) == Shard("x", 2, 3)
    with pytest.raises(ValueError, match="no bucket 4 of 4"):
        Shard("x", 4, 4)


def test_buckets_push_and_the_finish_step_writes_the_feed_once(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DISTRO_HOOK_SECRET", SECRET)
    cfg = settings(
        tmp_path / "state",
        f"""
[channels.web]
base_url = "https://news.example.cn/"
title = "西海岸新闻"

[[partners]]
name = "xinhua"
token = "env:DISTRO_TOKEN_XINHUA"
buckets = 3
webhook = {{ url = "{receiver.url}", secret = "env:DISTRO_HOOK_SECRET" }}
""",
    )
    assert channels.split(cfg, "partners") == ["xinhua"]
    with Ledger(f"sqlite:///{tmp_path / 'state' / 'distro.db'}") as ledger:
        ids = []
        for n in range(1, 10):
            _, stored = ledger.put(article(n, NOW - dt.timedelta(minutes=n)))
            ledger.enqueue(stored.id, stored.version, "partners", "xinhua")
            ids.append(stored.id)
        plan = service.shards(cfg, ledger, "partners")
        assert plan == split("xinhua", 3, ids) and len(plan) > 1
        feed = tmp_path / "state" / "partners" / "xinhua" / "feed.xml"
        for shard in plan:
            report = channels.deliver("partners", cfg, ledger, shard)
            assert report.failed == 0 and report.sent == 0  # closed by the finish step
        assert not feed.exists()
        pushed = [r["body"]["article_id"] for r in receiver.accepted]
        assert sorted(pushed) == sorted(ids)
        # the pushes went out bucket by bucket, each bucket's own articles only
        order = [bucket_of(i, 3) for i in pushed]
        assert order == sorted(order)
        assert {d.state for d in ledger.pending("partners")} == {DeliveryState.SENDING}

        # a bucket run again (a retry) finds its work done: no push, nothing closed twice
        channels.deliver("partners", cfg, ledger, plan[0])
        assert len(receiver.requests) == len(ids)
        done = partners.finish(cfg, ledger, "xinhua")
        assert done.sent == len(ids)
        assert sorted(e.title for e in check_rss(feed.read_bytes()).entries) == sorted(
            f"第{n}条 新区观摩会举行" for n in range(1, 10)
        )
        assert ledger.pending("partners") == []
        assert partners.finish(cfg, ledger, "xinhua").sent == 0
        assert service.shards(cfg, ledger, "partners") == []


def test_past_the_shard_limit_whole_targets_share_shards_each_once() -> None:
    names = [f"p{n:02d}" for n in range(10)]
    assert group(names[:3], 4) == [Shard("p00"), Shard("p01"), Shard("p02")]
    shared = group(names, 4)
    assert len(shared) == 4
    assert [t for shard in shared for t in shard.targets] == names  # each once, in order
    assert shared[0].label() == "p00+2" and shared[0].whole
    assert Shard.of(shared[0].as_json()) == shared[0]
    assert Shard.of({"target": "x", "bucket": 0, "buckets": 1}) == Shard("x")  # an older plan
    assert group([], 4) == [] and len(group(names, 0)) == 1
    with pytest.raises(ValueError, match="only whole targets"):
        Shard("x", 0, 2, also=("y",))


def test_many_small_partners_are_published_in_a_few_shared_shards(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISTRO_HOOK_SECRET", SECRET)
    names = [f"partner{n}" for n in range(7)]
    blocks = []
    for name in names:
        monkeypatch.setenv(f"DISTRO_TOKEN_{name.upper()}", f"tok-{name}-4f1c9a7e2b8d")
        blocks.append(
            f'[[partners]]\nname = "{name}"\ntoken = "env:DISTRO_TOKEN_{name.upper()}"\n'
            f'webhook = {{ url = "{receiver.url}", secret = "env:DISTRO_HOOK_SECRET" }}\n'
        )
    cfg = settings(
        tmp_path / "state",
        '[channels.web]\nbase_url = "https://news.example.cn/"\ntitle = "西海岸新闻"\n\n'
        "[limits]\npublish_shards = 3\n\n" + "\n".join(blocks),
    )
    with Ledger(f"sqlite:///{tmp_path / 'state' / 'distro.db'}") as ledger:
        ids = []
        for n in range(1, 4):
            _, stored = ledger.put(article(n, NOW - dt.timedelta(minutes=n)))
            for name in names:
                ledger.enqueue(stored.id, stored.version, "partners", name)
            ids.append(stored.id)
        plan = service.shards(cfg, ledger, "partners")
        assert [s.targets for s in plan] == [tuple(names[0:3]), tuple(names[3:6]), (names[6],)]
        sent = sum(channels.deliver("partners", cfg, ledger, shard).sent for shard in plan)
        assert sent == len(ids) * len(names)
        pushed = sorted(r["headers"]["x-distro-delivery"] for r in receiver.requests)
        assert pushed == sorted(f"{i}/v1/{name}" for i in ids for name in names)
        for name in names:
            feed = tmp_path / "state" / "partners" / name / "feed.xml"
            assert len(check_rss(feed.read_bytes()).entries) == len(ids)
        assert ledger.pending("partners") == []
        assert service.shards(cfg, ledger, "partners") == []
        # a shared shard run again (a retry) pushes nothing twice
        channels.deliver("partners", cfg, ledger, plan[0])
        assert len(receiver.requests) == len(ids) * len(names)
