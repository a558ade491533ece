"""Rebuild cnewsb.jsonl: 307 real openings of Sina news (THUCNews, 2009 and 2011), labels attached.

Run ``python cnewsb_openings.py GITDIR > cnewsb.jsonl`` in this folder, GITDIR a bare clone of the
repository in SOURCE (the text is read with ``git show COMMIT:PATH``; nothing else of it is kept
here). Two files of another THUCNews sample than `thucnews.jsonl`'s, `data/cnews-b/cnews.val.txt`
(239 lines: Sina's fund pages of April 2009, which ran the wires, the securities papers and the
city papers) and `data/cnews-b/cnews.test.txt` (85 lines: NBA, CBA and fund news of March 2009 and
2011). Each line is ``category<TAB>title+content``, the headline run straight into the story.
The eight lines of the test file that `thucnews.jsonl` holds too (`SHARED` below) are left out.
`text` is the first 200 characters, as stored; THUCNews keeps no date, so `issue_date` and every
`dateline_date` are null.

Labels, as for `thucnews.jsonl`: an opening whose first 120 characters hold none of 讯, 电, 报道,
消息, 记者 has no dateline (92 openings; every twelfth of them read to check it); the other 224
were each read by eye and are labelled in LABELS below, 9 left out with the reason written
there. The labels were written before the finder was run on this set: no parser produced one.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

REPO = "ClydeKuo/cnn"
COMMIT = "dda251a051096050400887e84ec12091fe85c406"
#: (path, id prefix) of each file read.
FILES = (("data/cnews-b/cnews.val.txt", "cv"), ("data/cnews-b/cnews.test.txt", "ct"))
#: Test-file lines that are also lines of thucnews.jsonl's source.
SHARED = frozenset({6, 17, 23, 27, 46, 52, 74, 79})
LEAD_CHARS = 200
#: What every dateline or credit carries; an opening without any in its first 120 characters
#: has no dateline.
TERMS = re.compile("讯|电|报道|消息|记者")
TERMS_REACH = 120

#: `v`/`t` (val or test file) and line number -> `raw|outlet|place|reporters` as read, `-` for no
#: dateline, `x reason` for an opening left out.
LABELS_TEXT = """
v0 -
v1 -
v2 全景网4月9日讯|全景网||
v3 -
v4 -
v5 全景网4月9日讯|全景网||
v7 -
v8 新快报讯|新快报||吴谭
v9 -
v10 -
v11 -
v12 全景网4月9日讯|全景网||
v13 全景网4月9日讯|全景网||
v14 -
v15 -
v16 -
v18 新浪财经讯|新浪财经||
v20 -
v22 -
v23 -
v25 本报讯|本报||
v27 本报讯|本报||敖晓波
v28 据新华社电|新华社||
v30 -
v31 本报讯|本报||朱雷
v32 全景网4月10日讯|全景网||
v34 -
v35 x a site's bracketed desk credit (【《财经网》北京专稿/记者 宋燕华】): no convention
v36 -
v38 晚报讯|晚报||王惠康
v39 荆楚网消息|荆楚网||
v40 -
v41 -
v43 -
v44 晚报讯|晚报||钱妤
v45 本报讯|本报||邵泽慧
v46 x the reporter's name is damaged by the decoding (记者 吴?)
v47 本报讯|本报||赵侠
v48 -
v49 -
v50 -
v54 -
v55 -
v56 -
v58 中新网4月11日电|中新网||
v59 -
v60 新浪财经讯|新浪财经||
v61 本报讯|本报||赵侠
v62 本报讯|本报||张哲
v65 -
v71 x an outlet and its credit with no 讯/电 (投资者报 (实习记者 岳永明)): no convention
v72 -
v78 -
v79 x the reporter's name is damaged by the decoding (见习记者李??)
v80 -
v82 -
v85 -
v87 新浪财经讯|新浪财经||
v90 全景网4月13日讯|全景网||
v92 -
v93 -
v96 -
v98 本报讯|本报||敖晓波
v99 -
v100 本报讯|本报||邵泽慧
v101 -
v102 -
v104 -
v106 本报讯|本报||贾伟
v108 -
v109 本报讯|本报||余子君
v110 本报讯|本报||
v111 全景网4月15日讯|全景网||
v112 商报讯|商报||王丹
v113 全景网4月15日讯|全景网||
v114 -
v115 -
v116 -
v119 荆楚网消息|荆楚网||
v120 -
v122 x a name padded inside (证券时报记者 张 哲本报讯): whether 张哲 or two names cannot be told
v123 -
v126 全景网4月15日讯|全景网||
v127 -
v128 本报讯|本报||余子君
v129 -
v131 全景网4月16日讯|全景网||
v132 本报讯|本报||敖晓波
v135 -
v136 【本报讯】|本报||
v138 本报讯|本报||赵侠
v139 全景网4月16日讯|全景网||
v140 本报讯|本报||敖晓波
v141 x an outlet's 报道 with no formula (据证券日报报道): attribution?
v142 本报讯|本报||敖晓波
v143 -
v145 新浪财经讯|新浪财经||
v151 x a name padded inside (证券时报记者 杨 磊本报讯): whether 杨磊 or two names cannot be told
v152 全景网4月17日讯|全景网||
v153 -
v154 -
v155 -
v156 -
v157 本报讯|本报||付建利
v159 -
v162 -
v163 本报讯|本报||吕佳
v165 -
v167 -
v168 -
v174 -
v175 -
v177 -
v178 -
v180 -
v181 -
v182 本报讯|本报||余子君
v183 全景网4月20日讯|全景网||
v184 -
v185 -
v186 -
v187 -
v188 全景网4月20日讯|全景网||
v189 -
v190 -
v191 晚报讯|晚报||钱妤
v193 -
v194 -
v195 -
v196 -
v197 -
v198 -
v200 【新华社纽约4月18日专电】|新华社|纽约|
v203 -
v204 新华网上海4月20日电|新华网|上海|桑彤
v205 -
v206 本报讯|本报||窦红梅
v207 本报讯|本报||吴清桦
v208 全景网4月21日讯|全景网||
v211 全景网4月21日讯|全景网||
v212 据新华社电|新华社||
v214 【据新华社上海4月20日专电】|新华社|上海|桑彤
v216 -
v217 x a name padded inside (证券时报记者 张 哲本报讯): whether 张哲 or two names cannot be told
v218 -
v221 新快报讯|新快报||吴谭
v222 新浪财经讯|新浪财经||
v224 -
v228 -
v230 全景网4月22日讯|全景网||
v231 本报讯|本报||邵泽慧
v232 -
v233 -
v234 早报讯|早报||孟梅,夏冬梅
v236 -
v238 -
t0 新浪体育讯|新浪体育||
t1 新浪体育讯|新浪体育||
t2 新浪体育讯|新浪体育||
t5 新浪体育讯|新浪体育||
t7 新浪体育讯|新浪体育||
t8 新浪体育讯|新浪体育||
t9 新浪体育讯|新浪体育||
t10 新浪体育讯|新浪体育||
t12 新浪体育讯|新浪体育||
t13 新浪体育讯|新浪体育||
t14 新浪体育讯|新浪体育||
t15 本报讯|本报||张健强
t16 新浪体育讯|新浪体育||
t18 新浪体育讯|新浪体育||
t19 新浪体育讯|新浪体育||
t20 新浪体育讯|新浪体育||
t21 新浪体育讯|新浪体育||
t22 新浪体育讯|新浪体育||
t24 新浪体育讯|新浪体育||
t25 新浪体育讯|新浪体育||
t26 新浪体育讯|新浪体育||
t28 新浪体育讯|新浪体育||
t29 新浪体育讯|新浪体育||
t30 新浪体育讯|新浪体育||
t31 新浪体育讯|新浪体育||
t32 新浪体育讯|新浪体育||
t33 新浪体育讯|新浪体育||
t34 新浪体育讯|新浪体育||
t35 新浪体育讯|新浪体育||
t36 新浪体育讯|新浪体育||
t37 本报讯|本报||李倩倩
t38 新浪体育讯|新浪体育||
t39 新浪体育讯|新浪体育||
t40 新浪体育讯|新浪体育||
t41 新浪体育讯|新浪体育||
t42 新浪体育讯|新浪体育||
t43 新浪体育讯|新浪体育||
t44 新浪体育讯|新浪体育||
t45 新浪体育讯|新浪体育||
t47 新浪体育讯|新浪体育||
t48 新浪体育讯|新浪体育||
t49 新浪体育讯|新浪体育||
t50 新浪体育讯|新浪体育||
t51 -
t53 全景网3月24日讯|全景网||
t55 本报讯|本报||杜志鑫
t56 全景网3月25日讯|全景网||
t57 本报讯|本报||朱景锋
t58 -
t59 本报讯|本报||张晓玲
t60 -
t61 -
t63 -
t65 -
t66 本报讯|本报||
t68 本报讯|本报||贾肖明
t69 -
t70 -
t72 -
t73 新报讯|新报||任强
t75 -
t76 -
t77 全景网3月25日讯|全景网||
t78 全景网3月25日讯|全景网||
t81 新浪财经讯|新浪财经||
t82 本报讯|本报||吴敏
t83 x a name padded inside (证券时报记者 方 丽本报讯): whether 方丽 or two names cannot be told
t84 全景网3月26日讯|全景网||
"""


def labels() -> dict[str, str]:
    """The labels by eye, keyed `v12` / `t3`."""
    out: dict[str, str] = {}
    for line in LABELS_TEXT.strip().splitlines():
        key, _, rest = line.partition(" ")
        out[key] = rest
    return out


def lines(git_dir: str, path: str) -> list[tuple[str, str]]:
    """(category, title+content) of each line of one file, in order."""
    raw = subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{COMMIT}:{path}"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    return [(c, t) for c, _, t in (line.partition("\t") for line in raw.splitlines())]


def expected(label: str | None) -> dict[str, object]:
    """The labels of one opening in the shared shape; None is the no-dateline rule."""
    if label is None or label == "-":
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
    known = labels()
    for path, prefix in FILES:
        for number, (category, text) in enumerate(lines(argv[1], path)):
            if prefix == "ct" and number in SHARED:
                continue
            label = known.get(f"{prefix[1]}{number}")
            if label is None and TERMS.search(text, 0, TERMS_REACH):
                raise SystemExit(f"{path} line {number} needs a label by eye")
            if label is not None and label.startswith("x "):
                continue
            item = {
                "id": f"{prefix}{number:04d}",
                "text": text[:LEAD_CHARS],
                "issue_date": None,
                "expected": expected(label),
                "source": f"github:{REPO}@{COMMIT}:{path}#L{number + 1}",
                "publication": "新浪网",
                "category": category,
                "labelled_by": "rule" if label is None else "eye",
            }
            print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
