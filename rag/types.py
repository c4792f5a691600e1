"""Domain records passed between stages, and the frozen Answer JSON schema.

Stages exchange these small frozen dataclasses, never tuples or loose dicts.
``Answer.to_dict()`` is the documented ``newsdesk ask --json`` format read by
the UI and the evaluation harness; bump ``SCHEMA_VERSION`` on any breaking change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rag.jsonvalues import as_float, as_int, as_str, maybe_int, maybe_str
from rag.text.dates import iso_to_epoch

SCHEMA_VERSION = 1
INT8_SUFFIX = "+ov-int8"  # an embedder id's suffix for its int8 build


def vector_space(embedder_id: str) -> str:
    """The model an embedder id names, without the suffix of its int8 build.

    The int8 build writes vectors in the model's own space (cosine ≥ 0.997 to fp32), so an
    index built by either can be read and extended by the other.
    """
    return embedder_id.removesuffix(INT8_SUFFIX)


@dataclass(frozen=True)
class Message:
    """One chat message: ``system``, ``user`` or ``assistant``."""

    role: str
    content: str


@dataclass(frozen=True)
class Article:
    """One news article, cleaned, with its metadata and content hash."""

    id: str
    title: str
    text: str
    date: str | None = None
    source: str = ""
    url: str | None = None
    lang: str = ""
    authors: tuple[str, ...] = ()
    content_hash: str = ""

    @property
    def epoch(self) -> int | None:
        return iso_to_epoch(self.date)


@dataclass(frozen=True)
class Chunk:
    """A passage of an article; ``id`` is ``{article_id}:{n}``.

    ``start``/``end`` are character offsets of ``text`` in the article text;
    ``header`` (title, date, source) is prepended for embedding and display.
    """

    id: str
    article_id: str
    n: int
    text: str
    start: int
    end: int
    header: str = ""
    title: str = ""
    date: str | None = None
    source: str = ""
    url: str | None = None
    lang: str = ""
    content_hash: str = ""

    @property
    def epoch(self) -> int | None:
        return iso_to_epoch(self.date)

    @property
    def embed_text(self) -> str:
        return f"{self.header}\n{self.text}" if self.header else self.text


@dataclass(frozen=True)
class Filters:
    """Restrictions on what retrieval may return; empty fields restrict nothing."""

    since: str | None = None  # ISO date or date-time, inclusive
    until: str | None = None  # ISO date or date-time, exclusive
    sources: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    exclude_article_ids: tuple[str, ...] = ()
    undated: bool = False  # with since/until: articles without a date pass too (dates read in a question)
    relaxed: bool = False  # the dates read in the question were dropped: nothing relevant was found within them

    def is_empty(self) -> bool:
        return not (
            self.since or self.until or self.sources or self.langs or self.article_ids or self.exclude_article_ids
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items() if v}


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its scores from each retriever (None = not found there)."""

    chunk: Chunk
    fused: float
    dense: float | None = None
    bm25: float | None = None
    relevance: float | None = None  # dense similarity as a z-score above chance (see relevance.py)

    def to_dict(self) -> dict:
        return {
            "chunk_id": self.chunk.id,
            "article_id": self.chunk.article_id,
            "title": self.chunk.title,
            "dense": self.dense,
            "bm25": self.bm25,
            "fused": self.fused,
            "relevance": self.relevance,
        }


@dataclass(frozen=True)
class StoryInfo:
    """The story a cited article belongs to: its id (first article), how many articles, which sources and languages."""

    id: str
    articles: int
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Citation:
    """Passage ``n`` of the prompt, mapped back to its article and span."""

    n: int
    article_id: str
    chunk_id: str
    title: str
    date: str | None
    source: str
    url: str | None
    passage: str
    start: int
    end: int
    support: float
    highlight_start: int | None = None
    highlight_end: int | None = None
    lang: str | None = None  # the article's language
    story: StoryInfo | None = None  # when the article's story holds other articles


@dataclass(frozen=True)
class Sentence:
    """One sentence of the answer and the passages that support it."""

    text: str
    citations: tuple[int, ...] = ()
    supported: bool = False


@dataclass(frozen=True)
class Retrieval:
    """What retrieval did: the (rewritten) query, active filters, ranked hits."""

    query: str
    filters: dict = field(default_factory=dict)
    hits: tuple[Hit, ...] = ()


