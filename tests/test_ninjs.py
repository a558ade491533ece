"""ninjs export: every article validates against IPTC's ninjs 3.1 schema, offline, with formats."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from distro.models import Article, Byline, Credit, Dateline, Kind, Provenance, PubStatus
from distro.ninjs import to_ninjs, uri

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
PROVENANCE = Provenance(
    origin="file:///inbox/000_c6710cc7ae2753f8.txt",
    sha256="0" * 63 + "1",
    received_at=dt.datetime(2021, 7, 5, 6, 30, tzinfo=SHANGHAI),
)


@pytest.fixture(scope="module")
def validator(shared: Path) -> Draft202012Validator:
    ninjs = json.loads((shared / "ninjs" / "ninjs-schema_3.1.json").read_text(encoding="utf-8"))
    geojson = json.loads((shared / "ninjs" / "GeoJSON-schema.json").read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resource(
        "https://geojson.org/schema/GeoJSON.json", Resource.from_contents(geojson)
    )
    return Draft202012Validator(ninjs, registry=registry, format_checker=FormatChecker())


def article() -> Article:
    return Article(
        id="a-0123456789abcdef0123",
        version=2,
        kicker="2021年全区“攻坚突破年”现场观摩会举行",
        headline="持续转作风抓落实创一流当排头 努力在高质量发展中率先走在前列",
        subheadline="孙永红出席并讲话 周安主持",
        byline=Byline(
            raw="□记者 宋迎迎 报道",
            role="记者",
            roles=["记者"],
            names=["宋迎迎"],
            credits=[Credit(name="宋迎迎", role="记者")],
        ),
        dateline=Dateline(
            raw="本报7月5日讯",
            span=(0, 7),
            date=dt.date(2021, 7, 5),
            outlet="本报",
            reporters=["宋迎迎"],
        ),
        paragraphs=[
            "市委常委，西海岸新区工委书记、区委书记孙永红出席观摩会并讲话，管委主任、区长周安主持会议。",
            "工委区委、人大常委会、管委区政府、区政协领导班子<以及>各有关部门单位参加观摩会。",
        ],
        section="要闻",
        page="1",
        issue_date=dt.date(2021, 7, 5),
        published_at=dt.datetime(2021, 7, 5, tzinfo=SHANGHAI),
        correction="更正：原稿中的会议日期有误。",
        keywords=["项目建设"],
        provenance=PROVENANCE,
    )


def test_article_exports_valid_ninjs(validator: Draft202012Validator) -> None:
    doc = to_ninjs(article())
    errors = [error.message for error in validator.iter_errors(doc)]
    assert errors == []
    assert doc["uri"] == uri("a-0123456789abcdef0123")
    assert doc["version"] == "2"
    roles = {h["role"]: h["value"] for h in doc["headlines"]}
    assert roles["kicker"].startswith("2021年全区")
    assert roles["subheadline"] == "孙永红出席并讲话 周安主持"
    assert doc["by"] == "□记者 宋迎迎 报道"
    assert doc["people"] == [{"name": "宋迎迎", "rel": "author", "literal": "记者"}]
    alt = {a["role"]: a["value"] for a in doc["altIds"]}
    assert alt["datelineDate"] == "2021-07-05"
    assert alt["issueDate"] == "2021-07-05"
    html = next(b for b in doc["bodies"] if b["contentType"] == "text/html")["value"]
    assert "&lt;以及&gt;" in html  # text is escaped, never markup
    assert {"role": "correction", "value": "更正：原稿中的会议日期有误。"} in doc["descriptions"]
    assert doc["firstCreated"] == "2021-07-05T00:00:00+08:00"


def test_teaser_and_killed_article_are_valid(validator: Draft202012Validator) -> None:
    teaser = Article(
        id="a-teaser0000000000000",
        kind=Kind.TEASER,
        headline="加压奋进,跑出高质量发展“加速度”",
        subheadline="2021年全区“攻坚突破年”现场观摩会侧记",
        page_ref="3",
        page_ref_id="a-story0000000000000",
        pub_status=PubStatus.CANCELED,
        provenance=PROVENANCE,
    )
    doc = to_ninjs(teaser)
    assert [error.message for error in validator.iter_errors(doc)] == []
    assert "bodies" not in doc
    assert doc["pubStatus"] == "canceled"
    assert {"role": "pageRef", "value": "3"} in doc["altIds"]
    # the story it points to, once that page is in: an app links the teaser to it
    assert {"role": "pageRefId", "value": "a-story0000000000000"} in doc["altIds"]


def test_a_continuation_names_the_page_it_continues_from(
    validator: Draft202012Validator,
) -> None:
    doc = to_ninjs(article().model_copy(update={"continued_from_page": "1"}))
    assert [error.message for error in validator.iter_errors(doc)] == []
    assert {"role": "continuedFromPage", "value": "1"} in doc["altIds"]
    assert not any(alt["role"] == "continuedFromPage" for alt in to_ninjs(article())["altIds"])


def test_validator_rejects_extra_keys(validator: Draft202012Validator) -> None:
    doc = to_ninjs(article())
    doc["kicker"] = "not a ninjs property"
    assert not validator.is_valid(doc)


def test_validator_checks_formats(validator: Draft202012Validator) -> None:
    doc = to_ninjs(article())
    doc["versionCreated"] = "5 July 2021"
    assert not validator.is_valid(doc)
