"""Rebuild sogou.jsonl: real 2012 openings from the SogouCA/SogouCS samples, hand labels attached.

Run ``python sogou_openings.py GITDIR_CA GITDIR_CS > sogou.jsonl`` in this folder,
where the git dirs are bare clones of the two repositories named in SOURCES (the text is read
with ``git show COMMIT:PATH``, so nothing of those repositories is copied here but the openings).
The labels below were made by reading each opening; no parser produced them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

SOURCES = (
    ("YeKc1M/InformationRetrieval", "bb33029e83502b87283a0c396f48a3c9c73e0701",
     "news_tensite_xml.smarty.dat", "gb18030"),
    ("NICE-FUTURE/tfidf-cosine-text-recommendation", "0b0e5ebe3a562fdf1fbc5bbc5ac341525940dc65",
     "news_sohusite_xml.smarty.dat", "utf-8"),
)  # fmt: skip
LEAD_CHARS = 200
DOC = re.compile(
    r"<url>(.*?)</url>\s*<docno>(.*?)</docno>\s*<contenttitle>(.*?)</contenttitle>\s*"
    r"<content>(.*?)</content>",
    re.S,
)
URL_DATE = re.compile(r"/(20\d\d)(\d\d)(\d\d)/")

Label = tuple[str, str | None, str | None, str | None, list[str]]
#: Running number of the dated, non-empty documents (both files, in order) -> (dateline as
#: printed, MM-DD of 2012 or None, outlet, place, reporters). Numbers absent: no dateline.
LABELS: dict[int, Label] = {
0: ("中广网唐山６月１２日消息", "06-12", "中广网", "唐山", ["汤一亮", "庄胜春"]),
3: ("中广网北京６月１３日消息", "06-13", "中广网", "北京", ["王宇"]),
6: ("中新网６月８日电", "06-08", "中新网", None, []),
7: ("中新社北京６月２日电", "06-02", "中新社", "北京", ["刘辰瑶"]),
9: ("中国台湾网６月１５日消息", "06-15", "中国台湾网", None, []),
11: ("中新网６月１日电", "06-01", "中新网", None, []),
12: ("中新社旧金山６月８日电", "06-08", "中新社", "旧金山", ["刘丹"]),
14: ("新华０８网上海６月６日电", "06-06", "新华08网", "上海", ["有之炘"]),
20: ("中新网６月８日电", "06-08", "中新网", None, []),
23: ("新快报讯", None, "新快报", None, []),
27: ("商报讯", None, "商报", None, ["楼志文", "陈佩云"]),
31: ("中新网太原５月３１日电", "05-31", "中新网", "太原", ["梁波"]),
40: ("中国网６月１１日讯", "06-11", "中国网", None, []),
43: ("晨报讯", None, "晨报", None, ["刘映花"]),
49: ("中新网６月８日电", "06-08", "中新网", None, []),
56: ("据新华社电", None, "新华社", None, []),
59: ("新京报讯", None, "新京报", None, ["邢世伟"]),
60: ("台海网６月２日讯", "06-02", "台海网", None, []),
62: ("新华网温哥华６月８日电", "06-08", "新华网", "温哥华", ["黄晓南", "马晓澄"]),
64: ("本报讯", None, "本报", None, ["韩旭"]),
65: ("中新网６月１日电", "06-01", "中新网", None, []),
66: ("中新网５月３１日电", "05-31", "中新网", None, []),
67: ("荆楚网消息", None, "荆楚网", None, ["张扬", "殷莉红", "刘永慧", "刘妮"]),
68: ("中国网６月７日讯", "06-07", "中国网", None, []),
71: ("中新网６月７日电", "06-07", "中新网", None, []),
74: ("中新网６月７日电", "06-07", "中新网", None, []),
75: ("中广网遂川６月１３日消息", "06-13", "中广网", "遂川", ["胡啸", "梁路峰", "刘会平"]),
77: ("羊城晚报讯", None, "羊城晚报", None, ["郑诚"]),
78: ("人民网开罗６月３日电", "06-03", "人民网", "开罗", ["张梦旭"]),
80: ("新华网东京６月４日电", "06-04", "新华网", "东京", ["吴谷丰"]),
82: ("中新网乌鲁木齐６月２日电", "06-02", "中新网", "乌鲁木齐", ["闫文陆"]),
84: ("本报讯", None, "本报", None, ["李莉"]),
87: ("新华网联合国６月７日电", "06-07", "新华网", "联合国", ["王雷", "危玮"]),
88: ("中新网徐州６月１０日电", "06-10", "中新网", "徐州", ["邵国栋"]),
89: ("中新网５月３１日电", "05-31", "中新网", None, []),
90: ("中广网北京６月４日消息", "06-04", "中广网", "北京", []),
91: ("中新网６月５日电", "06-05", "中新网", None, []),
94: ("新快报讯", None, "新快报", None, ["张恩杰", "李军涛"]),
96: ("本报湘潭讯", None, "本报", "湘潭", []),
98: ("中新网６月１４日电", "06-14", "中新网", None, []),
100: ("新华网仰光６月１２日电", "06-12", "新华网", "仰光", ["张云飞"]),
101: ("南都讯", None, "南都", None, ["刘凡", "周昌和", "任笑一"]),
103: ("本报讯", None, "本报", None, ["刘俊"]),
106: ("本报讯", None, "本报", None, []),
108: ("信息时报讯", None, "信息时报", None, ["何小敏", "李星慧"]),
115: ("新京报讯", None, "新京报", None, ["韩宇明"]),
117: ("四川新闻网北京７月３０日讯", "07-30", "四川新闻网", "北京", ["张燕"]),
123: ("中新网杭州６月１９日电", "06-19", "中新网", "杭州", ["夏毅"]),
126: ("２０１２年７月１８日北京讯", "07-18", None, "北京", []),
138: ("南方日报讯", None, "南方日报", None, ["黄少宏", "朱子煜", "成广伟"]),
142: ("本报讯", None, "本报", None, ["靳鸽", "何杰"]),
147: ("本报北京６月２８日电", "06-28", "本报", "北京", ["白龙", "毛磊"]),
150: ("新京报讯", None, "新京报", None, ["韩宇明"]),
153: ("本报讯", None, "本报", None, ["李秋萌"]),
155: ("新快报讯", None, "新快报", None, []),
158: ("中广网北京７月２日消息", "07-02", "中广网", "北京", ["冯赣勇"]),
164: ("【深圳商报讯】", None, "深圳商报", None, ["肖怀礼", "林芮琪"]),
165: ("本报讯", None, "本报", None, ["赵鹏", "文静"]),
166: ("本报讯", None, "本报", None, ["魏奋"]),
168: ("本报讯", None, "本报", None, ["张然"]),
171: ("新快报讯", None, "新快报", None, ["罗琼", "葛晶", "王玮"]),
172: ("人民网６月１１日电", "06-11", "人民网", None, []),
175: ("中新社上海６月２７日电", "06-27", "中新社", "上海", ["陈婷婷"]),
176: ("本报讯", None, "本报", None, ["黄英男"]),
177: ("（搜狐体育　陶冶　４月２２日广州报道）", "04-22", "搜狐体育", "广州", ["陶冶"]),
178: ("信息时报讯", None, "信息时报", None, ["李莉", "刘清华"]),
184: ("千龙网北京７月２６日讯", "07-26", "千龙网", "北京", ["冯强", "张驰"]),
}  # fmt: skip
#: Mojibake inside the dateline itself (GBK text decoded at a broken offset), an edition name
#: standing for the place, or a duplicate document: a label would be a guess, so they are left out.
EXCLUDE = frozenset({5, 50, 63, 81, 83, 95, 97, 174})


def documents(git_dirs: list[str]) -> list[dict[str, str]]:
    """The dated, non-empty documents of both samples, in file order."""
    out: list[dict[str, str]] = []
    for (repo, commit, path, encoding), git_dir in zip(SOURCES, git_dirs, strict=True):
        raw = subprocess.run(
            ["git", "--git-dir", git_dir, "show", f"{commit}:{path}"],
            capture_output=True,
            check=True,
        ).stdout
        text = raw.decode(encoding, errors="replace")
        for url, docno, title, content in DOC.findall(text):
            date = URL_DATE.search(url)
            if date is None or not content.strip():
                continue
            out.append({
                "url": url,
                "source": f"github:{repo}@{commit}:{path}#{docno}",
                "issue_date": f"{date[1]}-{date[2]}-{date[3]}",
                "text": title + "\n" + content[:LEAD_CHARS],
            })  # fmt: skip
    return out


def main(argv: list[str]) -> None:
    for number, doc in enumerate(documents(argv[1:3])):
        if number in EXCLUDE:
            continue
        label = LABELS.get(number)
        raw, day, outlet, place, reporters = label or (None, None, None, None, [])
        host = doc["url"].split("/")[2]
        item = {
            "id": f"sg{number:04d}",
            "text": doc["text"],
            "issue_date": doc["issue_date"],
            "expected": {
                "dateline_raw": raw,
                "dateline_date": f"2012-{day}" if day else None,
                "outlet": outlet,
                "location": place,
                "reporters": reporters,
            },
            "source": doc["source"],
            "publication": outlet if outlet and outlet != "本报" else host,
            "site": host,
        }
        print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
