"""Credited names in datelines and bylines: role words off, run-together names split."""

from __future__ import annotations

import itertools
import re

#: The most frequent surnames: a split that starts names with these wins over rarer ones.
_COMMON = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤"
)
_RARE = set(
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪"
    "梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓"
    "古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商"
    "刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮"
    "粟冼蔺楼满闻厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬"
    "来扈晁芮都阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况宿鲜印逯隆茹诸战慕危玉银亢嵇公湛宾戎勾茅"
    "利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由晏"
)
_COMPOUND = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙",
    "宇文", "司徒", "夏侯", "端木", "申屠", "澹台", "万俟",
)  # fmt: skip

#: Role words printed before a name (longest first so 特约通讯员 beats 通讯员).
ROLE = (
    r"(?:(?:本报|本台|本刊|本网|新华社|中新社|人民网|新华网)?"
    r"(?:驻[\u4e00-\u9fff]{1,8}?)?"
    r"(?:特约通讯员|特约记者|见习记者|实习记者|首席记者|特派记者|摄影记者|全媒体记者|融媒体记者"
    r"|全媒记者|融媒记者|通讯员|实习生|记者))"
)
_ROLE_RE = re.compile(ROLE)
#: A station or channel named before its reporter (满洲里电台崔艳凤, 中国之声记者焦莹), or any
#: paper, site or app named before a role word (浙江在线记者 马悦, 厦门日报记者佘峥,
#: 沈报融媒记者樊华, 中国青年报·中青在线记者 桂杰): the outlet's name, never a person.
_ORG = re.compile(
    r"[\u4e00-\u9fff]{2,6}?(?:电视台|电台|之声)"
    r"|[\u4e00-\u9fff·]{1,14}?(?:报|网|在线|社|台|新闻|客户端|APP|App)"
    rf"(?={ROLE})"
)
#: How the names of papers, sites and agencies end: a source in brackets, never a person
#: (荆楚网消息 (楚天金报)).
_MEDIA_ENDS = ("报", "网", "社", "台", "刊")
#: Genre and desk words printed in brackets after a wire formula, never a pen name.
_GENRE_TEXT = """
综述 快讯 特稿 专访 述评 通讯 侧记 更新 完 图 组图 视频 评论 社评 时评 短评 简讯 特写 观察 链接
背景 资料 新闻 消息 报道 记者 摄 整理 编译 重发 详讯 图表 现场 直击 解读 焦点 聚焦 热点 调查
关注 特约 来信 译文 声明 公告 提要 导读 更正
"""
_GENRE = frozenset(_GENRE_TEXT.split())
_TOKEN_RE = re.compile(r"[^\s、,，/／;；]+")
_NAME_RE = re.compile(r"[\u4e00-\u9fff]+(?:[·・•][\u4e00-\u9fff]+)*")
_LATIN_RE = re.compile(r"[A-Za-z][A-Za-z.'\-]*")
#: Trailing work words in a credit: （记者 张三 摄影报道）, （记者 张三 发自柏林）.
_TAILS = ("摄影报道", "摄影", "报道", "摄")
_SENT_FROM = re.compile(r"发自[\u4e00-\u9fff]{1,8}$")
#: The common case, one titled name (记者史一棋), answered without the general walk.
#: What a credit says each name did: 张伟/文, 李强/图.
_WORK_MARK = re.compile(r"[/／](?:文字|文|图片|图|摄影|摄|视频)(?=[\s、,，;；/／]|$)")
#: How long a titled name that splits no way may be (阿不都热依木).
_LONG_NAME = 6
_SIMPLE = re.compile(r"(?:记者|通讯员|实习生)[ \u3000\xa0]?([\u4e00-\u9fff]{2,3})")


def _surname_score(name: str) -> int | None:
    """2 for a common surname, 1 for a known one, None for no surname."""
    if name[:2] in _COMPOUND:
        return 1
    if name[0] in _COMMON:
        return 2
    if name[0] in _RARE:
        return 1
    return None


def _name_ok(name: str) -> bool:
    if name[:2] in _COMPOUND:
        return 3 <= len(name) <= 4
    return 2 <= len(name) <= 3


def _split_at_roles(token: str) -> list[str]:
    """记者李莉通讯员刘清华 → 记者李莉, 通讯员刘清华: credits run together, cut at each role."""
    starts = [found.start() for found in _ROLE_RE.finditer(token) if found.end() > found.start()]
    if len(starts) < 2 and not (starts and starts[0] > 0):
        return [token]
    cuts = [0, *(s for s in starts if s > 0), len(token)]
    return [token[a:b] for a, b in itertools.pairwise(cuts) if b > a]


