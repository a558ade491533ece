"""The inbox folder: atomic claims across processes, partial writes, settling, stale claims."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from distro.sources.inbox import InboxSource
from distro.store.ledger import Ledger


def sweep(inbox: str, url: str) -> list[str]:
    """One worker: claim whatever it can, settle each claim."""
    taken = []
    with Ledger(url, migrate_schema=False) as ledger:
        for item in InboxSource(Path(inbox)).items(ledger):
            assert item.data is not None and item.filename is not None
            taken.append(item.filename)
            item.done()
    return taken


def test_two_workers_never_take_the_same_file(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(200):
        (inbox / f"{i:03}.txt").write_text(f"稿件 {i}", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    Ledger(url).close()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(3, mp_context=context) as pool:
        results = list(pool.map(sweep, [str(inbox)] * 3, [url] * 3))
    taken = [name for found in results for name in found]
    assert sorted(taken) == sorted(f"{i:03}.txt" for i in range(200))
    assert len(set(taken)) == len(taken)
    assert len(list((inbox / ".done").rglob("*.txt"))) == 200


def test_partial_and_hidden_files_wait(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("a.txt.part", "b.txt.tmp", ".c.txt", "d.meta.json", "e.doc"):
        (inbox / name).write_bytes(b"x")
    (inbox / "sub").mkdir()
    (inbox / "sub" / "f.txt").write_bytes(b"x")
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}") as ledger:
        assert list(InboxSource(inbox).items(ledger)) == []
        (inbox / "a.txt.part").rename(inbox / "a.txt")
        [item] = InboxSource(inbox).items(ledger)
    assert (item.filename, item.data, item.sidecar) == ("a.txt", b"x", None)


def test_settle_time_and_sidecar(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "p.meta.json").write_bytes(b'{"page": "2"}')
    (inbox / "p.txt").write_bytes(b"x")
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}") as ledger:
        assert list(InboxSource(inbox, settle_seconds=600).items(ledger)) == []
        old = time.time() - 700
        os.utime(inbox / "p.txt", (old, old))
        [item] = InboxSource(inbox, settle_seconds=600).items(ledger)
        assert item.sidecar == b'{"page": "2"}'
        [slot] = (inbox / ".claimed").iterdir()
        assert sorted(p.name for p in slot.iterdir()) == ["p.meta.json", "p.txt"]
        item.release()
        assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["p.meta.json", "p.txt"]


def test_stale_claims_come_back(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for slot, name in (("live", "fresh.txt"), ("dead", "stale.txt")):
        (inbox / ".claimed" / slot).mkdir(parents=True)
        (inbox / ".claimed" / slot / name).write_bytes(name.encode())
    old = time.time() - 7200
    os.utime(inbox / ".claimed" / "dead", (old, old))
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}") as ledger:
        items = list(InboxSource(inbox).items(ledger))
    assert [item.filename for item in items] == ["stale.txt"]
    assert not (inbox / ".claimed" / "dead").exists()
    items[0].done()
    assert sorted(p.name for p in (inbox / ".claimed").iterdir()) == ["live"]


def test_a_name_still_being_processed_is_not_overwritten(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "p.txt").write_bytes(b"first")
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}") as ledger:
        items = InboxSource(inbox).items(ledger)
        first = next(items)
        (inbox / "p.txt").write_bytes(b"second")  # dropped again while the first is in work
        assert list(InboxSource(inbox).items(ledger)) == []
        [claimed] = (inbox / ".claimed").glob("*/p.txt")
        assert claimed.read_bytes() == b"first"
        first.done()
        [second] = InboxSource(inbox).items(ledger)
    assert (first.data, second.data) == (b"first", b"second")
