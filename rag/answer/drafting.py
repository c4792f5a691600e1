"""The answer as the model writes it, checked one sentence at a time before anything is shown.

A sentence is taken once the next one has begun (or the stream has ended): its
copied scaffolding is removed (a sentence that was nothing else is counted: the
model has not said the passages do not tell, and a quote may stand for its
answer), and it is kept only when a passage supports it. Sentences no passage
supports are left out (and counted); sentences saying the passages do not tell,
copies of the instructions' example, repeats and a final fragment cut by the
length limit are dropped, and so is a sentence resting only on
a passage sentence the answer quotes already. The first sentence shown gives the
kind of thing the question asks for (a time, a year, a number, a measure: ``askedkinds``),
as a quote must, and rests on a passage extract that answers the question in the second opinion's
view (``verify.read_for_answer``); one that does not is dropped. Once ``max_sentences`` sentences
are kept the draft is full and generation can stop; so it is when the first
sentence drifts from the question's language or echoes the example (the model
is then asked again).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from rag.answer.citations import (
    SUPPORT_THRESHOLD,
    Attributed,
    SentenceCitations,
    attribute,
    keep_valid_markers,
    marker_numbers,
    sentences_with_markers,
)
from rag.answer.passages import Passage
from rag.answer.quoting import Quote, addresses, addressing, as_read, quote_text
from rag.answer.shape import (
    copies_example,
    is_closed,
    is_refusal,
    language_drifted,
    only_cites_sources,
    restates_question,
    same_text,
    source_names,
    strip_scaffolding,
    untranslated,
)
from rag.answer.support import SupportScorer
from rag.answer.verify import evidence, read_for_answer
from rag.text.askedkinds import fits, kind
from rag.text.numbers import numbers, stated_numbers

LEADING_MARKERS = re.compile(r"^\s*(?:\[\s*\d+\s*\]\s*)+")
OPINIONS = 2  # passages the second opinion reads for one sentence, at most
SPARE_SENTENCES = 3  # sentences the model may write beyond max_sentences before it is stopped


@dataclass
class Draft:
    lang: str
    passages: Sequence[Passage]
    scorer: SupportScorer
    max_sentences: int = 3
    raw: str = ""
    kept: list[Attributed] = field(default_factory=list)
    left_out: list[Attributed] = field(default_factory=list)  # sentences no passage supports
    refusals: int = 0  # sentences saying the passages do not tell
    drifted: bool = False  # the first sentence is not in the question's language
    cut: bool = False  # the last sentence was cut by the length limit
    copied: int = 0  # sentences that only restate the instructions' example
    beside: int = 0  # first sentences without the time or number asked for, or no answer in their extract
    said_nothing: int = 0  # sentences that were a copied passage header, title or file name, or the question
    # A second opinion: (sentence, passage extract, the extract's language) -> the extract states it.
    verify: Callable[[str, str, str], bool] | None = None
    # The passage's sentence said in the answer's language, checked (None when the translation does not pass).
    translate: Callable[[str, Passage], Attributed | None] | None = None
    restated: int = 0  # sentences the second opinion rejected, shown as the passage sentence they paraphrase
    restatable_from: frozenset[int] | None = None  # passages a rejected sentence may be restated from (None: all)
    question: str = ""  # what a quote must address (none: any quote does)
    # A second opinion on a quote: (question, the quote as the reader reads it) -> it answers the question; or on an
    # extract the statement check read (``read_in`` its language, ``under`` the titles it lacks, said after it).
    answers: Callable[..., bool] | None = None
    _taken: int = 0
    _quoted: set[tuple[int, int, int]] = field(default_factory=set)  # (passage, article offsets) of shown quotes

    @property
    def failed(self) -> bool:
        """The model wrote no sentence that can be shown, and did not say that the passages do not tell."""
        return not self.kept and bool(self.left_out or self.cut or self.copied or self.beside or self.said_nothing)

    @property
    def echoed(self) -> bool:
        """The model began by restating the instructions' example (nothing else is read after it)."""
        return bool(self.copied) and not self.kept and not self.left_out

    @cached_property
    def _names(self) -> frozenset[str]:
        """The names the passages and the question give: a sentence that takes them is not judged by them."""
        return source_names([self.question, *(t for p in self.passages for t in (p.chunk.title, p.text))])

    @property
    def full(self) -> bool:
        tried = len(self.kept) + len(self.left_out) + self.refusals + self.beside
        return (
            self.drifted
            or self.echoed
            or len(self.kept) >= self.max_sentences
            or tried >= self.max_sentences + SPARE_SENTENCES
        )

    def _sentences(self) -> list[SentenceCitations]:
        text = keep_valid_markers(unicodedata.normalize("NFC", self.raw), range(1, len(self.passages) + 1))
        return sentences_with_markers(text)

    def feed(self, delta: str) -> list[Attributed]:
        """Add streamed text; returns the sentences kept by it (complete sentences only)."""
        self.raw += delta
        pending = self._sentences()[self._taken : -1]  # the last sentence may still grow
        return [a for a in (self._take(s) for s in pending) if a is not None]

    def close(self) -> list[Attributed]:
        """The stream has ended: take the last sentence unless it was cut."""
        rest = self._sentences()[self._taken :]
        kept = [a for a in (self._take(s) for s in rest[:-1]) if a is not None]
        if rest and not self.full:
            if is_closed(rest[-1].text):
                last = self._take(rest[-1])
                kept += [last] if last is not None else []
            else:
                self.cut, self._taken = True, self._taken + 1
        return kept

    def _second_look(self, checked: Attributed) -> Attributed:
        """A supported sentence that quotes at length a passage in another language than the answer's, or leaves one
        of its words untranslated, gives way to the passage sentence it rests on, translated (else it is left out).
        With a second opinion, it is cited to the first passage the model says states it; when none does, the
        passage sentence it paraphrases stands for it (quoted, or translated), else it is left out."""
        if not checked.supported:
            return checked
        unsupported = replace(checked, citations=(), supported=False, support={})
        n = checked.citations[0]
        source_lang = self.passages[n - 1].chunk.lang
        if untranslated(checked.text, self.lang, source_lang):
            # "Beijing said … « nuire aux efforts… »", "as a recul": the reader may not read them; its source stands
            return self._stand_in(checked, checked.citations) or unsupported
        if self.verify is None:
            return checked
        asked = opinions_asked(self.scorer, len(self.passages), checked)
        for m in asked:
            passage, span = self.passages[m - 1], self.scorer.highlight(checked.text, m)
            if self.verify(checked.text, evidence(passage, span, checked.text, self.question), passage.chunk.lang):
                same = m in checked.citations
                return checked if same else replace(checked, citations=(m,), support={m: self.scorer(checked.text, m)})
        return self._stand_in(checked, asked) or unsupported

    def _stand_in(self, checked: Attributed, asked: Sequence[int]) -> Attributed | None:
        """The passage sentence closest in meaning to ``checked`` (``closest_stating``) among those of the passages
        ``asked`` about that address the question, restated; None when none can be. For « Pékin a déclaré que la
        décision … était un recul »: not the sentence sharing most of its words, the one saying what Beijing said of
        it; for « Serena Williams a battu Agnieszka Radwanska en finale », not « Il s'agit de son quatorzième titre du
        Grand Chelem », closer but not about whom she beat."""
        candidates = addressing(
            self.question, self.lang, self.passages, [n in asked for n in range(1, len(self.passages) + 1)]
        )
        texts = [self.passages[q.n - 1].text[q.start : q.end] for q in candidates]
        best = closest_stating(self.scorer, checked.text, self.question, texts)
        return self._restated(candidates[best]) if best is not None else None

    def _restated(self, quote: Quote) -> Attributed | None:
        """The passage sentence ``quote`` in the passage's own words, or translated when the passage is in another
        language; None when it is shown already, or its passage is not among ``restatable_from``."""
        n, passage = quote.n, self.passages[quote.n - 1]
        if self.restatable_from is not None and n not in self.restatable_from:
            return None
        translation = self.translated(quote)
        if passage.chunk.lang not in ("", self.lang) and translation is None:
            return None  # the reader could not read the quote
        if not self.addresses(quote, translation):
            return None  # close to the model's sentence, but about something else than the question
        said = Attributed(quote_text(passage, quote, self.lang, translation), (n,), True, {n: 1.0})
        if any(same_text(said.text, s.text) for s in self.kept):
            return None
        self.restated += 1
        self._quoted.add((n, passage.start + quote.start, passage.start + quote.end))
        return said

    def addresses(self, quote: Quote, translation: str | None = None) -> bool:
        """Whether ``quote`` (its ``translation`` when there is one) holds a word the question asks about, and
        answers it in the second opinion's view when there is one."""
        passage = self.passages[quote.n - 1]
        if not self.question:
            return True
        if not addresses(self.question, self.lang, passage, (quote.start, quote.end), translation):
            return False
        if self.answers is None:
            return True
        said = translation or " ".join(passage.text[quote.start : quote.end].split())
        return self.answers(self.question, as_read(self.question, passage, quote.start, said))

    def translated(self, quote: Quote) -> str | None:
        """The checked translation of ``quote`` when its passage is in another language than the answer's (None
        when it is not, or when the translation does not pass)."""
        passage = self.passages[quote.n - 1]
        if self.translate is None or passage.chunk.lang in ("", self.lang):  # "": not detected
            return None
        said = self.translate(" ".join(passage.text[quote.start : quote.end].split()), passage)
        return said.text if said is not None else None

    def _gives_asked(self, first: Attributed, restated: bool) -> bool:
        """Whether the first sentence gives what the question asks: the kind of thing it asks for, and, in the second
        opinion's view, an answer in the passage extract it rests on (a restated quote was asked about already)."""
        if not fits(kind(self.question), first.text):
            return False
        if restated or self.answers is None or not self.question:
            return True
        passage = self.passages[first.citations[0] - 1]
        span = self.scorer.highlight(first.text, first.citations[0])
        extract, under = read_for_answer(self.question, passage, span, first.text)
        return self.answers(self.question, extract, read_in=passage.chunk.lang or self.lang, under=under)

    def _take(self, sentence: SentenceCitations) -> Attributed | None:
        self._taken += 1
        if self.full:
            return None
        titles = [p.chunk.title for p in self.passages]
        # A marker opening a line numbers a list item ("[1] Coopération : …"): it stays the item's citation.
        text = strip_scaffolding(LEADING_MARKERS.sub("", sentence.text), titles)
        # « Nigeria : crash d'un avion … (Wikinews, 5 juin 2012) [1]. » said nothing, nor that it cannot; nor does the
        # question in the model's words (« Le territoire de l'Acadie est attaqué par Rollo. ») or where its answer is
        if not text or only_cites_sources(text, self.lang) or restates_question(text, self.question, self.lang):
            self.said_nothing += 1
            return None
        if is_refusal(text):
            self.refusals += 1
            return None
        if not self.kept and not self.left_out and language_drifted(text, self.lang, self._names):
            self.drifted = True
            return None
        if any(same_text(text, s.text) for s in [*self.kept, *self.left_out]):
            return None
        cited = tuple(dict.fromkeys([*marker_numbers(text), *sentence.cited]))
        (checked,) = attribute([SentenceCitations(text, cited)], len(self.passages), self.scorer)
        if checked.supported and rests_on_quotes(self.scorer, self._quoted, checked):
            return None
        restated = self.restated
        checked = self._second_look(checked)
        if checked.supported and not self.kept and not self._gives_asked(checked, self.restated > restated):
            self.beside += 1  # « Il fut arrêté en rue à Overijse… » for « Quand a-t-il été arrêté ? »
            return None
        if checked.supported:
            self.kept.append(checked)
            return checked
        if copies_example(checked.text):  # the instructions' example is never an answer, nor worth showing
            self.copied += 1
        else:
            self.left_out.append(checked)
        return None


