"""Publish the static site: drain pending web deliveries, render what they touch, write it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote

from distro.channels import PublishReport, claim_by_article
from distro.channels.output import PAGE, ROOT, SECTION, WITHDRAWN, Output, OutputFile, make_file
from distro.channels.web import baidu, feeds, icon, sitemaps, websub
from distro.channels.web.catalog import HOME, NEWS, Catalog, Entry, article_day, updated_time
from distro.channels.web.render import (
    ARCHIVE_PAGE,
    FAVICON,
    INDEX_SIZE,
    Correction,
    Site,
    Story,
    archive_key,
    article_key,
    day_page_key,
    favicon,
    is_page,
    publishable,
    render_article,
    render_calendar,
    render_day,
    render_index,
    render_teaser,
    render_tombstone,
    section_prefix,
)
from distro.faults import broken, fault
from distro.models import Article, Delivery, Kind
from distro.store.objects import ObjectStore, open_objects

if TYPE_CHECKING:
    from distro.config import Settings
    from distro.store.ledger import Ledger

CHANNEL = "web"


def site_of(settings: Settings) -> Site:
    cfg = settings.config.channels.web
    return Site(cfg.base_url, cfg.title, cfg.publication or "", cfg.description or "")


def objects_of(settings: Settings) -> ObjectStore:
    """Where the site is written: ``channels.web.output``, by default ``<state>/site``."""
    return open_objects(settings.config.channels.web.output, settings.state.site)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def version_time(
    article: Article, deliveries: Iterable[Delivery], when: dt.datetime
) -> dt.datetime:
    """When this version appeared: the first version's own time, later ones when enqueued."""
    if article.version == 1:
        return updated_time(article)
    for d in deliveries:
        if d.version == article.version and d.created_at is not None:
            return d.created_at
    return when


def history(
    article: Article, versions: Iterable[Article], deliveries: Iterable[Delivery]
) -> tuple[Correction, ...]:
    """The corrections of the versions before ``article``, oldest first, each with its time."""
    appeared: dict[int, dt.datetime] = {}
    for d in deliveries:
        if d.created_at is not None and (
            d.version not in appeared or d.created_at < appeared[d.version]
        ):
            appeared[d.version] = d.created_at
    return tuple(
        Correction(v.version, v.correction, appeared[v.version])
        for v in sorted(versions, key=lambda v: v.version)
        if 1 < v.version < article.version and v.correction and v.version in appeared
    )


def with_history(ledger: Ledger, story: Story) -> Story:
    """``story`` with the corrections of its earlier versions (read only when there are some)."""
    article = story.article
    if article.version <= 2:
        return story
    versions = ledger.versions(article.id)
    earlier = history(article, versions, ledger.deliveries(article_id=article.id))
    return Story(article, story.updated, earlier)


def guarded(
    render: Callable[[list[Story]], str | bytes], stories: list[Story], refused: dict[str, str]
) -> str | bytes:
    """``render(stories)``, leaving out (into ``refused``, with why) any story that cannot render.

    The whole list is tried first; only when it fails is each story tried alone, so one bad
    story costs its own place in the lists, never the lists themselves.
    """
    shown = [s for s in stories if s.article.id not in refused]
    try:
        for story in shown:
            broken("render.web.lists", story.article.id)
        return render(shown)
    except Exception:  # which one is found below, story by story
        pass
    kept = []
    for story in shown:
        try:
            broken("render.web.lists", story.article.id)
            render([story])
        except Exception as exc:
            refused[story.article.id] = (
                f"cannot list {story.article.id}: {type(exc).__name__}: {str(exc)[:300]}"
            )
            continue
        kept.append(story)
    return render(kept)


