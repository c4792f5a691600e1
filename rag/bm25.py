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
import re
import shutil
import tempfile
import threading
import uuid
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np

from .types import Chunk, Filters, iso_to_epoch

log = logging.getLogger(__name__)

_STEMMER_NAMES = {"fr": "french", "en": "english", "de": "german", "es": "spanish", "it": "italian", "pt": "portuguese", "nl": "dutch"}
_STOPWORD_NAMES = {"fr": "STOPWORDS_FRENCH", "en": "STOPWORDS_EN_PLUS", "de": "STOPWORDS_GERMAN", "es": "STOPWORDS_SPANISH",
                   "it": "STOPWORDS_ITALIAN", "pt": "STOPWORDS_PORTUGUESE", "nl": "STOPWORDS_DUTCH"}
_WORD = re.compile(r"\w+", re.UNICODE)
_ELISION = re.compile(r"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
NO_EPOCH = np.iinfo(np.int64).min


def _bm25s():
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import
    return bm25s


@lru_cache(maxsize=None)
def _stemmer(lang: str):
    import Stemmer

    return Stemmer.Stemmer(_STEMMER_NAMES.get(lang, "english"))


@lru_cache(maxsize=None)
def _stopwords(lang: str) -> frozenset[str]:
    import bm25s.stopwords as sw

    return frozenset(getattr(sw, _STOPWORD_NAMES.get(lang, "STOPWORDS_EN_PLUS"), ()))


# Words that only say what kind of answer is wanted; in a question they carry no topic, and in the
# rare passage that contains them they match by accident. Removed from queries, kept in documents.
QUESTION_WORDS = {
    "fr": frozenset("combien quel quelle quels quelles quand pourquoi comment quoi où lequel laquelle lesquels lesquelles "
                    "auxquels auxquelles duquel desquels desquelles".split()),
    "en": frozenset("what when where which who whom whose why how".split()),
}


def analyze(text: str, lang: str, query: bool = False) -> list[str]:
    """Lower-cased, elision-split, stop-word-free, stemmed tokens of ``text`` (a question's without its question words)."""
    text = _ELISION.sub(" ", unicodedata.normalize("NFC", text).lower())
    stop = _stopwords(lang if lang in _STEMMER_NAMES else "en")
    if query:
        stop = stop | QUESTION_WORDS.get(lang, frozenset())
    words = [w for w in _WORD.findall(text) if w not in stop and (len(w) > 1 or w.isdigit())]
    return _stemmer(lang if lang in _STEMMER_NAMES else "en").stemWords(words)


def bridge_terms(text: str) -> str:
    """The words of ``text`` that read the same in another language: numbers, acronyms, capitalised words past the first.

    Across languages BM25 matches little but names; the rest of the words only
    match by accident (faux amis, shared stems), so they are left out.
    """
    words = _WORD.findall(text)
    return " ".join(w for i, w in enumerate(words)
                    if any(ch.isdigit() for ch in w) or (len(w) > 1 and w.isupper()) or (i > 0 and w[0].isupper()))


@dataclass
class BM25Index:
    """A bm25s index with per-chunk metadata arrays for filtering."""

    retriever: object
    ids: list[str]
    article_ids: np.ndarray
    epochs: np.ndarray
    sources: np.ndarray
    langs: np.ndarray
    generation: int

    @classmethod
    def build(cls, chunks: Iterable[Chunk], generation: int) -> "BM25Index | None":
        bm25s = _bm25s()
        chunks = list(chunks)
        if not chunks:
            return None
        corpus = [analyze(f"{c.header}\n{c.text}", c.lang) or [""] for c in chunks]
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
        epochs = [iso_to_epoch(c.date) for c in chunks]
        return cls(
            retriever=retriever, ids=[c.id for c in chunks],
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
        if filters.since and (e := iso_to_epoch(filters.since)) is not None:
            keep &= (self.epochs != NO_EPOCH) & (self.epochs >= e)
        if filters.until and (e := iso_to_epoch(filters.until)) is not None:
            keep &= (self.epochs != NO_EPOCH) & (self.epochs < e)
        if filters.sources:
            keep &= np.isin(self.sources, list(filters.sources))
        if filters.langs:
            keep &= np.isin(self.langs, list(filters.langs))
        if filters.article_ids:
            keep &= np.isin(self.article_ids, list(filters.article_ids))
        if filters.exclude_article_ids:
            keep &= ~np.isin(self.article_ids, list(filters.exclude_article_ids))
        return keep.astype(np.float32)

    def search(self, query: str, lang: str, k: int, filters: Filters | None = None,
               chunk_lang: str | None = None) -> list[tuple[str, float, str]]:
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
            meta = {"generation": self.generation, "ids": self.ids, "article_ids": list(self.article_ids),
                    "epochs": self.epochs.tolist(), "sources": list(self.sources), "langs": list(self.langs)}
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
    def load(cls, folder: Path) -> "BM25Index | None":
        bm25s = _bm25s()
        try:
            version = folder / (folder / "CURRENT").read_text().strip()
            meta = json.loads((version / "newsdesk.json").read_text())
            retriever = bm25s.BM25.load(str(version))
        except (OSError, ValueError, KeyError):
            return None
        return cls(retriever=retriever, ids=meta["ids"], article_ids=np.array(meta["article_ids"], dtype=object),
                   epochs=np.array(meta["epochs"], dtype=np.int64), sources=np.array(meta["sources"], dtype=object),
                   langs=np.array(meta["langs"], dtype=object), generation=meta["generation"])


class BM25Cache:
    """Keeps the BM25 index in step with the store's committed chunks."""

    def __init__(self, store, folder: Path | None):
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
