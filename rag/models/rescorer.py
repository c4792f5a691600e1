"""The optional second stage's model: it rescores the top candidates (``retrieve.stages.rerank`` blends the scores).

Two kinds, chosen by ``retrieval.rerank``:
- ``embedder``: a stronger bi-encoder (the ``embeddinggemma-300m`` preset, or any
  sentence-transformers model) scores query/passage similarity;
- ``cross-encoder``: a sentence-transformers CrossEncoder given by model id or path.

On CPU this costs seconds per question: it is a quality mode, off by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import ModelError
from rag.lazy import Lazy

ENCODE_BATCH = 4  # passages per encoder call: EmbeddingGemma's memory on 2 cores


class Rescorer:
    def __init__(self, kind: str, model: str, models_dir: Path):
        self.kind = kind
        self.model_name = model
        self._models_dir = Path(models_dir)
        self._model: Lazy[Any] = Lazy(self._load)

    def _load(self) -> Any:
        from rag.models.catalog import EMBEDDER_PRESETS, resolve_rescorer_path

        path = (
            resolve_rescorer_path(self._models_dir, self.model_name)
            if self.model_name in EMBEDDER_PRESETS
            else self.model_name
        )
        try:
            if self.kind == "cross-encoder":
                from sentence_transformers import CrossEncoder

                return CrossEncoder(str(path), device="cpu")
            from sentence_transformers import SentenceTransformer

            return SentenceTransformer(str(path), device="cpu", local_files_only=Path(str(path)).exists())
        except Exception as exc:
            raise ModelError(
                f"cannot load the reranker {self.model_name!r} ({type(exc).__name__}) — "
                f"run `newsdesk models provision {self.model_name}` or set retrieval.rerank_model"
            ) from exc

    @property
    def model(self) -> Any:
        return self._model.get()

    def scores(self, query: str, passages: Sequence[str]) -> np.ndarray:
        model = self.model
        if self.kind == "cross-encoder":
            return np.asarray(model.predict([(query, p) for p in passages], show_progress_bar=False), dtype=float)
        q = model.encode_query([query], normalize_embeddings=True, show_progress_bar=False)
        d = model.encode_document(
            list(passages), normalize_embeddings=True, show_progress_bar=False, batch_size=ENCODE_BATCH
        )
        return (d @ q[0]).astype(float)
