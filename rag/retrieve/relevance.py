"""Calibrated similarity: how far a cosine stands above chance for this query.

multilingual-e5 compresses cosines (unrelated texts score about 0.75) and
their level shifts with the language pair, so raw cosines must never be
thresholded. Instead each score is expressed as a z-score against the same
query's similarity to a fixed background of ordinary news paragraphs in the
passage's language (``rag/data/background.<lang>.txt``): a passage that
really matches stands many standard deviations above that background.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.models.embedders import Embedder

import numpy as np

DATA = Path(__file__).resolve().parent.parent / "data"
BACKGROUND_LANGS = ("fr", "en")


class Background:
    """Background similarity statistics for queries, per passage language."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def vectors(self, lang: str) -> np.ndarray:
        lang = lang if lang in BACKGROUND_LANGS else "en"
        with self._lock:
            if lang not in self._vectors:
                lines = [
                    line
                    for line in (DATA / f"background.{lang}.txt").read_text(encoding="utf-8").splitlines()
                    if line.strip()
                ]
                self._vectors[lang] = self.embedder.embed_documents(lines)
            return self._vectors[lang]

    def zscore(self, query_vector: np.ndarray, cosine: float, lang: str) -> float:
        """How many standard deviations ``cosine`` lies above the query's background similarity."""
        sims = self.vectors(lang) @ query_vector
        return float((cosine - sims.mean()) / max(float(sims.std()), 1e-3))
