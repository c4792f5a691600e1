"""Stories: each new article joins the story of a stored article reporting the same event, or opens its own.

Incremental: an add compares each new article with the stored articles whose first chunk is nearest its own
(and with the articles added before it in the same add); the archive is never re-clustered. A near-copy of a
stored article (wire copy) joins that article's story. ``reindex`` assigns every story again. The rule itself
is ``rag.text.stories``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import numpy as np

from rag.store.index import Store
from rag.store.records import ArticleRecord
from rag.store.stories import leads
from rag.text.stories import Neighbour, apart, same_story, story_terms
from rag.types import Chunk

NEIGHBOURS = 10  # stored leads compared with a new one


def day_of(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


class Stories:
    """The story of each article of one add, given its chunks' vectors."""

    def __init__(self, store: Store):
        self.store = store
        self._added: list[tuple[np.ndarray, ArticleRecord, frozenset[str]]] = []  # the batch's articles so far

    def assign(self, batch: Sequence[tuple[ArticleRecord, list[Chunk]]], vectors: np.ndarray) -> list[ArticleRecord]:
        """The batch's records with their stories (earlier batches of the add are in the store already)."""
        self._added = []
        out, start = [], 0
        for record, chunks in batch:
            lead = vectors[start] / (np.linalg.norm(vectors[start]) or 1.0)
            start += len(chunks)
            terms = story_terms(f"{record.article.title}\n{record.article.text}")
            story = self._copied(record) or self._nearest(record, lead, terms) or record.article.id
            record = replace(record, story=story)
            self._added.append((lead, record, terms))
            out.append(record)
        return out

    def _copied(self, record: ArticleRecord) -> str:
        if not record.duplicate_of:
            return ""
        mine = [r for _, r, _ in self._added if r.article.id == record.duplicate_of]
        stored = mine or list(self.store.get_articles([record.duplicate_of], with_text=False).values())
        if not stored or apart(day_of(record.article.date), day_of(stored[0].article.date)):
            return ""  # the same text republished long after: another story, by the general rule
        return stored[0].story or stored[0].article.id

    def _nearest(self, record: ArticleRecord, lead: np.ndarray, terms: frozenset[str]) -> str | None:
        me = record.article.id
        near = {i: s for i, s in leads(self.store, lead, NEIGHBOURS) if i != me}
        stored = self.store.get_articles(list(near), with_text=True)
        neighbours = [
            Neighbour(
                r.story or i, near[i], story_terms(f"{r.article.title}\n{r.article.text}"), day_of(r.article.date)
            )
            for i, r in stored.items()
        ]
        neighbours += [
            Neighbour(r.story, float(v @ lead), t, day_of(r.article.date))
            for v, r, t in sorted(self._added, key=lambda a: -float(a[0] @ lead))[:NEIGHBOURS]
            if r.article.id != me
        ]
        return same_story(terms, day_of(record.article.date), neighbours)
