"""The steps of a streamed answer (``Pipeline.ask_stream``): retrieval done, text as it comes, a reset, the answer."""

from __future__ import annotations

from dataclasses import dataclass

from rag.types import Answer, Retrieval


@dataclass(frozen=True)
class RetrievalEvent:
    """Retrieval is done: what was searched and found."""

    retrieval: Retrieval


@dataclass(frozen=True)
class TokenEvent:
    """More text of the answer as the model writes it."""

    text: str


@dataclass(frozen=True)
class ResetEvent:
    """Forget the text so far: a rewrite follows (the model drifted from the question's language)."""

    reason: str


@dataclass(frozen=True)
class AnswerEvent:
    """The checked answer; always the last event."""

    answer: Answer


Event = RetrievalEvent | TokenEvent | ResetEvent | AnswerEvent
