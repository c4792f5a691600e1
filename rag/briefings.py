"""Briefings: what is new in a period (about a topic, or everything), one checked sentence per story.

The period's stories are ranked by size (articles in the story) then recency. For each, the model writes one
sentence from the story's leads, checked like any answer (support, language, citations); a story it cannot
summarise with a supported sentence that says more than its headline gets its lead sentence quoted
instead. Stories come one at a time, so
the first is shown while the next is written.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from rag.answer.answering import Answerer
from rag.answer.citations import render_answer
from rag.answer.passages import Passage
from rag.events import AnswerEvent
from rag.i18n import t
from rag.questions import QuestionService
from rag.retrieve.query import plan
from rag.store.records import ArticleRecord
from rag.store.stories import members
from rag.text.analysis import analyze, matched_span
from rag.text.sentences import split_sentences
from rag.timelines import timeline
from rag.types import Answer, Citation, Filters, Hit, Retrieval, Sentence

STORIES = 5  # stories in a briefing, unless told
RECENT_DAYS = 2  # a briefing asked without a period: the last two days
ASKED = re.compile(
    r"^\s*(?:quoi de neuf|qu['’]y a-t-il de (?:neuf|nouveau)|what['’]?s new|what is new|anything new)\b(?P<rest>.*)$",
    re.IGNORECASE,
)
TOPIC_OPENING = re.compile(r"^\s*(?:sur|à propos d[eu']|concernant|au sujet d[eu']|on|about|regarding|in)\s*", re.I)
LEADS = 2  # articles of a story whose lead the model reads (the most recent; the first story: one)
SENTENCE_TOKENS = 96  # one sentence
MIN_WORDS = 6  # a lead sentence shorter than this is a dateline or a caption
MIN_NEW_WORDS = 3  # "Un abandon a eu lieu." about « Déjà un abandon » says nothing new
NAME_WORDS = 8  # words of an untitled story's first sentence that name it
BULLETS = "-–—•* \t\n"
TRANSLATION_TRIES = 2  # sentences of a lead tried in translation


@dataclass(frozen=True)
class BriefItem:
    """One story of a briefing and its sentence (an Answer with its citations)."""

    story: str
    date: str | None  # its latest article's, in the period
    articles: int
    sources: tuple[str, ...]
    languages: tuple[str, ...]
    answer: Answer
    quoted: bool  # the lead sentence quoted: the model's sentence was not supported
    translated: bool  # the quoted lead said in the reader's language (its article is in the other one)
    seconds: float

    def to_dict(self) -> dict:
        return {
            "story": self.story,
            "date": self.date,
            "articles": self.articles,
            "sources": list(self.sources),
            "languages": list(self.languages),
            "sentence": self.answer.answer,
            "quoted": self.quoted,
            "translated": self.translated,
            "citations": [c.__dict__ | {"story": None} for c in self.answer.citations],
            "seconds": round(self.seconds, 3),
        }


def briefing_request(question: str, lang: str, today: date) -> tuple[str, Filters] | None:
    """A question that asks what is new ("Quoi de neuf depuis hier ?", "What's new on the Paris Agreement this
    week?") as (topic, period filters); None for any other question."""
    if not ASKED.match(question):
        return None
    planned = plan(question, lang, today)  # the time phrase becomes the period, and leaves the query
    asked = ASKED.match(planned.query)
    rest = asked.group("rest") if asked else ""
    topic = re.sub(r"\s*\b(?:depuis|since)\s*$", "", TOPIC_OPENING.sub("", rest).strip(" ?!.")).strip(" ?!.")
    period = replace(planned.filters, undated=False)  # an undated article is never "new"
    if re.search(r"\b(?:depuis|since)\b", question, re.IGNORECASE):
        period = replace(period, until=None)  # "since yesterday" runs until now
    if not period.since:
        period = replace(period, since=(today - timedelta(days=RECENT_DAYS)).isoformat())
    return topic, period


def stories_of_period(
    questions: QuestionService, topic: str, filters: Filters, today: date | None, limit: int
) -> list[list[ArticleRecord]]:
    """The period's stories (about ``topic`` when given), biggest then most recent first, each newest first."""
    if topic.strip():
        ids = [e.story for e in timeline(questions, topic, filters, today)[1]]
        groups = [members(questions.store, s) or list(questions.store.get_articles([s]).values()) for s in ids]
    else:
        by_story: dict[str, list[ArticleRecord]] = {}
        for record in questions.store.list_articles(filters):
            by_story.setdefault(record.story or record.article.id, []).append(record)
        groups = list(by_story.values())
    ranked = [sorted(g, key=lambda r: r.article.date or "", reverse=True) for g in groups if g]
    ranked.sort(key=lambda g: (len(g), g[0].article.date or ""), reverse=True)
    return ranked[:limit]


def brief(
    questions: QuestionService,
    topic: str = "",
    filters: Filters | None = None,
    lang: str = "fr",
    today: date | None = None,
    limit: int = STORIES,
) -> Iterator[BriefItem]:
    """The briefing, story by story."""
    writer = questions.answerer(max_sentences=1, max_tokens=SENTENCE_TOKENS)
    for k, group in enumerate(stories_of_period(questions, topic, filters or Filters(), today, limit)):
        started = time.perf_counter()
        hits = []
        for record in group[: 1 if k == 0 else LEADS]:  # the first from one lead: shown as soon as possible
            chunks = questions.store.chunks_of(record.article.id)
            if chunks:
                hits.append(Hit(chunks[0], fused=1.0, relevance=float("inf")))
        if not hits:
            continue
        # The story named in the question: the support check keeps only sentences about it.
        question = t(lang, "brief_question").format(title=_name(group[0], hits[0].chunk.text))
        answer, quoted, translated = _write(writer, question, lang, hits, topic, today or questions.today(), started)
        yield BriefItem(
            story=group[-1].story or group[-1].article.id,
            date=group[0].article.date,
            articles=len(group),
            sources=tuple(sorted({r.article.source for r in group if r.article.source})),
            languages=tuple(sorted({r.article.lang for r in group if r.article.lang})),
            answer=answer,
            quoted=quoted,
            translated=translated,
            seconds=time.perf_counter() - started,
        )


def _write(
    writer: Answerer, question: str, lang: str, hits: list[Hit], topic: str, day: date, started: float
) -> tuple[Answer, bool, bool]:
    """The story's sentence; whether it is its lead quoted; whether the quote is translated (when its article is
    in the other language and the translation passes the checks)."""
    timings: dict[str, float | None] = {"ttft_s": None, "total_s": None}
    answer = _last(writer.answer(question, lang, hits, (), Filters(), day, Retrieval(query=question), timings, started))
    draft = " ".join(answer.draft.split())
    own = [  # the model's (not an extract), and saying more than the headline
        s for s in answer.sentences if s.supported and s.text[:40] in draft and informative(s.text, question, lang)
    ]
    if own and answer.citations:
        return answer, False, False
    spans = _lead_spans(answer.passages[0], topic)
    quoted = _quote(answer, spans[0])
    cited = quoted.citations[0]
    if cited.lang == lang or cited.lang not in ("fr", "en"):
        return quoted, True, False
    passage = Passage(
        next(h.chunk for h in hits if h.chunk.id == cited.chunk_id), cited.passage, cited.start, cited.end
    )
    for start, end in spans[:TRANSLATION_TRIES]:  # the next sentence when a translation does not pass
        said = writer.translate(" ".join(cited.passage[start:end].split()), passage, lang)
        if said is not None:
            text = t(lang, "brief_translated").format(text=render_answer([replace(said, citations=(1,))]))
            citation = replace(cited, highlight_start=start, highlight_end=end)
            shown = (Sentence(said.text, (1,), True),)
            return replace(quoted, answer=text, sentences=shown, citations=(citation,)), True, True
    return quoted, True, False


def informative(sentence: str, question: str, lang: str) -> bool:
    """A sentence that tells more than the headline it was asked about: a few words of its own."""
    return len(set(analyze(sentence, lang)) - set(analyze(question, lang))) >= MIN_NEW_WORDS


def _name(record: ArticleRecord, lead: str) -> str:
    """The story's name: its newest article's title, else the opening words of its first sentence (the whole
    sentence would make its own copy read as restating the question)."""
    if record.article.title:
        return record.article.title
    words = _first_sentence(lead).split()
    return " ".join(words[:NAME_WORDS]) + ("…" if len(words) > NAME_WORDS else "")


def _first_sentence(text: str) -> str:
    start, end = (_sentences(text) or split_sentences(text) or [(0, len(text))])[0]
    return " ".join(text[start:end].split())


def _sentences(text: str) -> list[tuple[int, int]]:
    """The sentences of a lead that could stand for its story: not a dateline, without a list item's dash."""
    spans = []
    for start, end in split_sentences(text):
        while start < end and text[start] in BULLETS:
            start += 1  # "- Pendant qu'à Pékin…": a list item's dash is not the sentence's
        if len(text[start:end].split()) >= MIN_WORDS:
            spans.append((start, end))
    return spans


def _last(events: Iterator) -> Answer:
    answer = None
    for event in events:
        if isinstance(event, AnswerEvent):
            answer = event.answer
    assert answer is not None
    return answer


def _lead_spans(passage: Citation, topic: str) -> list[tuple[int, int]]:
    """The lead's sentences that could stand for the story, the one matching the topic best (else the first)
    first."""
    text = passage.passage
    spans = _sentences(text) or [(0, len(text))]
    if topic.strip():
        best = matched_span(topic, text, passage.lang or "fr")
        spans = [best, *[s for s in spans if s != best]]
    return spans


def _quote(answer: Answer, span: tuple[int, int]) -> Answer:
    """The first lead's sentence at ``span``, quoted, with its passage as the citation."""
    passage = answer.passages[0]
    start, end = span
    sentence = " ".join(passage.passage[start:end].split())
    citation = replace(passage, n=1, highlight_start=start, highlight_end=end)
    opening, closing = ("« ", " »") if answer.language == "fr" else ("“", "”")
    quoted = Sentence(f"{opening}{sentence}{closing}", (1,), True)  # the passage's own words: supported as they are
    return replace(answer, answer=f"{quoted.text} [1]", refused=False, citations=(citation,), sentences=(quoted,))
