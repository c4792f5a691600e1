"""Hybrid retrieval: dense (Chroma) and BM25 candidates, fused (``fusion``), then a list of post-processing stages.

``Retriever`` does the I/O (embedding the query, querying the store and the
BM25 index) and returns ranked ``Hit`` records with their calibrated relevance.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from rag.retrieve.bm25 import BM25Cache, BM25Index
from rag.retrieve.fusion import Ranked, fuse, fuse_zscores
from rag.retrieve.stages import Stage, cap_per_article, drop_near_duplicates, prefer_recent, rerank
from rag.text.analysis import bridge_terms
from rag.types import Chunk, Filters, Hit

if TYPE_CHECKING:
    from rag.models.embedders import Embedder
    from rag.models.rescorer import Rescorer
    from rag.retrieve.relevance import Background
    from rag.settings import Settings
    from rag.store.index import Store

OVERFETCH = 4  # fused candidates per hit kept: the diversity stages drop copies and an article's extra chunks
PER_ARTICLE = 3  # hits of one article at most


@dataclass(frozen=True)
class Candidates:
    """The query vector, dense hits (chunk, cosine) and BM25 hits (chunk id, score, chunk language)."""

    vector: np.ndarray
    dense: list[tuple[Chunk, float]]
    lexical: list[tuple[str, float, str]]


def lexical_bridged(
    index: BM25Index, query: str, lang: str, k: int, filters: Filters | None
) -> list[tuple[str, float, str]]:
    """BM25 hits: the whole query in chunks of its language, its names and numbers in each other language's chunks.

    Names are analysed in the chunks' language, so that they stem as they did there.
    """
    hits = index.search(query, lang, k, filters, chunk_lang=lang)
    names = bridge_terms(query)
    if names:
        for other in sorted(index.languages - {lang}):
            hits += index.search(names, other, k, filters, chunk_lang=other)
    return sorted(hits, key=lambda h: -h[1])[:k]


class Retriever:
    """Dense + BM25 retrieval over one store."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        bm25: BM25Cache,
        background: Background,
        settings: Settings,
        rescorer: Rescorer | None = None,
    ):
        self.store = store
        self.embedder = embedder
        self.bm25 = bm25
        self.background = background
        self.cfg = settings.retrieval
        self.rescorer = rescorer

    def candidates(self, query: str, lang: str, filters: Filters | None = None, bridged: bool = False) -> Candidates:
        """What each retriever finds for ``query`` before fusion.

        ``bridged``: BM25 reads the whole question only in chunks of its language,
        and only its names and numbers in the others (see ``lexical_bridged``).
        """
        vector = self.embedder.embed_queries([query])[0]
        dense = self.store.query(vector, self.cfg.dense_k, filters)
        index = self.bm25.get()
        if index is None:
            lexical = []
        elif bridged:
            lexical = lexical_bridged(index, query, lang, self.cfg.bm25_k, filters)
        else:
            lexical = index.search(query, lang, self.cfg.bm25_k, filters)
        return Candidates(vector, dense, lexical)

    def fused(self, found: Candidates, lang: str) -> list[tuple[str, float]]:
        """The product's fusion: BM25 muted for chunks in other languages (weight 0), or reading only names and numbers
        at weight ``bm25_cross_lingual_weight``."""
        cross = self.cfg.bm25_cross_lingual_weight
        weights = {id: 1.0 if chunk_lang == lang else cross for id, _, chunk_lang in found.lexical}
        if self.cfg.fusion == "zscore":
            return fuse_zscores(
                {c.id: s for c, s in found.dense}, {id: s for id, s, _ in found.lexical}, weights, self.cfg.dense_weight
            )
        rankings = {
            "dense": Ranked(tuple(c.id for c, _ in found.dense), tuple(s for _, s in found.dense)),
            "bm25": Ranked(
                tuple(i for i, _, _ in found.lexical),
                tuple(s for _, s, _ in found.lexical),
                tuple(weights[i] for i, _, _ in found.lexical),
            ),
        }
        return fuse(rankings, self.cfg.rrf_k)

    def assemble(self, found: Candidates, ranking: Sequence[tuple[str, float]]) -> list[Hit]:
        """Hits in ``ranking``'s order: chunks only BM25 found fetched, committed ones kept, relevance calibrated."""
        chunks: dict[str, Chunk] = {c.id: c for c, _ in found.dense}
        dense_scores = {c.id: s for c, s in found.dense}
        bm25_scores = {id: score for id, score, _ in found.lexical}
        for chunk, chunk_vector in self.store.get_chunks([id for id, _ in ranking if id not in chunks]):
            chunks[chunk.id] = chunk
            dense_scores[chunk.id] = float(chunk_vector @ found.vector)
        committed = self.store.committed()
        hits = [
            Hit(chunk=chunks[id], fused=score, dense=dense_scores.get(id), bm25=bm25_scores.get(id))
            for id, score in ranking
            if id in chunks and committed.get(chunks[id].article_id) == chunks[id].content_hash
        ]
        return [
            replace(h, relevance=round(self.background.zscore(found.vector, h.dense or 0.0, h.chunk.lang), 2))
            for h in hits
        ]

    def stages(self, query: str, keep: int, recent: bool) -> list[Stage]:
        """Diversity (no copies, at most ``PER_ARTICLE`` chunks per article), the optional second stage, recency."""
        stages: list[Stage] = [
            drop_near_duplicates,
            functools.partial(cap_per_article, cap=PER_ARTICLE),
            lambda hits: hits[:keep],
        ]
        if self.rescorer is not None:
            stages.append(
                functools.partial(
                    rerank,
                    query=query,
                    rescorer=self.rescorer,
                    depth=self.cfg.rerank_depth,
                    weight=self.cfg.rerank_weight,
                )
            )
        if recent:
            stages.append(prefer_recent)
        return stages

    def search(
        self, query: str, lang: str, filters: Filters | None = None, k: int | None = None, recent: bool = False
    ) -> list[Hit]:
        """The product ranking: candidates fused, assembled, and run through the stages.

        With ``recent``, newer articles are preferred among ``OVERFETCH`` times more relevant candidates.
        """
        k = k or self.cfg.top_k
        keep = max(k, self.cfg.rerank_depth) if self.rescorer is not None else k * OVERFETCH if recent else k
        found = self.candidates(query, lang, filters, bridged=self.cfg.bm25_cross_lingual_weight > 0)
        hits = self.assemble(found, self.fused(found, lang)[: keep * OVERFETCH])
        for stage in self.stages(query, keep, recent):
            hits = stage(hits)
        return hits[:k]
