"""Timelines: the stories about a topic in date order, each with its sources, languages and one lead sentence.

No LLM: the passages the hybrid search finds relevant (time phrases and filters applied as in questions) are
grouped by story; each story is dated by its first article and led by the sentence of its best passage that
matches the query best. A passage counts when it is relevant by the retrieval's gate and shares a word with the
query (its keyword score): a timeline lists what mentions the topic, not what merely resembles it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rag.questions import QuestionService
from rag.store.records import ArticleRecord
from rag.store.stories import members_of
from rag.text.analysis import matched_span
from rag.types import Filters, Hit

DEPTH = 60  # passages searched: a topic's stories, not only its best few


@dataclass(frozen=True)
class TimelineEntry:
    """One story of a timeline."""

    story: str
    date: str | None  # its first article's
    articles: int
    sources: tuple[str, ...]
    languages: tuple[str, ...]
    article_id: str  # the article the lead sentence comes from
    title: str
    lead: str  # the sentence of the story that best matches the query
    start: int  # the lead's offsets in that article's text
    end: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}


def timeline(
    questions: QuestionService, query: str, filters: Filters | None = None, today: date | None = None
) -> tuple[str, list[TimelineEntry]]:
    """The query as searched (time phrases read) and its stories, oldest first."""
    retrieval = questions.search(query, filters, DEPTH, today=today)
    floor = questions.settings.retrieval.min_relevance
    best: dict[str, Hit] = {}
    records = questions.store.get_articles(list({h.chunk.article_id for h in retrieval.hits}), with_text=False)
    for hit in retrieval.hits:
        record = records.get(hit.chunk.article_id)
        if record is None or not _about(hit, floor):
            continue
        story = record.story or record.article.id
        if story not in best or hit.fused > best[story].fused:
            best[story] = hit
    groups = members_of(questions.store, list(best))
    entries = [_entry(story, groups.get(story, []), hit, retrieval.query) for story, hit in best.items()]
    return retrieval.query, sorted(entries, key=lambda e: (e.date or "9999", -e.score))


def _about(hit: Hit, floor: float) -> bool:
    """A passage about the query: relevant to it, and sharing one of its words (in any language, through names)."""
    return hit.bm25 is not None and (hit.relevance is None or hit.relevance >= floor)


def _entry(story: str, group: list[ArticleRecord], hit: Hit, query: str) -> TimelineEntry:
    chunk = hit.chunk
    start, end = matched_span(query, chunk.text, chunk.lang)
    dates = sorted(r.article.date for r in group if r.article.date)
    return TimelineEntry(
        story=story,
        date=dates[0] if dates else chunk.date,
        articles=max(1, len(group)),
        sources=tuple(sorted({r.article.source for r in group if r.article.source})),
        languages=tuple(sorted({r.article.lang for r in group if r.article.lang})),
        article_id=chunk.article_id,
        title=chunk.title,
        lead=" ".join(chunk.text[start:end].split()),
        start=chunk.start + start,
        end=chunk.start + end,
        score=round(hit.fused, 6),
    )
