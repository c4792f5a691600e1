"""One typed settings tree: a section per concern, a description on every field.

Loaded once, in the entry point, by ``config.load_settings`` (defaults <
``newsdesk.toml`` < ``NEWSDESK_*`` environment < CLI flags), which records
where each value came from (``newsdesk config``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "NEWSDESK_"
# Shortcut variables: name -> dotted setting path.
ENV_SHORTCUTS = {
    "NEWSDESK_STORE_URL": "store.url",
    "NEWSDESK_UI_AUTH": "ui.auth",
    "NEWSDESK_API_KEY": "ui.api_key",
    "OLLAMA_HOST": "llm.ollama_host",
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class StoreSettings(_Section):
    url: str | None = Field(None, description="Chroma server URL (http://host:port); empty = embedded store in the "
        "data directory (single process only)")  # fmt: skip
    collection: str = Field("newsdesk", description="Name prefix of the Chroma collections")
    batch_size: int = Field(
        256, ge=1, le=5000, description="Chunks written to Chroma per call (50-500 is Chroma's sweet spot)"
    )
    write_lease_s: float = Field(
        600.0,
        gt=0,
        description="Seconds a writer's unfinished batch stays reserved on a Chroma server before another writer may "
        "undo it as abandoned",
    )
    hnsw_ef_search: int = Field(
        400,
        ge=10,
        le=10000,
        description=(
            "Breadth of Chroma's HNSW search: higher finds more of the true nearest chunks, slower (at "
            "Chroma's 100, ~2% of the true top 5 were missed)"
        ),
    )
    hnsw_max_neighbors: int = Field(
        32,
        ge=4,
        le=128,
        description="Links per vector in Chroma's HNSW graph (set when the store is created; `newsdesk reindex` "
        "applies a change)",
    )
    hnsw_ef_construction: int = Field(
        200,
        ge=10,
        le=10000,
        description="Breadth of the search that builds Chroma's HNSW graph (set when the store is created)",
    )


class EmbedderSettings(_Section):
    model: str = Field(
        "multilingual-e5-small", description="Embedder preset, sentence-transformers model id, or local folder"
    )
    backend: str = Field(
        "openvino-int8",
        description="Inference backend for the embedder: openvino-int8 (about 3x faster) or torch (fp32)",
    )
    batch_size: int = Field(16, ge=1, le=1024, description="Texts per encoder call")
    max_seq_length: int = Field(
        512, ge=16, le=8192, description="Token window of the encoder; chunks are sized to fit it"
    )
    threads: int | None = Field(None, ge=1, description="CPU threads for the encoder (empty = all cores)")
    cache: bool = Field(True, description="Keep document vectors on disk by text, so nothing is embedded twice")


class LLMSettings(_Section):
    backend: str = Field(
        "auto",
        description=(
            "auto | llamacpp | ollama | openai (auto: configured server > reachable Ollama > embedded llama.cpp)"
        ),
    )
    model: str = Field(
        "qwen2.5-coder-1.5b-instruct", description="Embedded llama.cpp model: preset name or path to a GGUF file"
    )
    ollama_host: str | None = Field(None, description="Ollama server (host:port or URL); also read from OLLAMA_HOST")
    ollama_model: str = Field("qwen2.5:7b", description="Model name on the Ollama server")
    openai_base_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible server (vLLM, llama.cpp server, Ollama /v1)"
    )
    openai_model: str = Field("default", description="Model name on the OpenAI-compatible server")
    openai_api_key: str = Field("none", description="API key for the OpenAI-compatible server")
    context_window: int = Field(
        4096, ge=512, le=131072, description="Context window in tokens; prompts are fitted to it"
    )
    max_tokens: int = Field(224, ge=16, le=8192, description="Maximum tokens generated per answer")
    temperature: float = Field(0.1, ge=0.0, le=2.0, description="Sampling temperature")
    timeout_s: float = Field(180.0, gt=0, description="Seconds to wait for a model server")
    threads: int | None = Field(None, ge=1, description="CPU threads for the embedded model (empty = all cores)")
    seed: int = Field(0, description="Sampling seed for reproducible answers")
    # English questions on corpus/'s French articles: direct 8.4 s to first token, 0.56 contains; translate 18.9 s, 0.44
    cross_lingual: Literal["translate", "direct"] = Field(
        "direct",
        description="When the passages are in another language than the question: answer directly (direct), "
        "or answer in theirs, then translate (translate)",
    )


class ChunkingSettings(_Section):
    target_tokens: int = Field(256, ge=16, le=4096, description="Target chunk size in embedder tokens")
    overlap_tokens: int = Field(
        32, ge=0, le=1024, description="Overlap between consecutive chunks, in whole sentences up to this many tokens"
    )


class IngestSettings(_Section):
    max_file_mb: float = Field(50.0, gt=0, description="Largest file accepted for ingestion, in MB")
    max_article_chars: int = Field(
        2_000_000, gt=0, description="Longest article text accepted, in characters (a long news article is ~50,000)"
    )
    fetch_timeout_s: float = Field(20.0, gt=0, description="Time limit for fetching a web page or feed")
    max_fetch_mb: float = Field(10.0, gt=0, description="Largest web page or feed fetched, in MB")
    allow_private_urls: bool = Field(False, description="Allow fetching from loopback and private network addresses")
    max_feed_entries: int = Field(
        50,
        ge=1,
        le=10000,
        description="New entries taken from one feed per update (the rest come with the next update)",
    )
    feed_budget_s: float = Field(
        300.0,
        gt=0,
        description=(
            "Seconds one feed's update may spend fetching its entries' pages (the rest come with the next update)"
        ),
    )


class RetrievalSettings(_Section):
    top_k: int = Field(2, ge=1, le=50, description="Passages given to the model")
    dense_k: int = Field(40, ge=1, le=1000, description="Candidates from the dense (Chroma) retriever")
    bm25_k: int = Field(40, ge=1, le=1000, description="Candidates from the BM25 retriever")
    fusion: Literal["zscore", "rrf"] = Field(
        "zscore", description="How dense and BM25 rankings are combined: z-normalised scores, or reciprocal ranks"
    )
    dense_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="Weight of the dense scores in z-score fusion (BM25 gets the rest)"
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant (fusion = rrf)")
    bm25_cross_lingual_weight: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description=(
            "BM25's fusion weight for chunks not in the question's language, where it reads only the question's "
            "names and numbers (0 = BM25 only in the question's language; 0.5 measured no better on the NTREX sets)"
        ),
    )
    llm_rewrite: bool = Field(
        False,
        description=(
            "Let the model rewrite follow-up questions into stand-alone ones (better, a few seconds slower on CPU)"
        ),
    )
    rerank: Literal["none", "embedder", "cross-encoder"] = Field(
        "none", description="Optional second stage over the top hits (seconds per question on CPU)"
    )
    rerank_model: str = Field(
        "embeddinggemma-300m",
        description="Reranker: the embeddinggemma-300m preset, a sentence-transformers model, or a cross-encoder",
    )
    rerank_depth: int = Field(10, ge=2, le=100, description="Hits rescored by the second stage")
    rerank_weight: float = Field(0.5, ge=0.0, le=1.0, description="Weight of the second-stage score against the first")
    min_relevance: float = Field(
        3.0,
        description="Refuse without asking the model when no passage's similarity stands this many standard deviations "
        "above chance (calibrated: ~3% of answerable piaf_dev questions fall below 3)",
    )
    require_names: bool = Field(
        True,
        description="Refuse without asking the model when a name of the question (a person, place, treaty…) appears in "
        "none of the relevant passages",
    )
    # 600 piaf_dev questions, 30% unanswerable: 0.33 refuses 0.45 of the unanswerable ones before the model (0.26
    # without) and 0.13 of the answerable ones (0.04 without; those are seldom answered right after)
    min_coverage: float = Field(
        0.33, ge=0.0, le=1.0, description="Refuse without asking the model when no relevant passage in the question's "
        "language holds this share of its words; an answer rests only on a passage that does, and one that does not "
        "is left out of the prompt when another does (0: off)"
    )  # fmt: skip
    first_words: float = Field(
        0.75, ge=0.0, le=1.0, description="The passage ranked first is relevant below min_relevance when it stands "
        "above chance, names every name of the question and holds this share of its words (at least 3; 0: off)"
    )  # fmt: skip
    passage_tokens: int = Field(150, ge=32, le=2048, description="Longest passage shown to the model, in its tokens "
        "(the most relevant sentences of a chunk; the section title it starts at is not counted)")  # fmt: skip
    later_passage_tokens: int = Field(70, ge=32, le=2048, description="Longest passage shown after the first (the "
        "first answers most questions; each token shown delays the answer ~18 ms on two cores)")  # fmt: skip
    reference_date: date | None = Field(None, description="Date that 'today' means in questions (empty = today)")


class AnswerSettings(_Section):
    max_sentences: int = Field(3, ge=1, le=20, description="Most sentences shown in an answer (each checked first)")
    verify: bool = Field(
        True,
        description="Ask the model whether the passage states each sentence the support check lets through (when it "
        "does not, show the passage sentence it paraphrases instead, quoted or translated, if that passage holds a "
        "share of the question's words and all its names) and whether a quote answers the question",
    )
    # evals/support.jsonl: sentences about something else than the question 0.9-3.5, supported ones 4.7-15
    topic_relevance: float = Field(
        4.0,
        description="A sentence is kept only if its similarity to the question reaches this (standard deviations "
        "above chance): a true sentence about something else does not answer",
    )
    # corpus/: passages for questions it cannot answer peak at 4.7-5.0 (±0.3 between machines), answered 6-17
    quote_relevance: float = Field(6.0, description="When no sentence of the model is supported, quote the best "
        "passage instead of refusing if its relevance (standard deviations above chance) reaches this")  # fmt: skip
    quote_words: float = Field(
        0.75, ge=0.0, le=1.0, description="Below quote_relevance, quote a sentence of another relevant passage in the "
        "question's language holding this share of the question's words under its titles (0: off)"
    )  # fmt: skip


class UISettings(_Section):
    host: str = Field("127.0.0.1", description="Address the web chat binds to")
    port: int = Field(7860, ge=1, le=65535, description="Port of the web chat")
    auth: str | None = Field(None, description="user:password, or a file of such lines, to require a login")
    allow_anonymous: bool = Field(False, description="Serve beyond loopback without ui.auth (behind a login proxy)")
    api_key: str | None = Field(None, description="Bearer token the OpenAI-compatible /v1 endpoints require")
    concurrency: int = Field(1, ge=1, le=64, description="Questions answered at once; the others wait in a queue")
    upload_limit_mb: float = Field(50.0, gt=0, description="Largest file accepted by the web upload, in MB")


class Settings(BaseSettings):
    """Effective configuration of one Newsdesk process."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid")

    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("newsdesk")),
        description="Store, catalogue, feeds and conversations",
    )
    models_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("newsdesk")) / "models",
        description="Provisioned model files and the embedding cache, shared by all data directories",
    )
    store: StoreSettings = Field(default_factory=StoreSettings)
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    ui: UISettings = Field(default_factory=UISettings)

    _origins: dict[str, str] = PrivateAttr(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        # load_settings() merges the layers itself so that it can report origins.
        return (init_settings,)

    def origin(self, path: str) -> str:
        """Where the value at dotted ``path`` came from."""
        return self._origins.get(path, "default")

    def describe(self) -> list[dict[str, Any]]:
        """Every leaf setting with its value, origin and description."""
        rows = []
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            if isinstance(value, BaseModel):
                for sub, subinfo in type(value).model_fields.items():
                    path = f"{name}.{sub}"
                    rows.append(_row(path, getattr(value, sub), self.origin(path), subinfo.description))
            else:
                rows.append(_row(name, value, self.origin(name), info.description))
        return rows


def _row(path: str, value: Any, origin: str, description: str | None) -> dict[str, Any]:
    if isinstance(value, (Path, date)):
        value = str(value)
    if path in {"ui.auth", "ui.api_key", "llm.openai_api_key"} and value not in (None, "none"):
        value = "***"
    return {"key": path, "value": value, "origin": origin, "description": description or ""}
