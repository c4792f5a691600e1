"""Embedders behind one narrow interface, chosen by name from a registry.

``torch`` runs a sentence-transformers model (the converted
multilingual-e5-small preset, or any model id or folder) on the CPU, with the
``query: ``/``passage: `` prompts the model expects; ``openvino-int8`` runs the
same model's int8 build (``openvino``). ``create`` wraps either with the disk
cache of document vectors (``cache``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from rag.errors import ModelError
from rag.lazy import Lazy
from rag.models.catalog import EMBEDDER_PRESETS, resolve_embedder_path
from rag.models.registry import Registry
from rag.types import INT8_SUFFIX

if TYPE_CHECKING:
    from rag.settings import Settings


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors."""

    @property
    def id(self) -> str: ...  # identity recorded in the index; a different model needs a reindex
    @property
    def dim(self) -> int: ...
    @property
    def max_tokens(self) -> int: ...  # content tokens a document may have before the encoder truncates

    def count_tokens(self, text: str) -> int: ...
    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...
    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


REGISTRY: Registry[Embedder] = Registry("embedder")


def create(settings: Settings) -> Embedder:
    """The embedder named by ``settings.embedder.backend``, wrapped with the disk cache."""
    from rag.models.cache import CachedEmbedder

    inner = REGISTRY.create(settings.embedder.backend, settings)
    if not settings.embedder.cache:
        return inner
    return CachedEmbedder(inner, Path(settings.models_dir) / "cache" / "embeddings.sqlite")


def embedder_id(model: str) -> str:
    preset = EMBEDDER_PRESETS.get(model)
    return f"{model}@{preset.revision}" if preset else model


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded on first use."""

    def __init__(
        self, model: str, path: str, max_seq_length: int = 512, batch_size: int = 16, threads: int | None = None
    ):
        self.id = embedder_id(model)
        self._path = path
        self._max_seq_length = max_seq_length
        self._batch_size = batch_size
        self._threads = threads
        self._model: Lazy[Any] = Lazy(self._load)

    @property
    def model(self) -> Any:  # sentence_transformers.SentenceTransformer
        return self._model.get()

    def _load(self) -> Any:
        import torch
        from sentence_transformers import SentenceTransformer

        if self._threads:
            torch.set_num_threads(self._threads)
        local = os.path.isdir(self._path)
        try:
            model = SentenceTransformer(
                self._path, device="cpu", local_files_only=local or os.environ.get("HF_HUB_OFFLINE") == "1"
            )
        except Exception as exc:  # hub errors, missing files, bad configs
            raise ModelError(
                f"cannot load embedder {self._path!r} ({type(exc).__name__}: {str(exc).splitlines()[0][:160]}) — "
                "run `newsdesk models provision` or set embedder.model to a local sentence-transformers folder"
            ) from exc
        model.max_seq_length = min(self._max_seq_length, model.max_seq_length or self._max_seq_length)
        return model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        prompt = (self.model.prompts or {}).get("document", "")
        return self.model.max_seq_length - 2 - (self.count_tokens(prompt) if prompt else 0)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _encode(self, texts: Sequence[str], prompt_name: str) -> np.ndarray:
        model = self.model
        name = prompt_name if prompt_name in (model.prompts or {}) else None
        vectors = model.encode(
            list(texts),
            prompt_name=name,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "document")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query")


@REGISTRY.register("torch")
def _torch_embedder(settings: Settings) -> Embedder:
    cfg = settings.embedder
    path = resolve_embedder_path(Path(settings.models_dir), cfg.model)
    return SentenceTransformerEmbedder(cfg.model, path, cfg.max_seq_length, cfg.batch_size, cfg.threads)


@REGISTRY.register("openvino-int8")
def _openvino_embedder(settings: Settings) -> Embedder:
    from rag.models.openvino import OpenVINOEmbedder

    cfg = settings.embedder
    path = Path(resolve_embedder_path(Path(settings.models_dir), cfg.model))
    if not path.is_dir():
        raise ModelError(
            f"the openvino-int8 backend needs a local model folder; {cfg.model!r} is not one — provision a preset or "
            f"use backend torch"
        )
    return OpenVINOEmbedder(embedder_id(cfg.model) + INT8_SUFFIX, path, cfg.max_seq_length, cfg.batch_size, cfg.threads)
