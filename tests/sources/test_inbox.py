"""The inbox folder: atomic claims across processes, partial writes, settling, stale claims."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import unquote

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
        # A file the pattern does not take is refused with its reason, not silently ignored.
        [refused] = InboxSource(inbox).items(ledger)
        assert (refused.outcome, refused.stage) == ("quarantined", "claim")
        assert refused.reason is not None and "e.doc: not taken" in refused.reason
        assert list(InboxSource(inbox).items(ledger)) == []
        assert [p.name for p in (inbox / ".refused").rglob("e.doc")] == ["e.doc"]
        assert (inbox / "sub" / "f.txt").is_file()  # an operator's folder stays
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
        assert sorted(p.name for p in slot.iterdir()) == [".owner", "p.meta.json", "p.txt"]
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


def test_links_and_other_non_regular_files_are_refused(tmp_path: Path) -> None:
    """A link is never followed: neither its target's bytes nor the target itself move."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("机密", encoding="utf-8")
    (inbox / "passwd.txt").symlink_to("/etc/passwd")
    (inbox / "outside.txt").symlink_to(outside)
    (inbox / "dangling.txt").symlink_to(tmp_path / "nowhere")
    (inbox / "folder.txt").mkdir()
    os.mkfifo(inbox / "pipe.txt")
    (inbox / "ok.txt").write_bytes("正文".encode())
    (inbox / "ok.meta.json").symlink_to(outside)  # a sidecar link taints its page
    (inbox / "good.txt").write_bytes("正文".encode())
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}") as ledger:
        items = list(InboxSource(inbox).items(ledger))
    by_name = {Path(item.uri).name: item for item in items}
    assert set(by_name) == {
        "passwd.txt", "outside.txt", "dangling.txt", "folder.txt", "pipe.txt", "ok.txt", "good.txt"
    }  # fmt: skip
    assert by_name["good.txt"].data == "正文".encode()
    for name, item in by_name.items():
        if name == "good.txt":
            continue
        assert (item.outcome, item.stage, item.data) == ("quarantined", "claim", None), name
        assert item.reason, name
        item.done()
    assert "symbolic link (to /etc/passwd)" in (by_name["passwd.txt"].reason or "")
    assert "named pipe" in (by_name["pipe.txt"].reason or "")
    assert "directory" in (by_name["folder.txt"].reason or "")
    assert "ok.meta.json" in (by_name["ok.txt"].reason or "")
    assert outside.read_text(encoding="utf-8") == "机密"
    assert {p.name for p in inbox.iterdir()} == {".claimed", ".refused"}
    assert [p.name for p in (inbox / ".claimed").rglob("*.txt")] == ["good.txt"]  # not settled
    refused = {p.name for p in (inbox / ".refused").rglob("*")}
    assert {"passwd.txt", "outside.txt", "pipe.txt", "ok.txt", "ok.meta.json"} <= refused


def test_names_too_long_for_their_sidecar_are_refused(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for stem in ("新" * 80, "a" * 240, "闻" * 65):  # names of 244, 244 and 199 bytes
        (inbox / f"{stem}.txt").write_bytes("正文".encode())
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}") as ledger:
        items = list(InboxSource(inbox).items(ledger))
    outcomes = sorted(
        (item.outcome or "take", len(Path(unquote(item.uri)).name.encode())) for item in items
    )
    assert outcomes == [("quarantined", 244), ("quarantined", 244), ("take", 199)]
    assert all("bytes" in (item.reason or "") for item in items if item.outcome)


def test_a_claim_whose_worker_died_comes_back_at_once(tmp_path: Path) -> None:
    """kill -9 in the middle of a file: the next run takes it again, not an hour later."""
    import subprocess
    import sys

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "p.txt").write_bytes("正文".encode())
    (inbox / "p.meta.json").write_bytes(b'{"page": "2"}')
    url = f"sqlite:///{tmp_path / 'l.db'}"
    Ledger(url).close()
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from distro.sources.inbox import InboxSource\n"
        "from distro.store.ledger import Ledger\n"
        "with Ledger(sys.argv[2], migrate_schema=False) as ledger:\n"
        "    for item in InboxSource(Path(sys.argv[1])).items(ledger):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    died = subprocess.run([sys.executable, "-c", script, str(inbox), url], check=False)
    assert died.returncode == -9
    assert [p.name for p in (inbox / ".claimed").rglob("p.txt")] == ["p.txt"]
    with Ledger(url) as ledger:
        # A live claim (this process) stays claimed.
        live = InboxSource(inbox)
        [item] = live.items(ledger)
        assert (item.filename, item.sidecar) == ("p.txt", b'{"page": "2"}')
        assert list(InboxSource(inbox).items(ledger)) == []
        item.done()
    assert list((inbox / ".claimed").iterdir()) == []
