"""The support check measured on a labelled set (``--mode support``).

Each item is a sentence a model really wrote in an answer, with the question
and the passages it was shown, labelled by a reader: ``supported`` when one
of the passages states it (same subject, same claim, nothing overstated) and
it answers the question; else ``unsupported``. The check under test decides
from the same inputs; precision (of the sentences it lets through), recall
(of the supported ones) and the share of unsupported sentences it catches
come with bootstrap intervals like every metric.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.answer.citations import SentenceCitations, attribute, marker_numbers, strip_markers
from rag.answer.passages import Passage
from rag.answer.support import SupportScorer
from rag.answer.verify import Verifier, evidence
from rag.errors import ConfigError
from rag.evals.questions import Question
from rag.types import Chunk

if TYPE_CHECKING:
    from rag.pipeline import Pipeline

LABELS = ("supported", "unsupported")


@dataclass(frozen=True)
class Item:
    id: str
    question: str
    lang: str
    sentence: str  # as the model wrote it, with its markers
    passages: tuple[Passage, ...]
    supported: bool
    why: str = ""  # the reader's reason, for unsupported sentences (inverted, overstated, not stated, off topic)

    def as_question(self) -> Question:
        return Question(self.id, self.question, self.lang, kind=self.why or "supported")


def _passage(n: int, data: dict[str, Any]) -> Passage:
    text = str(data["text"])
    chunk = Chunk(
        id=f"p{n}", article_id=f"p{n}", n=0, text=text, start=0, end=len(text), title=str(data.get("title") or ""),
        lang=str(data.get("lang") or ""),
    )  # fmt: skip
    return Passage(chunk, text, 0, len(text))


def load_items(path: Path) -> list[Item]:
    """Labelled sentences from a JSONL file; a bad line is a one-line error."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if data["label"] not in LABELS:
                raise ValueError(f"label must be one of {', '.join(LABELS)}")
            passages = tuple(_passage(n, p) for n, p in enumerate(data["passages"], 1))
            items.append(
                Item(
                    str(data["id"]),
                    str(data["question"]),
                    str(data["lang"]),
                    str(data["sentence"]),
                    passages,
                    data["label"] == "supported",
                    str(data.get("why") or ""),
                )  # fmt: skip
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}:{number}: not a labelled sentence ({exc}) — see evals/README.md") from None
    if not items:
        raise ConfigError(f"{path} holds no labelled sentences")
    return items


class Check:
    """The pipeline's support check, as it decides on one sentence and the passages the model was shown."""

    def __init__(self, pipeline: Pipeline):
        from rag.retrieve.relevance import Background

        self.embedder = pipeline.embedder
        self.background = Background(self.embedder)
        self.llm = pipeline.llm if pipeline.settings.answer.verify else None
        self.min_topic = pipeline.settings.answer.topic_relevance

    def __call__(self, item: Item) -> tuple[bool, float]:
        scorer = SupportScorer(self.embedder, item.passages, item.lang, self.background, item.question, self.min_topic)
        cited = tuple(dict.fromkeys(marker_numbers(item.sentence)))
        (checked,) = attribute([SentenceCitations(item.sentence, cited)], len(item.passages), scorer)
        best = max((scorer(strip_markers(item.sentence), n) for n in range(1, len(item.passages) + 1)), default=0.0)
        if checked.supported and self.llm is not None:  # the second opinion, as the answer's draft asks it
            n = checked.citations[0]
            extract = evidence(item.passages[n - 1], scorer.highlight(checked.text, n), checked.text, item.question)
            return Verifier(self.llm, item.lang)(checked.text, extract, item.passages[n - 1].chunk.lang), best
        return checked.supported, best


def support_row(item: Item, check: Check) -> dict[str, Any]:
    predicted, score = check(item)
    scores = {"support_accuracy": float(predicted == item.supported)}
    if predicted:
        scores["support_precision"] = float(item.supported)
    if item.supported:
        scores["support_recall"] = float(predicted)
    else:
        scores["unsupported_caught"] = float(not predicted)
    return {
        "sentence": item.sentence,
        "label": item.supported,
        "predicted": predicted,
        "support": score,
        "scores": scores,
    }
