"""Feed documents for source and pipeline tests."""

from __future__ import annotations


def rss(*items: tuple[str, str, str], title: str = "本报要闻") -> bytes:
    """An RSS 2.0 feed of (guid, title, description) items."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{headline}</title>"
        f"<link>https://news.example.cn/{guid}.html</link>"
        f"<description><![CDATA[{text}]]></description>"
        "<author>记者 宋迎迎</author><category>要闻</category>"
        "<pubDate>Tue, 06 Jan 2026 02:30:00 GMT</pubDate></item>"
        for guid, headline, text in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://news.example.cn/</link>"
        f"<description>d</description><language>zh-cn</language>{body}</channel></rss>"
    ).encode()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE rss ['
    + b'<!ENTITY l0 "ha">'
    + b"".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">'.encode() for i in range(1, 10))
    + b']><rss version="2.0"><channel><title>&l9;</title><item><title>&l9;</title>'
    + b"</item></channel></rss>"
)

BOZO = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
    b"<item><guid>ok-1</guid><title>\xe5\xa5\xbd\xe6\xb6\x88\xe6\x81\xaf</title>"
    b"<description>fine</description></item>"
    b"<item><guid>broken</guid><title>unclosed &amp <b>tag</title></item>"
)
