"""The story of each cited article, so that a reader sees who else reported it and in which languages."""

from __future__ import annotations

from dataclasses import replace

from rag.store.index import Store
from rag.store.stories import members_of
from rag.types import Answer, StoryInfo


def with_stories(answer: Answer, store: Store) -> Answer:
    """The answer with ``story`` set on the citations whose article's story holds other articles."""
    if not answer.citations:
        return answer
    records = store.get_articles(list(dict.fromkeys(c.article_id for c in answer.citations)), with_text=False)
    groups = members_of(store, [r.story for r in records.values() if r.story])  # one catalogue pass
    stories = {
        story: StoryInfo(
            id=story,
            articles=len(group),
            sources=tuple(sorted({r.article.source for r in group if r.article.source})),
            languages=tuple(sorted({r.article.lang for r in group if r.article.lang})),
        )
        for story, group in groups.items()
        if len(group) > 1
    }
    citations = tuple(
        replace(c, story=stories.get(records[c.article_id].story)) if c.article_id in records else c
        for c in answer.citations
    )
    return replace(answer, citations=citations)
