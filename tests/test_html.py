"""The one sanitizer: XSS vectors never survive, news markup does."""

from __future__ import annotations

import datetime as dt

import pytest

from distro.html import body_html, body_text, sanitize
from distro.models import Article, Provenance

VECTORS = [
    '<script>alert("x")</script>',
    '<img src="x.png" onerror="alert(1)">',
    '<a href="javascript:alert(1)">link</a>',
    '<a href="JaVaScRiPt:alert(1)">link</a>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<div style="width: expression(alert(1))">css</div>',
    '<iframe src="https://evil.example/"></iframe>',
    '<p onclick="alert(1)">click</p>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<object data="x.swf"></object>',
    "<style>body{background:url(javascript:alert(1))}</style>",
]


@pytest.mark.parametrize("vector", VECTORS)
def test_vectors_do_not_survive(vector: str) -> None:
    clean = sanitize(vector).lower()
    for marker in ("<script", "onerror", "javascript:", "<svg", "expression(", "<iframe",
                   "onclick", "<math", "<object", "<style", "onload"):  # fmt: skip
        assert marker not in clean


def test_news_markup_survives() -> None:
    html = '<p>新华社<strong>北京</strong>电 <a href="https://news.example/a">原文</a></p>'
    clean = sanitize(html)
    assert "<strong>北京</strong>" in clean
    assert 'href="https://news.example/a"' in clean


def test_body_from_paragraphs_is_escaped_and_from_html_is_sanitized() -> None:
    provenance = Provenance(
        origin="https://feeds.example/rss",
        sha256="a" * 64,
        received_at=dt.datetime(2021, 7, 5, tzinfo=dt.UTC),
    )
    plain = Article(
        id="a-000000000000000000aa",
        headline="标题",
        paragraphs=["甲<script>乙", "丙"],
        provenance=provenance,
    )
    assert body_html(plain) == "<p>甲&lt;script&gt;乙</p><p>丙</p>"
    assert body_text(plain) == "甲<script>乙\n\n丙"
    rich = plain.model_copy(
        update={"paragraphs": [], "body_html": '<p onclick="x()">正文<script>bad()</script></p>'}
    )
    assert body_html(rich) == "<p>正文</p>"
    assert body_text(rich) == "正文"
