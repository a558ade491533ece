"""Each article's own cover, drawn with Pillow and uploaded once per account and content."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from distro.channels import PublishReport
from distro.channels.wechat import mass, publish
from distro.channels.wechat.accounts import DEFAULT, account
from distro.channels.wechat.client import WeChatClient
from distro.channels.wechat.cover import MAX_THUMB_BYTES, draw_cover
from distro.config import Settings
from distro.models import Article
from distro.store.ledger import Ledger
from tests.channels.wechat.conftest import article
from tests.channels.wechat.server import WeChatState

Enqueue = Callable[..., list[Article]]


def covers(api: WeChatState) -> list[bytes]:
    """The covers of the last draft, in article order, as WeChat received them."""
    draft = api.ok_calls("draft/add")[-1]
    return [api.materials[a["thumb_media_id"]] for a in draft.body["articles"]]


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_two_articles_get_two_covers_the_banner_and_the_square(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1, 2)
    publish(settings, ledger, client=client)
    [draft] = api.ok_calls("draft/add")
    thumbs = [a["thumb_media_id"] for a in draft.body["articles"]]
    assert len(set(thumbs)) == 2
    first, second = (opened(data) for data in covers(api))
    assert (first.format, first.size) == ("JPEG", (900, 383))  # WeChat's 2.35:1 banner
    assert (second.format, second.size) == ("JPEG", (383, 383))  # the others: 1:1
    for data in covers(api):
        assert len(data) <= MAX_THUMB_BYTES
    # The headline is drawn in white over the house colour: the cover is not a flat block.
    histogram = first.convert("L").histogram()  # pixels per grey level, 0 to 255
    assert sum(histogram[240:]) > 500 and sum(histogram[:200]) > 100_000


def test_a_rerun_uploads_no_cover_again(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    enqueue(1, 2)
    publish(settings, ledger, client=client)
    assert len(api.ok_calls("material/add_material")) == 2
    publish(settings, ledger, client=client)  # nothing new to send: nothing drawn or uploaded
    # A correction of the first article: the same headline, so the same cover, not uploaded.
    enqueue(article(1, paragraphs=["本报讯 更正后的导语。", "据介绍，改造内容包括加装电梯。"]))
    publish(settings, ledger, client=client)
    assert len(api.ok_calls("draft/add")) == 2
    assert len(api.ok_calls("material/add_material")) == 2


def test_the_cover_carries_the_headline_the_papers_name_and_the_issue_date(
    settings: Settings, ledger: Ledger, client: WeChatClient, api: WeChatState, enqueue: Enqueue
) -> None:
    settings.config.channels.web.publication = "江城日报"
    issue = dt.date(2026, 11, 27)
    [stored] = enqueue(article(1, issue_date=issue))
    publish(settings, ledger, client=client)
    [sent] = covers(api)
    drawn = draw_cover(stored.headline, paper="江城日报", date=issue, seed=stored.id)
    assert drawn.note is None  # a CJK font was found: the Chinese is drawn
    assert sent == drawn.data
    other = draw_cover(stored.headline, paper="distro", date=issue, seed=stored.id)
    assert sent != other.data  # the name is on it: another paper's cover differs


@pytest.fixture
def publish_with_image(
    settings: Settings, ledger: Ledger, client: WeChatClient, tmp_path: Path
) -> Callable[[bytes], PublishReport]:
    """Publish the default account with ``cover_image`` set to a file holding these bytes."""

    def run(data: bytes) -> PublishReport:
        path = tmp_path / "masthead.png"
        path.write_bytes(data)
        chosen = dataclasses.replace(account(settings, DEFAULT), cover_image=str(path))
        return mass.publisher(settings, ledger, client, chosen).run()

    return run


def test_a_configured_image_is_every_articles_cover(
    api: WeChatState, enqueue: Enqueue, publish_with_image: Callable[[bytes], PublishReport]
) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (1200, 800), (200, 16, 46)).save(picture, "PNG")
    enqueue(1, 2)
    publish_with_image(picture.getvalue())
    first, second = (opened(data) for data in covers(api))
    assert (first.format, first.size, second.size) == ("JPEG", (900, 383), (383, 383))
    pixel = first.convert("RGB").getpixel((450, 191))
    assert isinstance(pixel, tuple)
    red, green, blue = pixel
    assert red > 180 and green < 50 and blue < 80


def test_an_unusable_configured_image_falls_back_to_drawn_covers(
    settings: Settings,
    api: WeChatState,
    enqueue: Enqueue,
    publish_with_image: Callable[[bytes], PublishReport],
) -> None:
    stored, _ = enqueue(1, 2)
    report = publish_with_image("不是图片".encode())
    said = [m for m in report.messages if "not usable" in m and "drawing covers" in m]
    assert len(said) == 1  # once a run, not once an article
    sent, _ = covers(api)
    paper = settings.config.channels.web.title
    assert sent == draw_cover(stored.headline, paper=paper, seed=stored.id).data
