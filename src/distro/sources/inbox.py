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
``stale_seconds`` (a worker died) goes back to the inbox for the next run; so does, at once, a
claim whose owner (``<slot>/.owner``: host, pid and process start time) is a process of this host
that no longer runs, so a rerun after a ``kill -9`` finds every file.

What the inbox refuses moves to ``<inbox>/.refused/<YYYY-MM-DD>/`` with a quarantine entry
(stage ``claim``) saying why, so it never blocks a run: anything that is not a regular file
(a symbolic link is never followed: a link to ``/etc/passwd`` is neither read nor archived),
a name longer than ``MAX_NAME_BYTES`` of UTF-8 (its sidecar and temporary names would pass the
file system's 255 bytes), and a file the pattern does not take (an ``.rss`` dropped by mistake).
Partial writes, dotfiles and sidecars are left alone, until ``stale_seconds`` pass: a partial
write untouched that long, or a sidecar whose page never came, is refused too (its writer died),
so nothing waits in the inbox for ever. Dotfiles stay the operator's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fnmatch
import glob
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from distro.owners import ended, owner_mark
from distro.parse.meta import SIDECAR_SUFFIX, sidecar_name
from distro.sources.base import Item

if TYPE_CHECKING:
    from distro.store.ledger import Ledger

CLAIMED = ".claimed"
DONE = ".done"
REFUSED = ".refused"
IGNORED_SUFFIXES = (".part", ".tmp", SIDECAR_SUFFIX)
#: Longest page file name taken, in bytes of UTF-8: `<stem>.meta.json` and `<name>.part` must
#: still fit the 255 bytes of a file name.
MAX_NAME_BYTES = 200


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def readable(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by the OS as lone surrogates) as U+FFFD.

    Every name that reaches a reason, a header or a model goes through here: a lone surrogate
    cannot be encoded, and one such name would otherwise stop every run at the first write.
    """
    return os.fsencode(name).decode("utf-8", "replace")


def refusal(path: Path, pattern: str) -> str | None:
    """Why the inbox refuses ``path`` (never following a link), or None when it may take it."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(mode):
        what = kind_of(mode)
        if stat.S_ISLNK(mode):
            with contextlib.suppress(OSError):
                what += f" (to {readable(str(path.readlink()))})"
        return f"{readable(path.name)}: {what}; the inbox takes regular files only"
    size = len(os.fsencode(path.name))
    if size > MAX_NAME_BYTES:
        return f"file name of {size} bytes; the inbox takes names of up to {MAX_NAME_BYTES} bytes"
    if not fnmatch.fnmatchcase(path.name, pattern):
        name = readable(path.name)
        return f"{name}: not taken, the inbox takes {pattern} (feeds are feed sources)"
    return None


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file, never through a link; OSError otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return handle.read()


def sidecar_of(path: Path) -> Path:
    """``x.txt`` -> ``x.meta.json`` (the one naming rule: ``parse.meta.sidecar_name``)."""
    return path.with_name(sidecar_name(path.name))


def move(source: Path, target: Path) -> bool:
    """Move without ever replacing ``target``; False when it exists or ``source`` is gone.

    A hard link fails when the target exists, so of two workers only one wins, and a file
    dropped again under a name still being processed waits instead of overwriting the claim.
    """
    try:
        os.link(source, target, follow_symlinks=False)
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


OWNER = ".owner"


def owner_gone(slot: Path) -> bool:
    """Whether the claim's owner was a process of this host that has ended (pid reuse aside)."""
    try:
        mark = (slot / OWNER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # no mark (an older worker, another host): wait for stale_seconds
    return ended(mark)


def unslot(claimed: Path) -> None:
    """Remove a claim's own folder once it is empty (but for its owner mark)."""
    (claimed.parent / OWNER).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        claimed.parent.rmdir()


def in_progress(name: str) -> bool:
    """Dotfiles, partial writes and sidecars: left where they are."""
    return name.startswith(".") or name.endswith(IGNORED_SUFFIXES)


def own_folder(path: Path, pattern: str) -> bool:
    """A real folder the pattern does not name: the operator's own, left alone."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return False
    return stat.S_ISDIR(mode) and not fnmatch.fnmatchcase(path.name, pattern)


def takeable(path: Path, settle_seconds: float, clock: float) -> bool:
    """Complete files only: no dotfiles, partial writes or sidecars, settled if asked."""
    if in_progress(path.name):
        return False
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    return settle_seconds <= 0 or clock - info.st_mtime >= settle_seconds


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
        self.refused_dir = self.path / REFUSED

    def recover(self) -> None:
        """Give back claims whose worker died (older than ``stale_seconds``)."""
        if not self.claimed.is_dir():
            return
        cutoff = time.time() - self.stale_seconds
        for path in self.claimed.iterdir():
            try:
                if path.stat().st_mtime >= cutoff and not (path.is_dir() and owner_gone(path)):
                    continue
                for item in path.iterdir() if path.is_dir() else [path]:
                    if item.name != OWNER:
                        move(item, self.path / item.name)
                if path.is_dir():
                    (path / OWNER).unlink(missing_ok=True)
                    path.rmdir()
            except OSError:
                continue  # another worker recovered it first

    def in_work(self, name: str) -> bool:
        """Whether a file of this name is claimed and not finished yet."""
        return (self.claimed / name).exists() or any(self.claimed.glob(f"*/{glob.escape(name)}"))

    def claim(self, path: Path) -> Path | None:
        """Move ``path`` into a claim slot of its own; None if another worker was faster."""
        if self.in_work(path.name):
            return None
        slot = Path(tempfile.mkdtemp(prefix="", dir=self.claimed))  # its age dates the claim
        (slot / OWNER).write_text(owner_mark(), encoding="utf-8")
        target = slot / path.name
        try:
            path.rename(target)
        except OSError as exc:
            (slot / OWNER).unlink(missing_ok=True)
            slot.rmdir()
            if isinstance(exc, FileNotFoundError):
                return None  # another worker was faster
            raise
        sidecar = sidecar_of(path)
        with contextlib.suppress(FileNotFoundError):
            sidecar.rename(slot / sidecar.name)
        return target

    def refuse(self, path: Path, reason: str) -> Item | None:
        """Move ``path`` (itself, never a link's target) aside; the item quarantines it."""
        folder = self.refused_dir / dt.date.today().isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        slot = Path(tempfile.mkdtemp(prefix="", dir=folder))
        try:
            path.rename(slot / path.name)
        except FileNotFoundError:  # another worker refused it first
            slot.rmdir()
            return None
        return Item(
            uri=(self.path / path.name).as_uri(),
            source=self.name,
            kind="page",
            outcome="quarantined",
            reason=reason,
            stage="claim",
        )

    def abandoned(self, path: Path, names: set[str], clock: float) -> str | None:
        """Why a partial write or a sidecar left alone so far is given up, or None."""
        name = path.name
        if name.startswith(".") or not name.endswith(IGNORED_SUFFIXES):
            return None
        try:
            info = path.lstat()
        except FileNotFoundError:
            return None
        if clock - info.st_mtime < self.stale_seconds:
            return None
        hours = f"{self.stale_seconds / 3600:g} h"
        if name.endswith(SIDECAR_SUFFIX):
            stem = name.removesuffix(SIDECAR_SUFFIX)
            if any(other != name and sidecar_name(other) == name for other in names):
                return None  # its page is here (waiting to settle, or refused with a reason)
            if any(self.claimed.glob(f"*/{glob.escape(stem)}.*")):
                return None
            return f"{readable(name)}: a sidecar whose page did not come within {hours}"
        return f"{readable(name)}: a partial write untouched for {hours} (its writer stopped)"

    def items(self, ledger: Ledger) -> Iterator[Item]:
        if not self.path.is_dir():
            return
        self.claimed.mkdir(exist_ok=True)
        self.recover()
        clock = time.time()
        listing = sorted(self.path.iterdir())
        names = {p.name for p in listing}
        for path in listing:
            given_up = self.abandoned(path, names, clock)
            if given_up is not None:
                refused = self.refuse(path, given_up)
                if refused is not None:
                    yield refused
                continue
            if not takeable(path, self.settle_seconds, clock) or own_folder(path, self.pattern):
                continue
            reason = refusal(path, self.pattern)
            if reason is not None:
                refused = self.refuse(path, reason)
                if refused is not None:
                    yield refused
                continue
            try:
                claimed = self.claim(path)
            except OSError as exc:  # the claim must never stop the run
                refused = self.refuse(path, f"{readable(path.name)}: cannot claim ({exc.strerror})")
                if refused is not None:
                    yield refused
                continue
            if claimed is None:
                continue
            yield self._item(claimed)

    def _item(self, claimed: Path) -> Item:
        sidecar_path = sidecar_of(claimed)

        def settle(root: Path) -> None:
            folder = root / dt.date.today().isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            for path in (claimed, sidecar_path):
                if path.is_symlink() or path.exists():
                    path.replace(folder / path.name)
            unslot(claimed)

        def done() -> None:
            settle(self.done_dir)

        def refused() -> None:
            settle(self.refused_dir)

        def release() -> None:
            for path in (sidecar_path, claimed):
                move(path, self.path / path.name)
            unslot(claimed)

        origin = (self.path / claimed.name).as_uri()
        try:
            data = read_regular(claimed)
        except OSError as exc:
            if exc.errno in {errno.ELOOP, errno.EINVAL, errno.ENXIO}:  # swapped for a link
                return Item(
                    origin, self.name, "page", outcome="quarantined", stage="claim",
                    reason=f"{readable(claimed.name)}: not a regular file ({exc.strerror})",
                    done=refused,
                )  # fmt: skip
            return Item(
                origin, self.name, "page", outcome="error",
                reason=f"cannot read: {exc.strerror}", release=release,
            )  # fmt: skip
        sidecar = None
        if sidecar_path.exists() or sidecar_path.is_symlink():
            try:
                sidecar = read_regular(sidecar_path)
            except OSError as exc:
                return Item(
                    origin, self.name, "page", outcome="quarantined", stage="claim",
                    reason=f"{readable(sidecar_path.name)}: not a regular file ({exc.strerror})",
                    done=refused,
                )  # fmt: skip
        return Item(
            uri=origin,
            source=self.name,
            kind="page",
            data=data,
            filename=readable(claimed.name),
            sidecar=sidecar,
            publication=self.publication,
            media_type="text/plain",
            done=done,
            release=release,
        )
