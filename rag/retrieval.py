"""Hybrid retrieval: dense (Chroma) + BM25, fused by z-normalised scores (or reciprocal ranks).

``fuse_zscores``, ``fuse`` and the diversity steps are pure; ``Retriever`` does the I/O (embedding the query, querying
the store and the BM25 index) and returns ranked ``Hit`` records.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

import numpy as np

from .bm25 import BM25Cache, BM25Index, bridge_terms
from .rerank import rerank
from .types import Chunk, Filters, Hit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ranked:
    """One retriever's ranking: chunk ids best first, with their raw scores."""

    ids: tuple[str, ...]
    scores: tuple[float, ...]
    weights: tuple[float, ...] | None = None  # per item; 1.0 when absent


def fuse(rankings: dict[str, Ranked], k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: ``sum(weight / (k + rank))`` over the rankings.

    Ties are broken by the order of first appearance (dense before BM25).
    """
    scores: dict[str, float] = {}
    for ranked in rankings.values():
        for rank, id in enumerate(ranked.ids, start=1):
            weight = ranked.weights[rank - 1] if ranked.weights else 1.0
            scores[id] = scores.get(id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


@dataclass(frozen=True)
class Candidates:
    """The query vector, dense hits (chunk, cosine) and BM25 hits (chunk id, score, chunk language)."""

    vector: np.ndarray
    dense: list[tuple[Chunk, float]]
    lexical: list[tuple[str, float, str]]


def zscores(scores: dict[str, float]) -> dict[str, float]:
    """Scores as standard deviations from this list's mean (comparable across retrievers and queries)."""
    if not scores:
        return {}
    values = np.fromiter(scores.values(), dtype=float)
    mean, std = float(values.mean()), float(values.std())
    return {k: (v - mean) / (std or 1.0) for k, v in scores.items()}


def fuse_zscores(dense: dict[str, float], lexical: dict[str, float], lexical_weights: dict[str, float],
                 dense_weight: float = 0.5) -> list[tuple[str, float]]:
    """Convex combination of z-normalised dense and BM25 scores.

    A chunk one retriever did not return gets that retriever's lowest z-score;
    ``lexical_weights`` scale BM25 per chunk (muted across languages).
    Ties keep the dense ranking's order, then BM25's.
    """
    dz, bz = zscores(dense), zscores(lexical)
    dfloor = min(dz.values(), default=0.0)
    bfloor = min(bz.values(), default=0.0)
    fused = {
        id: dense_weight * dz.get(id, dfloor) + (1 - dense_weight) * lexical_weights.get(id, 1.0) * bz.get(id, bfloor)
        for id in dict.fromkeys([*dz, *bz])  # insertion order: equal scores stay in dense-then-BM25 order, run after run
    }
    return sorted(fused.items(), key=lambda item: -item[1])


def _shingles(text: str, n: int = 3) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def drop_near_duplicates(hits: list[Hit], threshold: float = 0.8) -> list[Hit]:
    """Remove passages that nearly repeat a better-ranked one (syndicated wire copy)."""
    kept: list[tuple[Hit, set[str]]] = []
    for hit in hits:
        sh = _shingles(hit.chunk.text)
        if any(len(sh & other) / (len(sh | other) or 1) >= threshold for _, other in kept):
            continue
        kept.append((hit, sh))
    return [h for h, _ in kept]


def cap_per_article(hits: list[Hit], cap: int) -> list[Hit]:
    """Keep at most ``cap`` hits of each article, in rank order."""
    seen: dict[str, int] = {}
    kept = []
    for hit in hits:
        count = seen.get(hit.chunk.article_id, 0)
        if count < cap:
            kept.append(hit)
            seen[hit.chunk.article_id] = count + 1
    return kept


def prefer_recent(hits: list[Hit], weight: float = 0.5) -> list[Hit]:
    """Re-rank by fused score scaled between ``1 - weight`` (oldest candidate) and 1 (newest)."""
    epochs = [h.chunk.epoch for h in hits if h.chunk.epoch is not None]
    if len(set(epochs)) < 2:
        return hits
    lo, hi = min(epochs), max(epochs)

    def score(h: Hit) -> float:
        freshness = (h.chunk.epoch - lo) / (hi - lo) if h.chunk.epoch is not None else 0.0
        return h.fused * (1 - weight + weight * freshness)

    return sorted(hits, key=score, reverse=True)


def lexical_bridged(index: BM25Index, query: str, lang: str, k: int, filters: Filters | None) -> list[tuple[str, float, str]]:
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

    def __init__(self, store, embedder, bm25: BM25Cache, background, settings, rescorer=None):
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

    def assemble(self, found: Candidates, fused: list[tuple[str, float]], k: int, per_article: int | None = 3) -> list[Hit]:
        """Turn a fused ranking into Hits: fetch chunks only BM25 found, keep committed ones, score relevance."""
        chunks: dict[str, Chunk] = {c.id: c for c, _ in found.dense}
        dense_scores = {c.id: s for c, s in found.dense}
        bm25_scores = {id: score for id, score, _ in found.lexical}
        wanted = fused[: k * 4] if per_article else fused[:k]
        missing = [id for id, _ in wanted if id not in chunks]
        for chunk, chunk_vector in self.store.get_chunks(missing):
            chunks[chunk.id] = chunk
            dense_scores[chunk.id] = float(chunk_vector @ found.vector)
        committed = self.store.committed()
        hits = [
            Hit(chunk=chunks[id], fused=score, dense=dense_scores.get(id), bm25=bm25_scores.get(id))
            for id, score in wanted
            if id in chunks and committed.get(chunks[id].article_id) == chunks[id].content_hash
        ]
        if per_article:
            hits = cap_per_article(drop_near_duplicates(hits), per_article)
        return [replace(h, relevance=round(self.background.zscore(found.vector, h.dense, h.chunk.lang), 2)) for h in hits[:k]]

    def search(self, query: str, lang: str, filters: Filters | None = None, k: int | None = None, recent: bool = False) -> list[Hit]:
        """The product ranking: dense and BM25 fused, BM25 muted for chunks in other languages.

        With ``recent``, newer articles are preferred among the relevant candidates.
        """
        cross = self.cfg.bm25_cross_lingual_weight
        found = self.candidates(query, lang, filters, bridged=cross > 0)
        # Chunks in other languages: BM25 is muted (weight 0), or reads only names and numbers at weight ``cross``.
        weights = {id: 1.0 if chunk_lang == lang else cross for id, _, chunk_lang in found.lexical}
        if self.cfg.fusion == "zscore":
            fused = fuse_zscores({c.id: s for c, s in found.dense}, {id: s for id, s, _ in found.lexical}, weights, self.cfg.dense_weight)
        else:
            rankings = {
                "dense": Ranked(tuple(c.id for c, _ in found.dense), tuple(s for _, s in found.dense)),
                "bm25": Ranked(tuple(i for i, _, _ in found.lexical), tuple(s for _, s, _ in found.lexical),
                               tuple(weights[i] for i, _, _ in found.lexical)),
            }
            fused = fuse(rankings, self.cfg.rrf_k)
        k = k or self.cfg.top_k
        if self.rescorer is not None:
            hits = rerank(self.assemble(found, fused, max(k, self.cfg.rerank_depth)), query, self.rescorer,
                          self.cfg.rerank_depth, self.cfg.rerank_weight)
            return (prefer_recent(hits) if recent else hits)[:k]
        if not recent:
            return self.assemble(found, fused, k)
        return prefer_recent(self.assemble(found, fused, k * 4))[:k]
