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
    articles = store.collection("articles")
    if articles is None or not story:
        return []
    where = {"$and": [{"story": story}, {"status": "complete"}]}
    records = [
        record_from(i, m, None)
        for ids, metas, _docs in store.chroma.paged(articles, ["metadatas"], where)
        for i, m in zip(ids, metas, strict=True)
    ]
    first = store.get_articles([story], with_text=False)  # stored before stories were: its own story
    records += [r for r in first.values() if not r.story and r.article.id not in {x.article.id for x in records}]
    return sorted(records, key=lambda r: (r.article.date or "", r.added))
