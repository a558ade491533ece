"""Rebuild papers.jsonl: 76 real 2022 Shanghai newspaper openings from a crawler's sample files.

Run ``python paper_openings.py GITDIR > papers.jsonl`` in this folder, GITDIR a bare clone of the
repository in SOURCE. Two files: `Sample_Datasets/XinMin.csv` (新民晚报 e-paper, 1-3 April 2022:
title, content, url, date) and `Sample_Datasets/CNKI.csv` (Shanghai paper articles of April-June
2022 as CNKI lists them: Title, Date, Contents). `text` is the title, a newline and the first 200
characters of the content as stored (leading spaces, the deck lines CNKI keeps above a story).
`issue_date` is the row's date. Labels were made by reading, after the parser was frozen: this
set was never used to develop it (a held-out check).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

SOURCE = ("shenxingy/Chinese_newspaper_crawler", "35a294b4758ed16de3b1968989c1085d60294ebb")
LEAD_CHARS = 200
Label = tuple[str, str | None, str, str | None, list[str]]
_BAO = "本报讯", None, "本报", None
#: Row number -> (dateline as printed, date, outlet, place, reporters); rows absent: none.
XINMIN: dict[int, Label] = {
    14: (*_BAO, []),
    28: ("据新华社北京4月2日电", "2022-04-02", "新华社", "北京", ["吴雨"]),
}
# The 本报讯 under CNKI's deck lines (rows 5, 6, 8, 25, 32) opens the story: it is labelled.
CNKI: dict[int, Label] = {
    4: (*_BAO, ["孟群舒"]), 5: (*_BAO, []), 6: (*_BAO, []), 7: (*_BAO, ["孟群舒"]),
    8: (*_BAO, []), 14: (*_BAO, ["王闲乐"]), 15: (*_BAO, ["周楠", "丁婉星"]),
    16: (*_BAO, ["孟群舒"]), 17: (*_BAO, ["顾泳"]), 18: (*_BAO, ["孟群舒"]),
    20: (*_BAO, ["宰飞", "俱鹤飞"]), 23: (*_BAO, ["孟群舒"]), 24: (*_BAO, ["侍佳妮"]),
    25: (*_BAO, []), 31: (*_BAO, ["孟群舒"]), 32: (*_BAO, []),
}  # fmt: skip
FILES = (
    ("Sample_Datasets/XinMin.csv", "xm", ("title", "content", "date", "url"), XINMIN, "新民晚报"),
    ("Sample_Datasets/CNKI.csv", "ck", ("Title", "Contents", "Date", "Links"), CNKI, "cnki.net"),
)


def main(argv: list[str]) -> None:
    repo, commit = SOURCE
    for path, prefix, (title, body, date, link), labels, paper in FILES:
        raw = subprocess.run(
            ["git", "--git-dir", argv[1], "show", f"{commit}:{path}"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        for number, row in enumerate(rows):
            dateline, day, outlet, place, reporters = labels.get(number) or (
                None, None, None, None, []
            )  # fmt: skip
            item = {
                "id": f"{prefix}{number:04d}",
                "text": row[title].strip() + "\n" + row[body][:LEAD_CHARS],
                "issue_date": row[date],
                "expected": {
                    "dateline_raw": dateline,
                    "dateline_date": day,
                    "outlet": outlet,
                    "location": place,
                    "reporters": reporters,
                },
                "source": f"github:{repo}@{commit}:{path}#row{number}",
                "publication": paper,
                "url": row[link],
            }
            print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
