"""Retrieval presets the evaluation compares: the obvious builds beside the product.

- ``bm25``: BM25 alone; ``dense``: the embedder alone (same index, same chunks);
- ``rrf``: plain reciprocal rank fusion of the two (equal weights, k=60);
- ``naive-llamaindex``: llama-index's ``VectorStoreIndex`` with its default
  splitter and top-k, on the same embedder;
- ``default``: the product's retriever with the run's settings.

Each returns chunk hits, best first; the harness ranks articles by their best chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rag.retrieve.fusion import RRF_K, Ranked, fuse
from rag.types import Article, Filters, Hit

if TYPE_CHECKING:
    from rag.models.embedders import Embedder
    from rag.models.llms import LLM
    from rag.pipeline import Pipeline

EVAL_PRESETS = ("bm25", "dense", "rrf", "naive-llamaindex", "default")
EVAL_DEPTH = 50  # chunk hits asked of each preset, so that ten distinct articles can be ranked


def _bm25(pipeline: Pipeline, query: str, lang: str, filters: Filters | None) -> list[Hit]:
    found = pipeline.retriever.candidates(query, lang, filters)
    return pipeline.retriever.assemble(found, [(id, s) for id, s, _ in found.lexical][:EVAL_DEPTH])


def _dense(pipeline: Pipeline, query: str, lang: str, filters: Filters | None) -> list[Hit]:
    found = pipeline.retriever.candidates(query, lang, filters)
    return pipeline.retriever.assemble(found, [(c.id, s) for c, s in found.dense][:EVAL_DEPTH])


def _rrf(pipeline: Pipeline, query: str, lang: str, filters: Filters | None) -> list[Hit]:
    found = pipeline.retriever.candidates(query, lang, filters)
    rankings = {
        "dense": Ranked(tuple(c.id for c, _ in found.dense), ()),
        "bm25": Ranked(tuple(i for i, _, _ in found.lexical), ()),
    }
    return pipeline.retriever.assemble(found, fuse(rankings, RRF_K)[:EVAL_DEPTH])


def _default(pipeline: Pipeline, query: str, lang: str, filters: Filters | None) -> list[Hit]:
    return pipeline.retriever.search(query, lang, filters, k=EVAL_DEPTH)


SIMPLE: dict[str, Callable] = {"bm25": _bm25, "dense": _dense, "rrf": _rrf, "default": _default}


class LlamaIndexEmbedding:
    """Our embedder as a llama-index ``BaseEmbedding`` (built lazily: llama-index is heavy)."""

    @staticmethod
    def create(embedder: Embedder) -> Any:
        from llama_index.core.base.embeddings.base import BaseEmbedding
        from pydantic import PrivateAttr

        class Adapter(BaseEmbedding):
            _inner: Any = PrivateAttr()

            def __init__(self, inner: Any, **kwargs: Any):
                super().__init__(model_name=inner.id, embed_batch_size=32, **kwargs)
                self._inner = inner

            def _get_query_embedding(self, query: str) -> list[float]:
                return self._inner.embed_queries([query])[0].tolist()

            async def _aget_query_embedding(self, query: str) -> list[float]:
                return self._get_query_embedding(query)

            def _get_text_embedding(self, text: str) -> list[float]:
                return self._inner.embed_documents([text])[0].tolist()

            def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
                return [v.tolist() for v in self._inner.embed_documents(texts)]

        return Adapter(embedder)


class LlamaIndexLLM:
    """Our LLM as a llama-index ``CustomLLM``: the baseline answers with the very model the product uses."""

    @staticmethod
    def create(llm: LLM, max_tokens: int = 384) -> Any:
        from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
        from llama_index.core.llms.callbacks import llm_completion_callback
        from pydantic import PrivateAttr

        from rag.types import Message

        class Adapter(CustomLLM):
            _inner: Any = PrivateAttr()

            def __init__(self, inner: Any, **kwargs: Any):
                super().__init__(**kwargs)
                self._inner = inner

            @property
            def metadata(self) -> LLMMetadata:
                return LLMMetadata(
                    context_window=self._inner.context_window, num_output=max_tokens, model_name=self._inner.name
                )

            @llm_completion_callback()
            def complete(self, prompt: str, formatted: bool = False, **kwargs) -> CompletionResponse:
                return CompletionResponse(text="".join(self._inner.stream([Message("user", prompt)], max_tokens)))

            @llm_completion_callback()
            def stream_complete(self, prompt: str, formatted: bool = False, **kwargs):
                text = ""
                for delta in self._inner.stream([Message("user", prompt)], max_tokens):
                    text += delta
                    yield CompletionResponse(text=text, delta=delta)

        return Adapter(llm)


class NaiveLlamaIndex:
    """``VectorStoreIndex`` with llama-index's defaults (SentenceSplitter 1024/200 tokens, top-k 2).

    The splitter counts tokens with the embedder's tokenizer: llama-index's own
    default (tiktoken) downloads its vocabulary, which is impossible offline.
    """

    def __init__(self, articles: Sequence[Article], embedder: Embedder):
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        self.embed_model = LlamaIndexEmbedding.create(embedder)
        splitter = SentenceSplitter(tokenizer=lambda text: [0] * embedder.count_tokens(text))  # only its length is used
        documents = [
            Document(text=a.text, doc_id=a.id, metadata={"title": a.title, "date": a.date or "", "source": a.source})
            for a in articles
        ]
        self.index = VectorStoreIndex.from_documents(
            documents, embed_model=self.embed_model, transformations=[splitter]
        )
        self.retriever = self.index.as_retriever()

    def search(self, query: str) -> list[tuple[str, float]]:
        """(article id, score) of the nodes llama-index returns, best first."""
        return [(n.node.ref_doc_id or "", float(n.score or 0.0)) for n in self.retriever.retrieve(query)]

    def answer(self, query: str, llm: Any) -> str:
        engine = self.index.as_query_engine(llm=llm, embed_model=self.embed_model)
        return str(engine.query(query))
