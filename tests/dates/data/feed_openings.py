"""Rebuild feeds.jsonl: 20 real feed openings (新浪 2018, 人民网时政 2025) archived on GitHub.

Run ``python feed_openings.py GITDIR > feeds.jsonl`` in this folder, GITDIR a bare clone of the
repository in SOURCE. The archive keeps each feed item as a Markdown section (title, 来源, 时间,
摘要); `text` is the title, a newline and the first 230 characters of the 摘要 as the feed gave
it (人民网's HTML paragraphs become lines, entities decoded). Labels were made by reading, after
the parser was frozen: this set was never used to develop it (a held-out check).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys

SOURCE = ("clkhoo5211/upgraded-octo-fortnight", "185150bf3ae39f3acc93265bf169ac3aa1a95ebd")
LEAD_CHARS = 230
SECTION = re.compile(
    r"## \d+\. (.*?)\n\n\*\*来源：\*\* (.*?)  \n\*\*时间：\*\* (.*?)  \n"
    r".*?### 摘要\n\n(.*?)\n\n### ",
    re.S,
)
ISSUES = {"国内要闻-新浪新闻": "2018-09-23", "时政频道": "2025-06-05"}
Label = tuple[str, str | None, str, str | None, list[str]]
#: Title -> (dateline as printed, date, outlet, place, reporters); titles absent: no dateline.
LABELS: dict[str, Label] = {
    "山东烟台市副市长聂作坤落马后 继任从东营调入": (
        "经济日报-中国经济网烟台9月23日综合报道", "2018-09-23", "经济日报-中国经济网", "烟台", []
    ),
    "韩正会见中美高级别二轨对话美方代表团": (
        "新华社北京6月5日电", "2025-06-05", "新华社", "北京", []
    ),
    "美得州入室行凶案致中国公民1死1伤 中领馆促破案": (
        "中国侨网9月23日电", "2018-09-23", "中国侨网", None, []
    ),
    "刘国中在安徽调研时强调 全力以赴夺取夏粮丰收 全面打牢秋粮生产基础": (
        "新华社合肥6月5日电", "2025-06-05", "新华社", "合肥", []
    ),
    "国务院印发《关于开展第四次全国农业普查的通知》": (
        "新华社北京6月5日电", "2025-06-05", "新华社", "北京", []
    ),
    "中央军委主席习近平签署命令 发布《军事设施建设条例》": (
        "新华社北京6月5日电", "2025-06-05", "新华社", "北京", []
    ),
    "丁薛祥在山西调研时强调 守好公平公正“生命线” 确保实现“平安高考”目标": (
        "新华社太原6月5日电", "2025-06-05", "新华社", "太原", []
    ),
    "中共中央办公厅印发《党组讨论和决定党员处分事项工作程序规定》": (
        "新华社北京6月5日电", "2025-06-05", "新华社", "北京", []
    ),
    "全国人大常委会启动节约能源法执法检查": (
        "新华社北京6月5日电", "2025-06-05", "新华社", "北京", []
    ),
    "00后香港铁路迷搭高铁到深圳北站:19分钟不够过瘾": (
        "中新社香港9月23日电", "2018-09-23", "中新社", "香港", []
    ),
    "广深港高铁开通 铁总：内地香港高铁实现互联互通": (
        "中新社香港9月23日电", "2018-09-23", "中新社", "香港", ["冯玲玲"]
    ),
}  # fmt: skip


def sections(git_dir: str) -> list[tuple[str, str, str, str]]:
    """(title, feed, path, lead) of each Chinese item, first sighting only, files in order."""
    _, commit = SOURCE
    names = subprocess.run(
        ["git", "--git-dir", git_dir, "ls-tree", "-r", "--name-only", commit],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    seen: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    for name in sorted(n for n in names if n.endswith(".md")):
        text = subprocess.run(
            ["git", "--git-dir", git_dir, "show", f"{commit}:{name}"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        for title, feed, _when, summary in SECTION.findall(text):
            if feed not in ISSUES or (title, summary) in seen:
                continue
            lead = summary
            if "<p" in summary:
                lead = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"</p>\s*", "\n", summary)))
            seen[(title, summary)] = (title, feed, name, lead.strip())
    return list(seen.values())


def main(argv: list[str]) -> None:
    repo, commit = SOURCE
    for number, (title, feed, path, lead) in enumerate(sections(argv[1])):
        raw, date, outlet, place, reporters = LABELS.get(title) or (None, None, None, None, [])
        item = {
            "id": f"fd{number:04d}",
            "text": title + "\n" + lead[:LEAD_CHARS],
            "issue_date": ISSUES[feed],
            "expected": {
                "dateline_raw": raw,
                "dateline_date": date,
                "outlet": outlet,
                "location": place,
                "reporters": reporters,
            },
            "source": f"github:{repo}@{commit}:{path}#{title}",
            "publication": "新浪新闻" if feed.endswith("新浪新闻") else "人民网",
        }
        print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
