"""Articles as IPTC ninjs 3.1 documents; our fields ninjs lacks go where ninjs allows them.

Mapping (ninjs has no place for page furniture, so page facts ride in ``altIds`` with roles):

- headline, kicker, subheadline -> ``headlines`` with roles ``main``, ``kicker``, ``subheadline``
- body -> ``bodies``: ``text/html`` (sanitized) and ``text/plain``, role ``main``, the printed
  dateline at the head of the lead (bold in the HTML), as the paper sets it
- byline -> ``by`` (as printed) and ``people`` (rel ``author``, ``literal`` = role word)
- dateline -> ``located`` (place), ``infoSources`` (outlet, role ``originator``),
  ``descriptions`` role ``dateline`` (as printed); its date -> ``altIds`` role ``datelineDate``
- summary, correction -> ``descriptions`` roles ``summary`` and ``correction``
- genre -> ``genres``; section and keywords -> ``subjects`` (rel ``section`` / ``keyword``)
- id, page, jump and teaser page, issue date, raw sha256, origin, link -> ``altIds`` roles
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from distro.channels.body import render_html, render_text
from distro.models import Article, Kind

NINJS_VERSION = "3.1"
NINJS_SCHEMA_URI = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json"
SHANGHAI = ZoneInfo("Asia/Shanghai")
URI_PREFIX = "urn:distro:article:"


def _timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(SHANGHAI).isoformat()


def uri(article_id: str) -> str:
    """The ninjs ``uri`` of an article: stable across versions."""
    return URI_PREFIX + article_id


def to_ninjs(article: Article) -> dict[str, Any]:
    """The article as a ninjs 3.1 document (validates against IPTC's schema)."""
    doc: dict[str, Any] = {
        "uri": uri(article.id),
        "standard": {"name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA_URI},
        "type": "text",
        "profile": f"distro-{article.kind.value}",
        "version": str(article.version),
        "versionCreated": _timestamp(article.provenance.received_at),
        "pubStatus": article.pub_status.value,
        "urgency": article.urgency,
        "language": article.language,
    }
    if article.published_at is not None:
        doc["firstCreated"] = _timestamp(article.published_at)

    headlines = [{"role": "main", "value": article.headline}]
    if article.kicker:
        headlines.append({"role": "kicker", "value": article.kicker})
    if article.subheadline:
        headlines.append({"role": "subheadline", "value": article.subheadline})
    doc["headlines"] = headlines

    if article.kind is Kind.ARTICLE:
        text = render_text(article)
        if text:
            doc["bodies"] = [
                {
                    "role": "main",
                    "contentType": "text/html",
                    "value": render_html(article),
                    "charCount": len(text),
                },
                {"role": "main", "contentType": "text/plain", "value": text},
            ]

    descriptions = []
    if article.summary:
        descriptions.append({"role": "summary", "value": article.summary})
    if article.correction:
        descriptions.append({"role": "correction", "value": article.correction})

    people: list[dict[str, str]] = []
    if article.byline is not None:
        doc["by"] = article.byline.raw
        for credit in article.byline.credits or []:
            person = {"name": credit.name, "rel": "author"}
            if credit.role:
                person["literal"] = credit.role
            people.append(person)
        if not article.byline.credits:
            people.extend({"name": name, "rel": "author"} for name in article.byline.names)

    alt_ids = [{"role": "distroId", "value": article.id}]
    dateline = article.dateline
    if dateline is not None:
        descriptions.append({"role": "dateline", "value": dateline.raw})
        if dateline.location:
            doc["located"] = dateline.location
        if dateline.outlet:
            doc["infoSources"] = [{"name": dateline.outlet, "role": "originator"}]
        if dateline.date is not None:
            alt_ids.append({"role": "datelineDate", "value": dateline.date.isoformat()})
        known = {person["name"] for person in people}
        people.extend(
            {"name": name, "rel": "reporter"} for name in dateline.reporters if name not in known
        )
    if descriptions:
        doc["descriptions"] = descriptions
    if people:
        doc["people"] = people

    doc["genres"] = [{"name": article.genre, "literal": article.genre}]
    subjects = []
    if article.section:
        subjects.append({"name": article.section, "rel": "section"})
    subjects.extend({"name": keyword, "rel": "keyword"} for keyword in article.keywords)
    if subjects:
        doc["subjects"] = subjects

    optional_ids = {
        "page": article.page,
        "continuedOnPage": article.continued_on_page,
        "continuedFromPage": article.continued_from_page,
        "pageRef": article.page_ref,
        "pageRefId": article.page_ref_id,
        "issueDate": article.issue_date.isoformat() if article.issue_date else None,
        "link": article.link,
        "origin": article.provenance.origin,
        "sha256": article.provenance.sha256,
    }
    alt_ids.extend({"role": role, "value": value} for role, value in optional_ids.items() if value)
    doc["altIds"] = alt_ids
    return doc
