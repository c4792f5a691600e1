"""The chat's Briefing button: what is new in the chosen period (about the typed topic, if any), story by story."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import gradio as gr

from rag import Pipeline, format_date, localize, t
from rag.errors import NewsdeskError
from rag.types import Filters

from .render import answer_html, sources_html

RECENT_DAYS = 2  # without a period: the archive's last two days


def item_html(item: Any, item_id: str, lang: str) -> str:
    """One story of a briefing: when, who, in which languages, and its sentence with chips."""
    count = t(lang, "brief_articles").format(n=item.articles) if item.articles > 1 else ""
    meta = " · ".join(
        html.escape(p)
        for p in (format_date(item.date, lang), ", ".join(item.sources), "/".join(item.languages), count)
        if p
    )
    return f"<div class='nd-brief-item'><small>{meta}</small>{answer_html(item.answer, item_id, lang)}</div>"


def period_start(pipeline: Pipeline, since: str) -> str | None:
    """The period's start: as chosen, else two days before the newest article."""
    if since:
        return since
    dates = [r.article.date for r in pipeline.store.list_articles() if r.article.date]
    if not dates:
        return None
    newest = date.fromisoformat(max(dates)[:10])
    return (newest - timedelta(days=RECENT_DAYS)).isoformat()


def brief_stream(
    pipeline: Pipeline,
    topic: str,
    messages: list[dict[str, str]] | None,
    since: str,
    until: str,
    sources: list[str] | None,
    langs: list[str] | None,
    lang: str,
) -> Iterator[tuple[Any, Any, Any]]:
    """(chat, sources panel, question box) as each story's sentence is written (the button)."""
    start = period_start(pipeline, since)
    heading = t(lang, "brief_heading").format(since=format_date(start, lang) or "…", topic=topic.strip() or "—")
    filters = Filters(since=start, until=until or None, sources=tuple(sources or ()), langs=tuple(langs or ()))
    for shown, panel in stream_brief(pipeline, list(messages or []), heading, topic.strip(), filters, lang):
        yield shown, panel, ""


def brief_brought(
    pipeline: Pipeline, ids: list[str], messages: list[dict[str, str]] | None, lang: str
) -> Iterator[tuple[Any, Any]]:
    """(chat, sources panel): the briefing of the articles a feed update brought (its button, in the Articles tab)."""
    heading = t(lang, "brief_update_heading").format(n=len(ids))
    yield from stream_brief(pipeline, list(messages or []), heading, "", Filters(article_ids=tuple(ids)), lang)


def stream_brief(
    pipeline: Pipeline, messages: list[dict[str, str]], heading: str, topic: str, filters: Filters, lang: str
) -> Iterator[tuple[Any, Any]]:
    """(chat, sources panel) as each story's sentence is written, under ``heading`` (the button's, or the
    question that asked what is new)."""
    messages += [{"role": "user", "content": heading}, {"role": "assistant", "content": t(lang, "thinking")}]
    yield messages, gr.update()
    parts, panels = [], []
    try:
        for k, item in enumerate(pipeline.brief(topic, filters, lang)):
            item_id = f"brief-{id(messages)}-{k}"
            parts.append(item_html(item, item_id, lang))
            panels.append(sources_html(item.answer, item_id, lang))
            messages[-1]["content"] = "".join(parts)
            yield messages, "".join(panels)
    except NewsdeskError as exc:
        gr.Warning(localize(exc, lang))
        messages[-1]["content"] = f"⚠ {html.escape(localize(exc, lang))}"
        yield messages, gr.update()
        return
    if not parts:
        messages[-1]["content"] = html.escape(t(lang, "brief_empty"))
        yield messages, gr.update()