def list_files(
    name: str,
    catalog: Catalog,
    ledger: Ledger,
    site: Site,
    cache: dict[tuple[str, int], Article | None],
    recent: list[tuple[feeds.NewsEntry, str | None]],
    when: dt.datetime,
    hubs: tuple[str, ...] = (),
    refused: dict[str, str] | None = None,
) -> list[OutputFile]:
    """The index page, the three feeds and the news sitemap of one list (home or a section).

    A story that breaks a renderer is left out of every list and named in ``refused``.
    """
    refused = {} if refused is None else refused
    section = None
    if name != HOME:
        section = next(s for s in catalog.sections if catalog.section_key(s) == name)
    stories = []
    for entry in catalog.shelf(name).entries[:INDEX_SIZE]:
        key = (entry.id, entry.version)
        if key not in cache:
            cache[key] = ledger.get(entry.id, entry.version)
        article = cache[key]
        if article is not None:
            stories.append(Story(publishable(article), entry.updated_at))
    files = []
    if name in catalog.rebuilt:
        # A list refilled from the ledger may name articles whose page was never written (the
        # channel was off when they arrived): write every page it links to; unchanged ones are
        # skipped by their hash.
        files = [
            make_file(
                article_key(s.article.id),
                render_article(with_history(ledger, s), site, sections=catalog.sections),
                tier=PAGE,
            )
            for s in stories
        ]
    prefix = section_prefix(section) if section else ""
    tier = SECTION if section else ROOT
    title = f"{section} - {site.title}" if section else site.title
    base = site.home_url + quote(prefix)
    url_for = feeds.page_url(site)

    def channel(path: str) -> feeds.Channel:
        return feeds.Channel(
            title=title,
            home_url=site.url(prefix + "index.html"),
            self_url=base + path,
            description=f"{title}：最新稿件",
            hubs=hubs,
        )

    outputs: list[tuple[str, Callable[[list[Story]], str | bytes]]] = [
        ("index.html", lambda s: render_index(s, site, section=section, sections=catalog.sections)),
        ("feed.xml", lambda s: feeds.rss(s, channel("feed.xml"), url_for)),
        ("atom.xml", lambda s: feeds.atom(s, channel("atom.xml"), url_for)),
        ("feed.json", lambda s: feeds.json_feed(s, channel("feed.json"), url_for)),
    ]
    rendered = {path: guarded(render, stories, refused) for path, render in outputs}
    if refused:  # every list agrees: a story refused by one renderer is in none
        kept = [s for s in stories if s.article.id not in refused]
        rendered = {path: render(kept) for path, render in outputs}
    gone = {site.url(article_key(article_id)) for article_id in refused}
    news = [e for e, of in recent if (section is None or of == section) and e.url not in gone]
    return [
        *files,
        *(make_file(prefix + path, data, tier=tier) for path, data in rendered.items()),
        make_file(
            prefix + "sitemap-news.xml",
            feeds.news_sitemap(news, publication=site.publisher, now=when),
            tier=tier,
        ),
    ]


