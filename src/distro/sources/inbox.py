"""The inbox folder: wire copy files, each claimed by one worker with an atomic rename.

Writers follow the write-then-rename convention: write ``name.txt.part`` (or ``.tmp``, or a
dotfile) and rename it to ``name.txt`` when complete; a page's sidecar ``name.meta.json`` is
renamed into place before the page. Writers that cannot rename set ``settle_seconds``: a file is
only taken once it has not changed for that long.

A worker claims a file by renaming it into a fresh folder of its own, ``<inbox>/.claimed/<slot>/``:
rename is atomic on one file system and the target is unique, so of two workers exactly one
takes the file (the loser's rename finds no source and it moves on). A hard link would not do:
a worker that looked the name up before the winner unlinked it can still link the inode later.
A name dropped again while an earlier file of that name is still claimed waits for it, so
versions are stored in the order they arrived.
After processing, the file (and sidecar) moves to ``<inbox>/.done/<YYYY-MM-DD>/``; its bytes are
already in the raw archive, so operators may prune ``.done`` freely. A claim older than
``stale_seconds`` (a worker died) goes back to the inbox for the next run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from distro.sources.base import Item

if TYPE_CHECKING:
    from distro.store.ledger import Ledger

CLAIMED = ".claimed"
DONE = ".done"
SIDECAR_SUFFIX = ".meta.json"
IGNORED_SUFFIXES = (".part", ".tmp", SIDECAR_SUFFIX)


def sidecar_of(path: Path) -> Path:
    """``x.txt`` -> ``x.meta.json``."""
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def move(source: Path, target: Path) -> bool:
    """Move without ever replacing ``target``; False when it exists or ``source`` is gone.

    A hard link fails when the target exists, so of two workers only one wins, and a file
    dropped again under a name still being processed waits instead of overwriting the claim.
    """
    try:
        os.link(source, target)
    except (FileExistsError, FileNotFoundError):
        return False
    except OSError:
        # No hard links on this file system: fall back to rename, which is still atomic.
        if target.exists():
            return False
        try:
            source.rename(target)
        except FileNotFoundError:
            return False
        return True
    source.unlink(missing_ok=True)
    return True


def unslot(claimed: Path) -> None:
    """Remove a claim's own folder once it is empty."""
    with contextlib.suppress(OSError):
        claimed.parent.rmdir()


def takeable(path: Path, settle_seconds: float, clock: float) -> bool:
    """Complete files only: no dotfiles, partial writes or sidecars, settled if asked."""
    name = path.name
    if name.startswith(".") or name.endswith(IGNORED_SUFFIXES):
        return False
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False
    if not path.is_file():
        return False
    return settle_seconds <= 0 or clock - stat.st_mtime >= settle_seconds


class InboxSource:
    """Files matching ``pattern`` in a folder."""

    def __init__(
        self,
        path: Path,
        *,
        name: str = "inbox",
        publication: str = "本报",
        pattern: str = "*.txt",
        settle_seconds: float = 0.0,
        stale_seconds: float = 3600.0,
    ) -> None:
        self.path = Path(path).absolute()
        self.location = self.path.as_uri()
        self.name = name
        self.publication = publication
        self.pattern = pattern
        self.settle_seconds = settle_seconds
        self.stale_seconds = stale_seconds
        self.claimed = self.path / CLAIMED
        self.done_dir = self.path / DONE

    def recover(self) -> None:
        """Give back claims whose worker died (older than ``stale_seconds``)."""
        if not self.claimed.is_dir():
            return
        cutoff = time.time() - self.stale_seconds
        for path in self.claimed.iterdir():
            try:
                if path.stat().st_mtime >= cutoff:
                    continue
                for item in path.iterdir() if path.is_dir() else [path]:
                    move(item, self.path / item.name)
                if path.is_dir():
                    path.rmdir()
            except OSError:
                continue  # another worker recovered it first

    def in_work(self, name: str) -> bool:
        """Whether a file of this name is claimed and not finished yet."""
        return (self.claimed / name).exists() or any(self.claimed.glob(f"*/{name}"))

    def claim(self, path: Path) -> Path | None:
        """Move ``path`` into a claim slot of its own; None if another worker was faster."""
        if self.in_work(path.name):
            return None
        slot = Path(tempfile.mkdtemp(prefix="", dir=self.claimed))  # its age dates the claim
        target = slot / path.name
        try:
            path.rename(target)
        except FileNotFoundError:
            slot.rmdir()
            return None
        sidecar = sidecar_of(path)
        with contextlib.suppress(FileNotFoundError):
            sidecar.rename(slot / sidecar.name)
        return target

    def items(self, ledger: Ledger) -> Iterator[Item]:
        if not self.path.is_dir():
            return
        self.claimed.mkdir(exist_ok=True)
        self.recover()
        clock = time.time()
        candidates = sorted(p for p in self.path.glob(self.pattern) if p.parent == self.path)
        for path in candidates:
            if not takeable(path, self.settle_seconds, clock):
                continue
            claimed = self.claim(path)
            if claimed is None:
                continue
            yield self._item(claimed)

    def _item(self, claimed: Path) -> Item:
        sidecar_path = sidecar_of(claimed)
        sidecar = sidecar_path.read_bytes() if sidecar_path.is_file() else None

        def done() -> None:
            folder = self.done_dir / dt.date.today().isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            for path in (claimed, sidecar_path):
                if path.exists():
                    path.replace(folder / path.name)
            unslot(claimed)

        def release() -> None:
            for path in (sidecar_path, claimed):
                move(path, self.path / path.name)
            unslot(claimed)

        origin = (self.path / claimed.name).as_uri()
        try:
            data = claimed.read_bytes()
        except OSError as exc:
            return Item(
                origin, self.name, "page", outcome="error",
                reason=f"cannot read: {exc.strerror}", release=release,
            )  # fmt: skip
        return Item(
            uri=origin,
            source=self.name,
            kind="page",
            data=data,
            filename=claimed.name,
            sidecar=sidecar,
            publication=self.publication,
            media_type="text/plain",
            done=done,
            release=release,
        )
