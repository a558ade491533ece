"""Rebuild sina2018.jsonl: real openings of Sina news of October-November 2018, labels attached.

Run ``python sina2018_openings.py GITDIR > sina2018.jsonl`` in this folder, GITDIR a bare clone of
the repository in SOURCE (each file is read with ``git show COMMIT:PATH``; nothing else of it is
kept here). The repository keeps 12,461 articles its owner downloaded from Sina's channels on
15 November 2018 (entertainment, sport, tech, education, fashion, health), one file each, named
after the headline. Sina reprints the papers, sites and apps it runs, so their datelines are as
those outlets print them (`上证报讯（记者 …）`, `直播吧11月5日讯`, `中证APP讯`,
`DoNews 11月4日消息`), often after the residue of the page (`来源：北京商报`, `（原标题：…）`, a
photo caption line).

`text` is the headline (the file name), a newline and the first 200 characters of the file; a
file that opens with its headline keeps its own line breaks after it. No date is kept with the
files, so `issue_date` and every `dateline_date` are null (a 11月4日 names no year).

Which files: of the distinct openings (a repeated lead kept once), those whose first 120
characters hold 讯, 电, 报道, 消息 or 记者 and whose head is no formula of an outlet the other
sets already name (新浪 and its desks included), read in two groups: every one with a formula
word near its head (讯, 日电, 专电, 电（, 消息：, 日消息, 日报道 in the first 50 characters), and
every fifth of the others. Each was labelled by reading (`LABELS`: `raw|outlet|place|
reporters`, `-` for no dateline, `x reason` for an opening left out), before the finder was run
on any of them. No parser produced a label. The labels are in
`sina2018_labels.tsv`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = "Patrick233/Cluster-Chinese-news-Article"
COMMIT = "d1badb63249cccb481287bd4abd6d25c7d5f04a2"
LEAD_CHARS = 200
#: Path -> label, tab-separated, one a line, in the order the files were chosen.
LABELS = Path(__file__).with_name("sina2018_labels.tsv")


def labels() -> list[tuple[str, str]]:
    """(path, label) in the order the files were chosen."""
    out = []
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        path, _, label = line.partition("\t")
        out.append((path, label))
    return out


def opening(git_dir: str, path: str) -> str:
    """The headline (the file name), a newline and the first characters of the file."""
    raw = subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{COMMIT}:{path}"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    title = path.rsplit("/", 1)[-1].removesuffix(".txt")
    body = raw.lstrip(" \u3000")
    if body.startswith(title):
        return title + body[len(title) : len(title) + LEAD_CHARS]
    return title + "\n" + body[:LEAD_CHARS]


def expected(label: str) -> dict[str, object]:
    """The labels of one opening in the shared shape."""
    if label == "-":
        return {"dateline_raw": None, "dateline_date": None, "outlet": None, "location": None,
                "reporters": []}  # fmt: skip
    raw, outlet, place, names = label.split("|")
    return {
        "dateline_raw": raw,
        "dateline_date": None,
        "outlet": outlet,
        "location": place or None,
        "reporters": [n for n in names.split(",") if n],
    }


def main(argv: list[str]) -> None:
    seen: set[str] = set()
    for number, (path, label) in enumerate(labels()):
        text = opening(argv[1], path)
        lead = "".join(text.split("\n", 1)[-1].split())[:60]
        if lead in seen:
            continue  # the same story filed under two channels
        seen.add(lead)
        if label.startswith("x "):
            continue
        item = {
            "id": f"sn{number:04d}",
            "text": text,
            "issue_date": None,
            "expected": expected(label),
            "source": f"github:{REPO}@{COMMIT}:{path}",
            "publication": "新浪网",
            "category": path.split("/", 1)[0],
        }
        print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
