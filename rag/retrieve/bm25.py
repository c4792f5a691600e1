"""BM25 over the same chunks as the dense index (bm25s), with per-language analysis.

Each chunk is analysed in its own language (Snowball stemmer and stop words
for French, English and the other article languages); the question in its
language. The index is derived from the store's committed chunks and cached on
disk beside it, tagged with the store's generation, so it is rebuilt only when
the committed content changed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.text.analysis import analyze
from rag.text.dates import iso_to_epoch
from rag.types import Chunk, Filters

if TYPE_CHECKING:
    from rag.store.index import Store

log = logging.getLogger(__name__)

NO_EPOCH = np.iinfo(np.int64).min


def _bm25s():
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import
    return bm25s


@dataclass
class BM25Index:
    """A bm25s index with per-chunk metadata arrays for filtering."""

    retriever: Any  # bm25s.BM25
    ids: list[str]
    article_ids: np.ndarray
    epochs: np.ndarray
    sources: np.ndarray
    langs: np.ndarray
    generation: int

    @classmethod
    def build(cls, chunks: Iterable[Chunk], generation: int) -> BM25Index | None:
        bm25s = _bm25s()
        chunks = list(chunks)
        if not chunks:
            return None
        corpus = [analyze(f"{c.header}\n{c.text}", c.lang) or [""] for c in chunks]
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
        epochs = [iso_to_epoch(c.date) for c in chunks]
        return cls(
            retriever=retriever,
            ids=[c.id for c in chunks],
            article_ids=np.array([c.article_id for c in chunks], dtype=object),
            epochs=np.array([NO_EPOCH if e is None else e for e in epochs], dtype=np.int64),
            sources=np.array([c.source for c in chunks], dtype=object),
            langs=np.array([c.lang for c in chunks], dtype=object),
            generation=generation,
        )

    @cached_property
    def languages(self) -> frozenset[str]:
        return frozenset(self.langs.tolist())

    def mask(self, filters: Filters | None, chunk_lang: str | None = None) -> np.ndarray | None:
        if (filters is None or filters.is_empty()) and chunk_lang is None:
            return None
        keep = np.ones(len(self.ids), dtype=bool) if chunk_lang is None else self.langs == chunk_lang
        if filters is None:
            return keep.astype(np.float32)
        window = np.ones(len(self.ids), dtype=bool)
        if filters.since and (e := iso_to_epoch(filters.since)) is not None:
            window &= (self.epochs != NO_EPOCH) & (self.epochs >= e)
        if filters.until and (e := iso_to_epoch(filters.until)) is not None:
            window &= (self.epochs != NO_EPOCH) & (self.epochs < e)
        keep &= (window | (self.epochs == NO_EPOCH)) if filters.undated else window
        if filters.sources:
            keep &= np.isin(self.sources, list(filters.sources))
        if filters.langs:
            keep &= np.isin(self.langs, list(filters.langs))
        if filters.article_ids:
            keep &= np.isin(self.article_ids, list(filters.article_ids))
        if filters.exclude_article_ids:
            keep &= ~np.isin(self.article_ids, list(filters.exclude_article_ids))
        return keep.astype(np.float32)

    def search(
        self, query: str, lang: str, k: int, filters: Filters | None = None, chunk_lang: str | None = None
    ) -> list[tuple[str, float, str]]:
        """Top ``k`` (chunk id, BM25 score, chunk language) with a positive score.

        ``query`` is analysed as ``lang``; ``chunk_lang`` keeps only chunks in that language.
        """
        vocab = self.retriever.vocab_dict
        tokens = [t for t in analyze(query, lang, query=True) if t in vocab]
        if not tokens:
            return []
        scores = self.retriever.get_scores(tokens, weight_mask=self.mask(filters, chunk_lang))
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]  # equal scores in index order, whatever the partition did
        return [(self.ids[i], float(scores[i]), self.langs[i]) for i in top if scores[i] > 0]

    def save(self, folder: Path) -> None:
        """Write the index as a new version beside the current one, then switch ``CURRENT`` to it (atomic renames only).

        A reader in another process sees the old version or the new one, never a half-written one.
        """
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder, prefix=".tmp-"))
        try:
            self.retriever.save(str(tmp))
            meta = {
                "generation": self.generation,
                "ids": self.ids,
                "article_ids": list(self.article_ids),
                "epochs": self.epochs.tolist(),
                "sources": list(self.sources),
                "langs": list(self.langs),
            }
            (tmp / "newsdesk.json").write_text(json.dumps(meta))
            version = f"v{self.generation}-{uuid.uuid4().hex[:8]}"
            os.replace(tmp, folder / version)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        pointer = folder / f".current-{uuid.uuid4().hex[:8]}"
        pointer.write_text(version)
        os.replace(pointer, folder / "CURRENT")
        for old in folder.iterdir():
            if old.name not in (version, "CURRENT") and not old.name.startswith(".tmp-"):
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)

    @classmethod
    def load(cls, folder: Path) -> BM25Index | None:
        bm25s = _bm25s()
        try:
            version = folder / (folder / "CURRENT").read_text().strip()
            meta = json.loads((version / "newsdesk.json").read_text())
            retriever = bm25s.BM25.load(str(version))
        except (OSError, ValueError, KeyError):
            return None
        return cls(
            retriever=retriever,
            ids=meta["ids"],
            article_ids=np.array(meta["article_ids"], dtype=object),
            epochs=np.array(meta["epochs"], dtype=np.int64),
            sources=np.array(meta["sources"], dtype=object),
            langs=np.array(meta["langs"], dtype=object),
            generation=meta["generation"],
        )


class BM25Cache:
    """Keeps the BM25 index in step with the store's committed chunks."""

    def __init__(self, store: Store, folder: Path | None):
        self._store = store
        self._folder = folder
        self._index: BM25Index | None = None
        self._lock = threading.Lock()

    def get(self) -> BM25Index | None:
        generation = self._store.generation()
        with self._lock:
            if self._index is not None and self._index.generation == generation:
                return self._index
            if self._folder is not None and self._index is None:
                loaded = BM25Index.load(self._folder)
                if loaded is not None and loaded.generation == generation:
                    self._index = loaded
                    return loaded
            log.info("building the BM25 index (generation %s)", generation)
            self._index = BM25Index.build(self._store.iter_chunks(), generation)
            if self._index is not None and self._folder is not None:
                try:
                    self._index.save(self._folder)
                except OSError as exc:
                    log.warning("could not save the BM25 index (%s)", exc)
            return self._index