def changed_pages(before: Sequence[Entry], after: Sequence[Entry]) -> tuple[range, range]:
    """Which pages of a chronological list to write, and which no longer exist.

    Pages hold ``ARCHIVE_PAGE`` stories, oldest first, so a new story lands on the last page:
    the pages before the first difference stay as they are, unless the number of pages (which
    every page's pager shows) changed.
    """
    size = ARCHIVE_PAGE
    old_pages = -(-len(before) // size)
    new_pages = max(1, -(-len(after) // size))
    first = next(
        (i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
        min(len(before), len(after)),
    )
    start = 1 if old_pages != new_pages or not before else first // size + 1
    return range(start, new_pages + 1), range(new_pages + 1, old_pages + 1)


def archive_files(catalog: Catalog, site: Site) -> tuple[list[OutputFile], list[str]]:
    """The archive pages and sitemaps of the days this run changed, and what lists the days;
    and the keys of archive pages that no longer exist."""
    files: list[OutputFile] = []
    gone: list[str] = []
    for day in sorted(catalog.day_sections):
        entries = catalog.day(day).entries
        after = entries[::-1]
        before = catalog.days_before.get(day, [])[::-1]
        for section in [None, *sorted(catalog.day_sections[day])]:
            mine = after if section is None else [e for e in after if e.section == section]
            was = before if section is None else [e for e in before if e.section == section]
            write, drop = changed_pages(was, mine)
            pages = write.stop - 1
            for number in write:
                chunk = mine[(number - 1) * ARCHIVE_PAGE : number * ARCHIVE_PAGE]
                page = render_day(
                    day,
                    [e.listing() for e in chunk],
                    site,
                    section=section,
                    page=number,
                    pages=pages,
                    sections=catalog.sections,
                )
                files.append(make_file(day_page_key(day, section, number), page, tier=SECTION))
            gone += [day_page_key(day, section, number) for number in drop]
        pages = max(1, -(-len(after) // ARCHIVE_PAGE))
        numbers = range(1, pages + 1)
        urls = [sitemaps.Location(site.url(day_page_key(day, None, n))) for n in numbers]
        urls += [sitemaps.Location(site.url(article_key(e.id)), e.updated_at) for e in entries]
        files.append(make_file(sitemaps.day_key(day), sitemaps.urlset(urls), tier=SECTION))
    if catalog.day_sections:
        days = sorted(catalog.calendar.items(), reverse=True)
        index = [sitemaps.Location(site.url(sitemaps.PAGES_KEY))]
        index += [
            sitemaps.Location(site.url(sitemaps.day_key(d)), dt.datetime.fromisoformat(c.lastmod))
            for d, c in days
        ]
        files.append(make_file(sitemaps.INDEX_KEY, sitemaps.sitemap_index(index), tier=ROOT))
    if catalog.days_changed:
        page = render_calendar(list(catalog.calendar), site, sections=catalog.sections)
        files.append(make_file(archive_key(), page, tier=ROOT))
    for section in sorted(catalog.section_days_changed):
        days_of = [d for d, c in catalog.calendar.items() if section in c.sections]
        page = render_calendar(days_of, site, section=section, sections=catalog.sections)
        files.append(make_file(archive_key(section), page, tier=SECTION))
    return files, gone


def site_files(catalog: Catalog, site: Site) -> list[OutputFile]:
    """What every run offers (unchanged bytes are not rewritten): robots, icons, page sitemap."""
    pages = [site.url("index.html"), site.url(archive_key())]
    for section in catalog.sections:
        pages += [
            site.url(section_prefix(section) + "index.html"),
            site.url(archive_key(section)),
        ]
    return [
        make_file("robots.txt", sitemaps.robots(site), tier=ROOT),
        make_file(FAVICON, favicon(site), tier=ROOT, media_type="image/svg+xml"),
        make_file(
            sitemaps.PAGES_KEY,
            sitemaps.urlset([sitemaps.Location(url) for url in pages]),
            tier=ROOT,
        ),
    ]


def publish(settings: Settings, ledger: Ledger) -> PublishReport:
    """Publish every pending web delivery; a rerun rewrites nothing that has not changed."""
    report = PublishReport(CHANNEL)
    pending = ledger.pending(CHANNEL)
    if not pending:
        websub.announce(settings, ledger, report)  # what a hub missed last time
        baidu.drain(settings, ledger, report)  # what waited for the quota or for Baidu
        return report
    when = now()
    site = site_of(settings)
    output = Output(objects_of(settings), ledger)
    catalog = Catalog(ledger)
    touched: set[str] = set()
    if catalog.fresh:
        catalog.rebuild()
        touched |= set(catalog.shelves)
    elif catalog.calendar_missing:
        catalog.rebuild_days()  # a site from before the archive: its one full read
    files: list[OutputFile] = []
    claimed: list[tuple[Delivery, str]] = []
    for article_id, mine in claim_by_article(ledger, pending):
        found = ledger.get(article_id)
        if found is None:
            for d in mine:
                ledger.mark_failed(d, f"no article {article_id} in the ledger", terminal=True)
                report.failed += 1
            continue
        article = publishable(found)
        versions = ledger.versions(article_id)
        sections = {v.section for v in versions if v.section}
        days = {article_day(v) for v in versions}
        key = article_key(article_id)
        if article.kind is Kind.TEASER:
            outcome = "teaser"  # a teaser points to another page and is no story of its own
            report.skipped += len(mine)
            target = ledger.get(article.page_ref_id) if article.page_ref_id else None
            if target is not None and is_page(target):
                # resolved (distro.jumps): a 导读 page that links the story, kept off the lists
                teaser = render_teaser(article, target, site, sections=catalog.sections)
                files.append(make_file(key, teaser, tier=PAGE))
        elif is_page(article):
            story = Story(article, version_time(article, mine, when))
            if article.version > 2:
                found_history = history(article, versions, ledger.deliveries(article_id=article_id))
                story = Story(article, story.updated, found_history)
            try:
                page = render_article(story, site, sections=catalog.sections)
            except Exception as exc:  # one article that cannot render must not stop the site
                reason = f"cannot render {article_id}: {type(exc).__name__}: {str(exc)[:300]}"
                for d in mine:
                    ledger.mark_quarantined(d, reason)
                    report.quarantined += 1
                continue
            touched |= catalog.drop(
                article_id, sections - {article.section or ""}, days - {article_day(article)}
            )
            touched |= catalog.add(story)
            files.append(make_file(key, page, tier=PAGE))
            outcome = "page"
        else:
            touched |= catalog.drop(article_id, sections, days)
            killed = version_time(article, mine, when)
            tombstone = render_tombstone(article_id, killed, site, sections=catalog.sections)
            files.append(make_file(key, tombstone, tier=WITHDRAWN))
            outcome = "tombstone"
        claimed.extend((d, outcome) for d in mine)
    catalog.prune_news(when)
    catalog.refill_starved()
    if catalog.dirty_days:
        catalog.settle_calendar()
    touched |= catalog.dirty & set(catalog.shelves)
    cache: dict[tuple[str, int], Article | None] = {}
    lists = {HOME} | {n for n in touched if n not in {HOME, NEWS}}
    if NEWS in touched:
        lists.add(HOME)
    recent = [
        (feeds.NewsEntry(site.url(article_key(e.id)), e.headline, e.issued_at), e.section)
        for e in catalog.shelf(NEWS).entries
    ]
    hubs = tuple(settings.config.channels.web.hubs)
    refused: dict[str, str] = {}
    for name in sorted(lists):
        files.extend(
            list_files(name, catalog, ledger, site, cache, recent, when, hubs, refused)
        )
    for article_id, reason in refused.items():  # one bad story never stops the lists
        report.messages.append(reason)
        versions = ledger.versions(article_id)
        sections = {v.section for v in versions if v.section}
        # Off the lists for good: its deliveries wait in the quarantine for an editor's retry.
        catalog.drop(article_id, sections, {article_day(v) for v in versions})
        for d, _outcome in claimed:
            if d.article_id == article_id:
                ledger.mark_quarantined(d, reason)
                report.quarantined += 1
    claimed = [(d, outcome) for d, outcome in claimed if d.article_id not in refused]
    if refused and catalog.dirty_days:
        catalog.settle_calendar()
    if NEWS in catalog.rebuilt:
        # The sitemap names up to 1,000 pages: after a rebuild, make sure each one exists.
        for entry in catalog.shelf(NEWS).entries:
            stored = cache.get((entry.id, entry.version)) or ledger.get(entry.id, entry.version)
            if stored is not None:
                story = with_history(ledger, Story(publishable(stored), entry.updated_at))
                page = render_article(story, site, sections=catalog.sections)
                files.append(make_file(article_key(entry.id), page, tier=PAGE))
    archive, gone = archive_files(catalog, site)
    files += archive
    files += site_files(catalog, site)
    drawing = icon.stale(ledger, output.objects, site)
    if drawing:
        ico = icon.favicon_ico(site)
        files.append(make_file(icon.FAVICON_ICO, ico, tier=ROOT, media_type="image/x-icon"))
    if settings.config.channels.web.hubs:
        feeds_changing = [f for f in files if websub.is_feed(f.key) and not output.unchanged(f)]
        websub.remember(settings, ledger, [site.url(f.key) for f in feeds_changing])
    written = output.write(files, delete=gone)
    catalog.save()
    if drawing:
        icon.drawn(ledger, site)
    # Queued before the deliveries close: a crash after this still pushes them next run. A
    # tombstone is a changed URL too: 普通收录 has no delete call, so Baidu is sent back to the
    # page to find it withdrawn (noindex) and drop it.
    baidu.enqueue(
        settings,
        ledger,
        (
            baidu.Page(site.url(article_key(d.article_id)), d.article_id, d.version)
            for d, outcome in claimed
            if outcome in ("page", "tombstone")
        ),
    )
    fault("publish.written", CHANNEL)
    sent = ledger.mark_sent_all(
        (d, site.url(article_key(d.article_id)), {"outcome": outcome}) for d, outcome in claimed
    )
    for d in sent:
        fault("publish.sent", CHANNEL)
        if d.detail.get("outcome") != "teaser":
            report.sent += 1
    report.outputs = [output.objects.uri(key) for key in written.written]
    report.messages.append(
        f"{len(written.written)} files written, {len(written.unchanged)} unchanged"
    )
    websub.announce(settings, ledger, report)
    baidu.drain(settings, ledger, report)
    return report