def _pen_name(token: str, allowed: bool) -> bool:
    return allowed and 2 <= len(token) <= 3 and token not in _GENRE and token[-1] not in "摄文图"


def split_names(run: str) -> list[str]:
    """Split co-authors whose separator was lost (`李洁丁喜刚` → 李洁, 丁喜刚), when it is clear.

    Every name must start with a known surname; among several splits the one with more common
    surnames wins, then the one with longer names first. A run that splits no way stays whole.
    """
    size = len(run)
    if size <= 3 or (size == 4 and run[:2] in _COMPOUND) or size > 16:
        return [run]
    # best[pos]: the best split of run[pos:], scored (surname points, name lengths first-to-last).
    best: list[tuple[int, tuple[int, ...], tuple[str, ...]] | None] = [None] * (size + 1)
    best[size] = (0, (), ())
    for pos in range(size - 2, -1, -1):
        for length in (2, 3, 4):
            rest = best[pos + length] if pos + length <= size else None
            if rest is None:
                continue
            name = run[pos : pos + length]
            points = _surname_score(name)
            if points is None or not _name_ok(name):
                continue
            option = (points + rest[0], (length, *rest[1]), (name, *rest[2]))
            current = best[pos]
            if current is None or option[:2] > current[:2]:
                best[pos] = option
    found = best[0]
    if found is None or len(found[2]) < 2:
        return [run]
    return list(found[2])


def has_surname(name: str) -> bool:
    """Whether `name` starts with a known surname and has a name's length."""
    return _surname_score(name) is not None and _name_ok(name)


def _join_padded(tokens: list[str]) -> list[str]:
    """记者 张  伟: a surname and a given name set apart to fill the column, joined again."""
    out: list[str] = []
    for token in tokens:
        previous = out[-1] if out else ""
        if (
            len(previous) == 1
            and (previous in _COMMON or previous in _RARE)
            and 1 <= len(token) <= 2
            and _NAME_RE.fullmatch(token)
            and _ROLE_RE.match(token) is None
        ):
            out[-1] = previous + token
        else:
            out.append(token)
    return out


def _unorg(token: str) -> str:
    """`token` without a paper or site named before its role word (浙江在线记者马悦 → 记者马悦)."""
    org = _ORG.match(token)
    if org is None or org.end() == len(token) or _ROLE_RE.match(token, org.end()) is None:
        return token
    return token[org.end() :]


def parse_credit(
    text: str, *, need_role: bool = False, pen_names: bool = False
) -> list[str] | None:
    """The names credited in `text` (`记者 王二、张三`), or None when it is not a credit.

    Untitled names must start with a known surname, so `（国际观察）` is not read as a person;
    with `pen_names` (brackets right after a dated wire formula: `新华社西安1月15日电(晓宇)`)
    any two- or three-character name that is not a genre word counts.
    """
    body = text.strip()
    simple = _SIMPLE.fullmatch(body)
    if simple is not None:
        return [simple.group(1)]
    if "发自" in body:
        body = _SENT_FROM.sub("", body)
    for tail in _TAILS:
        if body.endswith(tail):
            body = body[: -len(tail)]
            break
    body = _WORK_MARK.sub("", body).strip()  # 记者 张伟/文 李强/图
    if not body or len(body) > 60:
        return None
    names: list[str] = []
    roles = 0
    titled = False  # a role word covers every name after it: 记者 王二、张三
    tokens = _join_padded(
        [part for token in _TOKEN_RE.findall(body) for part in _split_at_roles(_unorg(token))]
    )
    for token in tokens:
        org = _ORG.match(token)
        if org is not None:
            token = token[org.end() :]
            titled = True
        if not titled and len(token) >= 4 and token.endswith(_MEDIA_ENDS):
            return None
        while (role := _ROLE_RE.match(token)) is not None and role.end() > 0:
            token = token[role.end() :]
            titled = True
            roles += 1
        if not token:
            continue
        if _NAME_RE.fullmatch(token) is None:
            # Latin names only with a role word: 记者 X is a credit, a bare `AP` is not.
            if titled and _LATIN_RE.fullmatch(token) is not None:
                names.append(token)
                continue
            return None
        if "·" in token or "・" in token or "•" in token:
            names.append(token)
            continue
        parts = split_names(token)
        if titled and parts == [token] and 4 < len(token) <= _LONG_NAME:
            names.append(token)  # 记者 阿不都热依木: a long name, titled, that splits no way
            continue
        for part in parts:
            if len(part) > 4 or len(part) < 2:
                return None
            if not titled and not has_surname(part) and not _pen_name(part, pen_names):
                return None
        names.extend(parts)
    if not names or (need_role and roles == 0):
        return None
    return names
