"""The steps of a streamed answer (``Pipeline.ask_stream``): retrieval done, each checked sentence, the answer."""

from __future__ import annotations

from dataclasses import dataclass

from rag.types import Answer, Retrieval


@dataclass(frozen=True)
class RetrievalEvent:
    """Retrieval is done: what was searched and found."""

    retrieval: Retrieval


@dataclass(frozen=True)
class SentenceEvent:
    """One more sentence of the answer, checked against the passages before it is shown.

    ``text`` is the sentence with its citation markers; ``partial`` is the answer so far (what stays on screen,
    marked stopped, if the reader stops the answer now).
    """

    text: str
    partial: Answer


@dataclass(frozen=True)
class AnswerEvent:
    """The checked answer; always the last event."""

    answer: Answer


Event = RetrievalEvent | SentenceEvent | AnswerEvent
