"""Citation markers in answers: parsing, validation, and attribution by support.

Pure functions. The model is asked to end sentences with ``[n]`` markers
(``[1]``, ``[1, 3]``, ``[1][2]``). Markers that name no passage are removed,
never shown. Each sentence is then checked against the passages: a cited
passage that does not support the sentence is replaced by the one that does
(off-by-one citations), uncited sentences get their best-supporting passage,
and sentences nothing supports are marked unsupported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.text.sentences import split_sentences

MARKER = re.compile(r"\[\s*(\d+(?:\s*(?:[,;]|\band\b|\bet\b)\s*\d+)*)\s*\]")
# "[1]" placed after the full stop belongs to the sentence before it.
_TRAILING_MARKERS = re.compile(r"([.!?…])((?:[ \t]*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+)")
SUPPORT_THRESHOLD = 0.5


def marker_numbers(text: str) -> list[int]:
    """Every passage number cited in ``text``, in order, with repeats."""
    return [int(n) for m in MARKER.finditer(text) for n in re.findall(r"\d+", m.group(1))]


def strip_markers(text: str) -> str:
    """The text without any citation markers, nor a comma they leave before the final stop ("en 1947, [1].")."""
    text = re.sub(r"\s*" + MARKER.pattern, "", text).strip()  # French spacing before "?", ":"… is kept
    return re.sub(r"\s*[,;]+\s*(?=[.!?…]+$)", "", text)


def keep_valid_markers(text: str, valid: Sequence[int]) -> str:
    """Drop numbers that map to no passage; drop markers left empty, with the space before them."""
    allowed = set(valid)

    def repl(match: re.Match) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(2))]
        kept = [n for n in dict.fromkeys(numbers) if n in allowed]
        return match.group(1) + "".join(f"[{n}]" for n in kept) if kept else ""

    text = re.sub(r"[ \t]{2,}", " ", re.sub(r"([ \t]*)" + MARKER.pattern, repl, text))
    return re.sub(r"[ \t]+([.,…])", r"\1", text).strip()  # French spacing before "?", "!", ":", ";" stays


def _move_trailing_markers(text: str) -> str:
    return _TRAILING_MARKERS.sub(lambda m: f"{m.group(2).strip()}{m.group(1)}", text)


@dataclass(frozen=True)
class SentenceCitations:
    text: str  # the sentence as shown, with its markers
    cited: tuple[int, ...]


def sentences_with_markers(answer: str) -> list[SentenceCitations]:
    """Split an answer into sentences and collect each sentence's markers."""
    answer = _move_trailing_markers(answer)
    out: list[SentenceCitations] = []
    for start, end in split_sentences(answer):
        sentence = answer[start:end]
        numbers = tuple(dict.fromkeys(marker_numbers(sentence)))
        if not re.search(r"\w", strip_markers(sentence)):
            if out and numbers:  # a lone "[2]" line: attach to the previous sentence
                prev = out[-1]
                out[-1] = SentenceCitations(f"{prev.text} {sentence}", tuple(dict.fromkeys(prev.cited + numbers)))
            continue
        out.append(SentenceCitations(sentence, numbers))
    return out


@dataclass(frozen=True)
class Attributed:
    text: str
    citations: tuple[int, ...]
    supported: bool
    support: dict[int, float]  # passage number -> support score of this sentence


def attribute(
    sentences: Sequence[SentenceCitations],
    n_passages: int,
    support: Callable[[str, int], float],
    threshold: float = SUPPORT_THRESHOLD,
) -> list[Attributed]:
    """Check each sentence against the passages and fix or add its citations.

    ``support(sentence_without_markers, n)`` scores how well passage ``n``
    (1-based) supports the sentence, in [0, 1].
    """
    out = []
    for sent in sentences:
        plain = strip_markers(sent.text)
        scores = {n: support(plain, n) for n in range(1, n_passages + 1)}
        cited = [n for n in sent.cited if 1 <= n <= n_passages]
        good = [n for n in cited if scores[n] >= threshold]
        best = max(scores, key=lambda n: scores[n]) if scores else None
        if not good and best is not None and scores[best] >= threshold:
            good = [best]  # uncited, or cited the wrong passage
        out.append(Attributed(plain, tuple(good), bool(good), {n: scores[n] for n in good}))
    return out


def render_answer(attributed: Sequence[Attributed]) -> str:
    """The answer text with exactly the verified markers."""
    parts = []
    for a in attributed:
        marks = "".join(f"[{n}]" for n in a.citations)
        text = a.text
        if marks:
            m = re.search(r"[.!?…]+$", text)  # after a closing quote, the marker follows the quote
            text = f"{text[: m.start()]} {marks}{text[m.start() :]}" if m else f"{text} {marks}"
        parts.append(text)
    return " ".join(parts)
