"""A local WeChat-compatible API server for the tests: real HTTP on 127.0.0.1, documented behaviour.

It follows ../shared/api/README.md and the official pages: stable tokens (same token on repeat,
renewal in the last minutes, forced refresh ≤ 20 a day and ≥ 30 s apart, old token valid during an
overlap), per-minute and daily quotas (45011, 45009), errcodes with ` rid: ...` in errmsg, draft
checks (title ≤ 32, author ≤ 16, digest ≤ 128, permanent thumb ids, external images filtered),
publish jobs that move 1 -> 0 or 2/3/4 with ``fail_idx``, and injectable faults. Every call is
recorded so tests can assert that nothing was drafted or published twice.

群发 (../shared/api/WECHAT-MASS.md): ``message/mass/preview`` (touser or towxname, towxname wins),
``sendall`` (consumes the draft; a clientmsgid seen in the last 24 h answers 45065 with the first
send's msg_id; over 32 bytes 45067; past the account's quota 45028: a subscription account 1 a
day, a service account 1 a day and 4 a month), ``get`` (SENDING, then the outcome), ``delete``
(only sent messages, 40059 otherwise) and the ``MASSSENDJOBFINISH`` push as XML.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

JPEG = b"\xff\xd8\xff"
PNG = b"\x89PNG\r\n\x1a\n"
MMBIZ = "http://mmbiz.qpic.cn"
IMG_SRC = re.compile(r"""<img\b[^>]*\bsrc\s*=\s*["']([^"']*)["'][^>]*>""", re.IGNORECASE)
SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)

DEFAULT_DAILY = {
    "draft/add": 1000,
    "freepublish/submit": 100,
    "freepublish/get": 100,
    "freepublish/delete": 10,
}


@dataclass
class Call:
    """One request as the server saw it."""

    api: str
    query: dict[str, str]
    body: Any
    raw: bytes
    errcode: int = 0
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass
class Token:
    value: str
    issued: float
    expires: float
    revoked_at: float | None = None  # still accepted until revoked_at + overlap


@dataclass
class PublishJob:
    publish_id: int
    media_id: str
    articles: list[dict[str, Any]]
    polls_left: int
    outcome: int
    fail_idx: list[int]
    article_id: str = ""


@dataclass
class MassJob:
    msg_id: int
    msg_data_id: int
    media_id: str
    articles: list[dict[str, Any]]
    clientmsgid: str
    sent_at: float
    polls_left: int
    outcome: str
    deleted: list[int] = field(default_factory=list)


class WeChatState:
    """Everything the fake account holds; tests reach in to configure faults and read calls."""

    def __init__(self, appid: str, secret: str) -> None:
        self.appid = appid
        self.secret = secret
        self.lock = threading.RLock()
        self.calls: list[Call] = []
        self.clock = time.monotonic
        self.token_ttl = 7200.0
        self.renew_window = 300.0  # stable_token renews in the token's last 5 minutes
        self.overlap = 300.0  # a replaced token keeps working this long
        self.tokens: list[Token] = []
        self.force_refreshes: list[float] = []
        self.daily = dict(DEFAULT_DAILY)
        self.per_minute = 10_000
        self.used: Counter[str] = Counter()
        self.minute: dict[str, deque[float]] = {}
        self.faults: dict[str, deque[int]] = {}
        self.expire_after: int | None = None  # expire every token after this many API calls
        self.thumbs: set[str] = set()
        self.materials: dict[str, bytes] = {}  # media_id -> the uploaded bytes
        self.images: set[str] = set()
        self.drafts: dict[str, list[dict[str, Any]]] = {}
        self.jobs: dict[int, PublishJob] = {}
        self.published: dict[str, PublishJob] = {}
        self.deleted: list[tuple[str, int]] = []
        self.filtered_images: list[str] = []
        self.publishing_polls = 1  # freepublish/get answers 1 (publishing) this many times
        self.outcomes: deque[tuple[int, list[int]]] = deque()
        self.ids = itertools.count(1)
        self.crash_after: dict[str, int] = {}
        self.account_type = "subscription"
        self.mass_jobs: dict[int, MassJob] = {}
        self.mass_today = 0  # sends to all followers today / this month (console included)
        self.mass_month = 0
        self.mass_polls = 1  # mass/get answers SENDING this many times
        self.mass_outcomes: deque[str] = deque()
        self.previews: list[tuple[str, str, str]] = []  # (touser|towxname, recipient, media_id)
        self.latency = 0.0  # seconds before each answer: a distant API, for benchmarks

    # -- configuration used by tests -------------------------------------------------------

    def inject(self, api: str, *codes: int) -> None:
        """Answer the next calls of ``api`` with these errcodes, one per call."""
        with self.lock:
            self.faults.setdefault(api, deque()).extend(codes)

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (WeChat answers 42001)."""
        with self.lock:
            now = self.clock()
            for token in self.tokens:
                token.expires = min(token.expires, now)

    def next_outcome(self, status: int, fail_idx: list[int] | None = None) -> None:
        """The next submitted publish job ends with ``status`` (0, 2, 3, 4 …)."""
        with self.lock:
            self.outcomes.append((status, list(fail_idx or [])))

    def finish_jobs(self) -> None:
        """Time passes: every publish job reaches its outcome."""
        with self.lock:
            for job in self.jobs.values():
                job.polls_left = 0
                self._finish(job)

    def new_day(self, *, new_month: bool = False) -> None:
        """WeChat's day (and month) turns over: the 群发 quota is back."""
        with self.lock:
            self.mass_today = 0
            if new_month:
                self.mass_month = 0

    def next_mass_outcome(self, status: str) -> None:
        """The next mass send ends with ``status``: SEND_FAIL, or an event's err(20013) …"""
        with self.lock:
            self.mass_outcomes.append(status)

    def mass_event(self, msg_id: int | str, *, status: str | None = None) -> str:
        """The ``MASSSENDJOBFINISH`` XML WeChat pushes to the callback URL for ``msg_id``."""
        with self.lock:
            job = self.mass_jobs[int(msg_id)]
            job.polls_left = 0
            shown = status or ("send success" if job.outcome == "SEND_SUCCESS" else job.outcome)
            urls = "".join(
                f"<item><ArticleIdx>{i}</ArticleIdx><ArticleUrl><![CDATA["
                f"https://mp.weixin.qq.com/s/mass-{job.msg_id}-{i}]]></ArticleUrl></item>"
                for i in range(1, len(job.articles) + 1)
            )
            return (
                f"<xml><ToUserName><![CDATA[gh_{self.appid}]]></ToUserName>"
                "<FromUserName><![CDATA[oMassHelper]]></FromUserName>"
                f"<CreateTime>{int(time.time())}</CreateTime>"
                "<MsgType><![CDATA[event]]></MsgType>"
                "<Event><![CDATA[MASSSENDJOBFINISH]]></Event>"
                f"<MsgID>{job.msg_id}</MsgID><Status><![CDATA[{shown}]]></Status>"
                "<TotalCount>100</TotalCount><FilterCount>80</FilterCount>"
                "<SentCount>75</SentCount><ErrorCount>5</ErrorCount>"
                "<CopyrightCheckResult><Count>0</Count><ResultList></ResultList>"
                "<CheckState>1</CheckState></CopyrightCheckResult>"
                f"<ArticleUrlResult><Count>{len(job.articles)}</Count>"
                f"<ResultList>{urls}</ResultList></ArticleUrlResult></xml>"
            )

    def calls_of(self, api: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.api == api]

    def ok_calls(self, api: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.api == api and c.errcode == 0]

    # -- token handling --------------------------------------------------------------------

    def _issue(self) -> Token:
        now = self.clock()
        token = Token(secrets.token_urlsafe(24), now, now + self.token_ttl)
        self.tokens.append(token)
        return token

    def _current(self) -> Token | None:
        live = [t for t in self.tokens if t.revoked_at is None]
        return live[-1] if live else None

    def stable_token(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("grant_type") != "client_credential":
            return _err(40002, "invalid grant_type")
        if body.get("appid") != self.appid:
            return _err(40013, "invalid appid")
        if body.get("secret") != self.secret:
            return _err(40125, "invalid appsecret")
        now = self.clock()
        current = self._current()
        if body.get("force_refresh") is True:
            recent = [t for t in self.force_refreshes if now - t < 86400]
            if len(recent) >= 20:
                return _err(45009, "reach max api daily quota limit")
            if current is not None and self.force_refreshes and now - self.force_refreshes[-1] < 30:
                # Documented: forced refreshes under 30 s apart do not refresh.
                return {"access_token": current.value, "expires_in": int(current.expires - now)}
            self.force_refreshes.append(now)
            if current is not None:
                current.revoked_at = now - self.overlap  # forced: the old one dies at once
            token = self._issue()
        elif current is None or current.expires - now <= self.renew_window:
            if current is not None:
                current.revoked_at = now
            token = self._issue()
        else:
            token = current
        return {"access_token": token.value, "expires_in": max(int(token.expires - now), 0)}

    def check_token(self, value: str | None) -> int:
        if not value:
            return 41001
        now = self.clock()
        for token in self.tokens:
            if token.value != value:
                continue
            if token.expires <= now:
                return 42001
            if token.revoked_at is not None and now >= token.revoked_at + self.overlap:
                return 40001
            return 0
        return 40001

    # -- quotas ----------------------------------------------------------------------------

    def spend(self, api: str) -> int:
        now = self.clock()
        window = self.minute.setdefault(api, deque())
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return 45011
        if api in self.daily and self.used[api] >= self.daily[api]:
            return 45009
        window.append(now)
        self.used[api] += 1
        return 0

    # -- the APIs --------------------------------------------------------------------------

    def handle(self, api: str, query: dict[str, str], body: Any, raw: bytes) -> dict[str, Any]:
        with self.lock:
            call = Call(api, query, body, raw)
            self.calls.append(call)
            answer = self._dispatch(api, query, body)
            call.errcode = int(answer.get("errcode", 0) or 0)
            call.answer = answer
            return answer

    def _dispatch(self, api: str, query: dict[str, str], body: Any) -> dict[str, Any]:
        if api == "stable_token":
            return self.stable_token(body if isinstance(body, dict) else {})
        code = self.check_token(query.get("access_token"))
        if code:
            return _err(code, "access_token is invalid or not latest")
        faults = self.faults.get(api)
        if faults:
            code = faults.popleft()
            if code:  # 0 lets one call through, so faults can hit the 2nd or 3rd call
                return _err(code, "injected fault")
        code = self.spend(api)
        if code:
            return _err(code, "api freq out of limit")
        if self.expire_after is not None:
            self.expire_after -= 1
            if self.expire_after <= 0:
                self.expire_after = None
                self.expire_tokens()
        handler = getattr(self, "api_" + api.replace("/", "_"), None)
        if handler is None:
            return _err(48001, "api unauthorized")
        answer: dict[str, Any] = handler(query, body)
        return answer

    def api_media_uploadimg(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        media = body.get("media") if isinstance(body, dict) else None
        if not isinstance(media, bytes):
            return _err(41005, "media data missing")
        if not (media.startswith(JPEG) or media.startswith(PNG)):
            return _err(40005, "invalid file type")
        if len(media) >= 1024 * 1024:
            return _err(40009, "invalid image size")
        url = f"{MMBIZ}/mmbiz_jpg/{hashlib.sha256(media).hexdigest()[:24]}/0"
        self.images.add(url)
        return {"url": url}

    def api_material_add_material(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        media = body.get("media") if isinstance(body, dict) else None
        if not isinstance(media, bytes):
            return _err(41005, "media data missing")
        kind = query.get("type")
        if kind == "thumb":
            if not media.startswith(JPEG):
                return _err(40005, "invalid file type")
            if len(media) > 64 * 1024:
                return _err(40009, "invalid image size")
        elif kind == "image":
            if not (media.startswith(JPEG) or media.startswith(PNG)):
                return _err(40005, "invalid file type")
        else:
            return _err(40004, "invalid media type")
        media_id = f"thumb-{next(self.ids)}-{secrets.token_hex(4)}"
        self.thumbs.add(media_id)
        self.materials[media_id] = media
        return {"media_id": media_id, "url": f"{MMBIZ}/mmbiz_jpg/{media_id}/0"}

    def api_draft_add(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        articles = body.get("articles") if isinstance(body, dict) else None
        if not isinstance(articles, list) or not 1 <= len(articles) <= 8:
            return _err(47001, "data format error")
        kept = []
        for article in articles:
            if not isinstance(article, dict):
                return _err(47001, "data format error")
            title = article.get("title")
            content = article.get("content")
            if not title or not content:
                return _err(44003, "empty news data")
            if len(title) > 32:
                return _err(45003, "title size out of limit")
            if len(article.get("author") or "") > 16:
                return _err(45110, "author size out of limit")
            if len(article.get("digest") or "") > 128:
                return _err(45004, "description size out of limit")
            if len(content) >= 20_000 or len(content.encode()) >= 1024 * 1024:
                return _err(45002, "content size out of limit")
            if len((article.get("content_source_url") or "").encode()) > 1024:
                return _err(45005, "link size out of limit")
            if article.get("thumb_media_id") not in self.thumbs:
                return _err(40007, "invalid media_id")
            # Scripts go, and images not from uploadimg are filtered out, as documented.
            content = SCRIPT.sub("", content)
            for src in IMG_SRC.findall(content):
                if src not in self.images:
                    self.filtered_images.append(src)
            content = IMG_SRC.sub(
                lambda m: m.group(0) if m.group(1) in self.images else "", content
            )
            kept.append({**article, "content": content})
        media_id = f"draft-{next(self.ids)}-{secrets.token_hex(4)}"
        self.drafts[media_id] = kept
        return {"media_id": media_id}

    def api_draft_get(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        media_id = body.get("media_id") if isinstance(body, dict) else None
        if media_id not in self.drafts:
            return _err(40007, "invalid media_id")
        return {"news_item": self.drafts[str(media_id)]}

    def api_draft_batchget(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        offset = int(body.get("offset", 0))
        count = min(int(body.get("count", 20)), 20)
        newest = list(reversed(self.drafts.items()))[offset : offset + count]
        items = [
            {
                "media_id": media_id,
                "content": {
                    "news_item": [{k: v for k, v in a.items() if k != "content"} for a in articles]
                },
            }
            for media_id, articles in newest
        ]
        return {"total_count": len(self.drafts), "item_count": len(items), "item": items}

    def api_freepublish_submit(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        media_id = body.get("media_id") if isinstance(body, dict) else None
        if media_id not in self.drafts:
            return _err(40007, "invalid media_id")
        status, fail_idx = self.outcomes.popleft() if self.outcomes else (0, [])
        if status == 53503:
            return _err(53503, "draft check failed")
        publish_id = 2_247_000_000 + next(self.ids)
        # Submitted drafts leave the draft box (it is re-added if the job fails).
        articles = self.drafts.pop(str(media_id))
        self.jobs[publish_id] = PublishJob(
            publish_id, str(media_id), articles, self.publishing_polls, status, fail_idx
        )
        # A number here, a string in freepublish/get: the docs allow both.
        return {
            "errcode": 0,
            "errmsg": "ok",
            "publish_id": publish_id,
            "msg_data_id": publish_id + 1,
        }

    def _finish(self, job: PublishJob) -> None:
        if job.outcome == 0 and not job.article_id:
            job.article_id = f"art-{job.publish_id}-{secrets.token_hex(3)}"
            self.published[job.article_id] = job
        elif job.outcome != 0 and job.media_id not in self.drafts:
            self.drafts[job.media_id] = job.articles

    def job_status(self, job: PublishJob) -> dict[str, Any]:
        if job.polls_left > 0:
            job.polls_left -= 1
            return {"publish_id": str(job.publish_id), "publish_status": 1}
        self._finish(job)
        answer: dict[str, Any] = {"publish_id": str(job.publish_id), "publish_status": job.outcome}
        if job.outcome == 0:
            answer["article_id"] = job.article_id
            answer["article_detail"] = {
                "count": len(job.articles),
                "item": [
                    {"idx": i, "article_url": f"https://mp.weixin.qq.com/s/{job.article_id}-{i}"}
                    for i in range(1, len(job.articles) + 1)
                ],
            }
        elif job.outcome in (2, 4):
            answer["fail_idx"] = job.fail_idx
        return answer

    def api_freepublish_get(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        try:
            publish_id = int(str(body.get("publish_id")))
        except (AttributeError, ValueError):
            return _err(47001, "data format error")
        job = self.jobs.get(publish_id)
        if job is None:
            return _err(40007, "invalid publish_id")
        return self.job_status(job)

    def api_freepublish_batchget(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        offset = int(body.get("offset", 0))
        count = min(int(body.get("count", 20)), 20)
        newest = list(reversed(self.published.items()))[offset : offset + count]
        items = [
            {
                "article_id": article_id,
                "content": {
                    "news_item": [
                        {
                            **{k: v for k, v in a.items() if k != "content"},
                            "url": f"https://mp.weixin.qq.com/s/{article_id}-{i}",
                        }
                        for i, a in enumerate(job.articles, 1)
                    ]
                },
            }
            for article_id, job in newest
        ]
        return {"total_count": len(self.published), "item_count": len(items), "item": items}

    def api_freepublish_delete(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        article_id = body.get("article_id") if isinstance(body, dict) else None
        index = int(body.get("index", 0) or 0)
        job = self.published.get(str(article_id))
        gone = (str(article_id), 0) in self.deleted or (str(article_id), index) in self.deleted
        if job is None or index > len(job.articles) or gone:
            return _err(40007, "invalid article_id")  # (unconfirmed: the docs list no errcode)
        self.deleted.append((str(article_id), index))
        return {"errcode": 0, "errmsg": "ok"}

    # -- 群发 --------------------------------------------------------------------------------

    def api_message_mass_preview(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or body.get("msgtype") != "mpnews":
            return _err(47001, "data format error")
        media_id = (body.get("mpnews") or {}).get("media_id")
        if media_id not in self.drafts:
            return _err(40007, "invalid media_id")
        # Old docs: towxname wins when both are given.
        kind = "towxname" if body.get("towxname") else "touser"
        recipient = body.get(kind)
        if not isinstance(recipient, str) or not recipient:
            return _err(40003, "invalid openid")
        self.previews.append((kind, recipient, str(media_id)))
        return {"errcode": 0, "errmsg": "preview success", "msg_id": next(self.ids)}

    def _mass_quota_left(self) -> bool:
        if self.mass_today >= 1:
            return False
        return self.account_type != "service" or self.mass_month < 4

    def api_message_mass_sendall(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or body.get("msgtype") != "mpnews":
            return _err(47001, "data format error")
        target = body.get("filter")
        if not isinstance(target, dict) or not isinstance(target.get("is_to_all"), bool):
            return _err(47001, "data format error")
        if not target["is_to_all"] and "tag_id" not in target:
            return _err(40152, "invalid group id")
        media_id = (body.get("mpnews") or {}).get("media_id")
        articles = self.drafts.get(str(media_id))
        # Without a clientmsgid WeChat uses a digest of audience and content.
        clientmsgid = (
            body.get("clientmsgid")
            or hashlib.sha256(
                json.dumps([target, articles], sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest()[:32]
        )
        if len(str(clientmsgid).encode()) > 32:
            return _err(45067, "clientmsgid size out of limit")
        now = self.clock()
        for job in self.mass_jobs.values():
            if job.clientmsgid == clientmsgid and now - job.sent_at < 86400:
                answer = _err(45065, "clientmsgid exist")
                answer["msg_id"] = job.msg_id
                return answer
        if articles is None:
            return _err(40007, "invalid media_id")
        if target["is_to_all"] and not self._mass_quota_left():
            return _err(45028, "has no masssend quota")
        if target["is_to_all"]:
            self.mass_today += 1
            self.mass_month += 1
        msg_id = 1_000_000 + next(self.ids)
        outcome = self.mass_outcomes.popleft() if self.mass_outcomes else "SEND_SUCCESS"
        # A draft that is sent leaves the draft box (被群发或发布后，该素材将从草稿箱中移除).
        del self.drafts[str(media_id)]
        self.mass_jobs[msg_id] = MassJob(
            msg_id,
            msg_id + 7,
            str(media_id),
            articles,
            str(clientmsgid),
            now,
            self.mass_polls,
            outcome,
        )
        return {
            "errcode": 0,
            "errmsg": "send job submission success",
            "msg_id": msg_id,
            "msg_data_id": msg_id + 7,
        }

    def api_message_mass_get(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        try:
            job = self.mass_jobs[int(str(body.get("msg_id")))]
        except (AttributeError, KeyError, ValueError):
            return _err(40059, "invalid msg id")
        if job.deleted:
            status = "DELETE"
        elif job.polls_left > 0:
            job.polls_left -= 1
            status = "SENDING"
        else:
            # Event statuses such as err(20013) show up in mass/get as a plain failure.
            status = job.outcome if job.outcome.startswith("SEND_") else "SEND_FAIL"
        return {"msg_id": job.msg_id, "msg_status": status}

    def api_message_mass_delete(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        try:
            job = self.mass_jobs[int(str(body.get("msg_id")))]
        except (AttributeError, KeyError, ValueError):
            return _err(40059, "invalid msg id")
        index = int(body.get("article_idx", 0) or 0)
        if job.outcome != "SEND_SUCCESS" or index > len(job.articles):
            return _err(40059, "invalid msg id")
        job.deleted.append(index)
        return {"errcode": 0, "errmsg": "ok"}


def _err(code: int, message: str) -> dict[str, Any]:
    rid = f"{secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"
    return {"errcode": code, "errmsg": f"{message} rid: {rid}"}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(200)  # WeChat reports errors in the body, always with HTTP 200
        self.send_header("Content-Type", "application/json; encoding=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self, raw: bytes) -> None:
        parts = urlsplit(self.path)
        if not parts.path.startswith("/cgi-bin/"):
            self.send_error(404)
            return
        api = parts.path[len("/cgi-bin/") :]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body: Any = None
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + raw
            )
            body = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                body[str(name)] = part.get_payload(decode=True)
        elif raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                self._answer(_err(47001, "data format error"))
                return
        if self.server.state.latency:
            time.sleep(self.server.state.latency)
        if self.server.state.crash_after.get(api):
            # Simulates a connection dropped after the server acted: the client sees no answer.
            self.server.state.crash_after[api] -= 1
            self.server.state.handle(api, query, body or {}, raw)
            self.close_connection = True
            return
        self._answer(self.server.state.handle(api, query, body or {}, raw))

    def do_GET(self) -> None:
        self._route(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0") or 0)
        self._route(self.rfile.read(length) if length else b"")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: WeChatState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class WeChatServer:
    """Runs the fake API in a thread; ``base_url`` ends in ``/cgi-bin/``."""

    def __init__(self, appid: str = "wx-test-app", secret: str = "s3cret-app-secret") -> None:
        self.state = WeChatState(appid, secret)
        self._server = _Server(self.state)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/cgi-bin/"

    def start(self) -> WeChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
