"""Reads for stories: the articles whose lead is nearest a vector, and the articles of one story."""

from __future__ import annotations

import numpy as np

from rag.store.index import Store
from rag.store.records import ArticleRecord, record_from


def leads(store: Store, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
    """The committed articles whose first chunk is nearest ``vector``: (article id, cosine similarity)."""
    chunks = store.collection("chunks")
    if chunks is None or store.chroma.call("count chunks", chunks.count) == 0:
        return []
    result = store.chroma.call(
        "query the store",
        chunks.query,
        query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
        n_results=k,
        where={"n": 0},
        include=["metadatas", "distances"],
    )
    committed = store.committed()
    return [
        (m["article_id"], 1.0 - float(dist))
        for m, dist in zip(result["metadatas"][0], result["distances"][0], strict=True)
        if committed.get(m["article_id"]) == m.get("content_hash")
    ]


def members(store: Store, story: str) -> list[ArticleRecord]:
    """The committed articles of a story (its first article's id), oldest first."""
    return members_of(store, [story]).get(story, [])


def members_of(store: Store, stories: list[str]) -> dict[str, list[ArticleRecord]]:
    """The committed articles of each story, oldest first, read in one pass over the catalogue."""
    articles = store.collection("articles")
    wanted = [s for s in dict.fromkeys(stories) if s]
    if articles is None or not wanted:
        return {}
    where = {"$and": [{"story": {"$in": wanted}}, {"status": "complete"}]}
    out: dict[str, list[ArticleRecord]] = {s: [] for s in wanted}
    for ids, metas, _docs in store.chroma.paged(articles, ["metadatas"], where):
        for i, m in zip(ids, metas, strict=True):
            record = record_from(i, m, None)
            out[record.story].append(record)
    for story, record in store.get_articles([s for s in wanted if not out[s]], with_text=False).items():
        if not record.story:  # stored before stories were: a story of its own
            out[story].append(record)
    return {s: sorted(rs, key=lambda r: (r.article.date or "", r.added)) for s, rs in out.items() if rs}