@dataclass(frozen=True)
class Answer:
    """The result of one question, as shown by the CLI, the UI and the evals."""

    question: str
    language: str
    answer: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    sentences: tuple[Sentence, ...] = ()
    retrieval: Retrieval = field(default_factory=lambda: Retrieval(query=""))
    timings: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    model: str = ""
    stopped: bool = False  # the reader stopped it: the sentences checked until then
    draft: str = ""  # what the model wrote, before the check
    passages: tuple[Citation, ...] = ()  # every passage the model was shown, numbered as in the prompt

    def corroborated(self) -> list[tuple[int, ...]]:
        """The citations of each shown sentence that come from one story through several sources."""
        by_n = {c.n: c for c in self.citations}
        out = []
        for s in self.sentences:
            cited = [by_n[n] for n in s.citations if n in by_n and by_n[n].story]
            for story in dict.fromkeys(c.story.id for c in cited if c.story):
                same = [c for c in cited if c.story and c.story.id == story]
                if s.supported and len({c.source for c in same}) >= 2:
                    out.append(tuple(c.n for c in same))
        return out

    def to_dict(self) -> dict:
        """The frozen JSON schema (see README, "Answer JSON")."""
        return {
            "schema_version": SCHEMA_VERSION,
            "question": self.question,
            "language": self.language,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [asdict(c) for c in self.citations],
            "sentences": [
                {"text": s.text, "citations": list(s.citations), "supported": s.supported} for s in self.sentences
            ],
            "retrieval": {
                "query": self.retrieval.query,
                "filters": dict(self.retrieval.filters),
                "hits": [h.to_dict() for h in self.retrieval.hits],
            },
            "timings": {
                "retrieval_ms": self.timings.get("retrieval_ms"),
                "ttft_s": self.timings.get("ttft_s"),
                "total_s": self.timings.get("total_s"),
                "first_sentence_s": self.timings.get("first_sentence_s"),
            },
            "tokens": {
                "prompt": self.tokens.get("prompt"),
                "completion": self.tokens.get("completion"),
            },
            "model": self.model,
            "stopped": self.stopped,
            "draft": self.draft,
            "passages": [asdict(p) for p in self.passages],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """An Answer from its JSON form (hits left out), every field type-checked: saved
        conversations come from disk and from backups, and reach the page; raises ValueError."""
        citations = tuple(_citation(c) for c in data.get("citations") or [])
        passages = tuple(_citation(c) for c in data.get("passages") or [])
        sentences = tuple(
            Sentence(as_str(s["text"]), tuple(as_int(n) for n in s.get("citations") or []), bool(s["supported"]))
            for s in data.get("sentences") or []
        )
        retrieval = data.get("retrieval") or {}
        filters = retrieval.get("filters") or {}
        if not isinstance(filters, dict):
            raise ValueError("filters must be an object")
        return cls(
            question=as_str(data["question"]),
            language=as_str(data["language"]),
            answer=as_str(data["answer"]),
            refused=bool(data["refused"]),
            citations=citations,
            sentences=sentences,
            retrieval=Retrieval(query=as_str(retrieval.get("query", "")), filters=filters),
            timings=dict(data.get("timings") or {}),
            tokens=dict(data.get("tokens") or {}),
            model=as_str(data.get("model", "")),
            stopped=bool(data.get("stopped", False)),
            draft=as_str(data.get("draft", "")),
            passages=passages,
        )


def _citation(c: dict[str, Any]) -> Citation:
    return Citation(
        n=as_int(c["n"]),
        article_id=as_str(c["article_id"]),
        chunk_id=as_str(c["chunk_id"]),
        title=as_str(c["title"]),
        date=maybe_str(c.get("date")),
        source=as_str(c["source"]),
        url=maybe_str(c.get("url")),
        passage=as_str(c["passage"]),
        start=as_int(c["start"]),
        end=as_int(c["end"]),
        support=as_float(c["support"]),
        highlight_start=maybe_int(c.get("highlight_start")),
        highlight_end=maybe_int(c.get("highlight_end")),
        lang=maybe_str(c.get("lang")),
        story=_story(c.get("story")),
    )


def _story(s: Any) -> StoryInfo | None:
    if not s:
        return None
    sources, languages = (tuple(as_str(x) for x in s.get(key) or []) for key in ("sources", "languages"))
    return StoryInfo(as_str(s["id"]), as_int(s["articles"]), sources, languages)