def opinions_asked(scorer: SupportScorer, count: int, checked: Attributed) -> list[int]:
    """The passages (of ``count``) the second opinion reads, in turn, until one states ``checked``: the cited ones,
    then the others that support it, best first; at most ``OPINIONS``."""
    score = {m: scorer(checked.text, m) for m in range(1, count + 1)}
    others = [m for m in score if m not in checked.citations and score[m] >= SUPPORT_THRESHOLD]
    return [*checked.citations, *sorted(others, key=lambda m: -score[m])][:OPINIONS]


def rests_on_quotes(scorer: SupportScorer, quoted: set[tuple[int, int, int]], checked: Attributed) -> bool:
    """Whether every passage sentence ``checked`` rests on is ``quoted`` (passage, article offsets) in the answer
    already: it can say nothing the quote does not (« This criticism came from China » after the quoted « Ce retrait
    a été critiqué par la Chine. »)."""
    if not quoted:
        return False
    spans = [(n, scorer.highlight(checked.text, n)) for n in checked.citations]
    return all(span is not None and (n, *span) in quoted for n, span in spans)


def closest_stating(scorer: SupportScorer, sentence: str, question: str, candidates: Sequence[str]) -> int | None:
    """The index of the candidate closest in meaning to ``sentence`` among those stating a number it gives beyond
    the question's (among all when none does): « Le SMIC … est de 9,40 euros » stands on « Cela correspond à une
    valeur de 9,40 euros brut de l'heure. », not on the sentence closer in meaning that repeats the question's
    « hausse de 2 % … au 1er juillet 2012 ». None without candidates."""
    given = numbers(sentence) - stated_numbers(question)
    kept = [i for i, c in enumerate(candidates) if given & stated_numbers(c)] or list(range(len(candidates)))
    return kept[scorer.nearest(sentence, [candidates[i] for i in kept])] if kept else None
