"""Optional second stage: rescore the top candidates with a stronger model.

Two kinds, chosen by ``retrieval.rerank``:
- ``embedder``: a stronger bi-encoder (the ``embeddinggemma-300m`` preset, or any
  sentence-transformers model) scores query/passage similarity;
- ``cross-encoder``: a sentence-transformers CrossEncoder given by model id or path.

The new score is blended with the first-stage score (both as z-scores) over
the top ``rerank_depth`` hits. On CPU this costs seconds per question: it is a
quality mode, off by default.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import ModelError
from .types import Hit


class Rescorer:
    def __init__(self, kind: str, model: str, models_dir: Path):
        self.kind = kind
        self.model_name = model
        self._models_dir = Path(models_dir)
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        from .models import RESCORER_PRESETS, resolve_rescorer_path

        path = resolve_rescorer_path(self._models_dir, self.model_name) if self.model_name in RESCORER_PRESETS else self.model_name
        try:
            if self.kind == "cross-encoder":
                from sentence_transformers import CrossEncoder

                return CrossEncoder(str(path), device="cpu")
            from sentence_transformers import SentenceTransformer

            return SentenceTransformer(str(path), device="cpu", local_files_only=Path(str(path)).exists())
        except Exception as exc:
            raise ModelError(f"cannot load the reranker {self.model_name!r} ({type(exc).__name__}) — "
                             f"run `newsdesk models provision {self.model_name}` or set retrieval.rerank_model") from exc

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def scores(self, query: str, passages: Sequence[str]) -> np.ndarray:
        model = self.model
        if self.kind == "cross-encoder":
            return np.asarray(model.predict([(query, p) for p in passages], show_progress_bar=False), dtype=float)
        q = model.encode_query([query], normalize_embeddings=True, show_progress_bar=False)
        d = model.encode_document(list(passages), normalize_embeddings=True, show_progress_bar=False, batch_size=4)
        return (d @ q[0]).astype(float)


def _z(values: np.ndarray) -> np.ndarray:
    std = values.std()
    return (values - values.mean()) / (std if std > 0 else 1.0)


def rerank(hits: list[Hit], query: str, rescorer: Rescorer, depth: int, weight: float) -> list[Hit]:
    """Re-order the top ``depth`` hits by first-stage and rescored z-scores blended with ``weight``."""
    head, tail = hits[:depth], hits[depth:]
    if len(head) < 2:
        return hits
    second = rescorer.scores(query, [h.chunk.embed_text for h in head])
    first = np.array([h.fused for h in head], dtype=float)
    blended = (1 - weight) * _z(first) + weight * _z(second)
    order = np.argsort(-blended, kind="stable")
    return [replace(head[i], fused=float(blended[i])) for i in order] + tail
