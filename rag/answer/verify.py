"""A second opinion from the model: whether a passage states a sentence the support check lets through, and
whether a quoted extract answers the question.

Word overlap and embedding similarity cannot tell « le retrait est un recul »
from « l'Accord est un recul », nor « la maquette a brûlé » from « le musée a
brûlé ». The model reads the passage sentences closest to the answer sentence
and answers yes or no (``answer.verify``). It runs in a context of its own, so
the answer being written keeps its place.

The extract is read under its article's title when the sentence names a name of
the question that only the title holds (``evidence``): the passage says « il
part faire des études … en Tanzanie » under « Yoweri Museveni », as the model
read it. On ``evals/support.jsonl`` the check then let through 18 of the 26
supported sentences instead of 17, and caught the same 32 of the 35 others
(always under the title, 20 and 31).

It is asked in the extract's language: asked in English about a French
extract, it said yes to 4 of the 5 unsupported sentences of
``evals/support.jsonl`` written in English about French passages (both
inversions of what Beijing said of the Paris Agreement among them); asked in
French, to none.

Read across languages, the model's yes says less: a sentence in English about
a French extract passes only when the model is sure of it
(``CROSS_LINGUAL_CONFIDENCE``, read from its first token when the backend gives
``yes_probability``; else its reply is taken as it is). Of the 23 such checks
logged on the English seed questions, the labelled sentences and two English
questions about the seed article, the model replied yes to 18: the 17 right
sentences and translations among them at 0.68 to 0.88, the wrong one at 0.62
("China … provides energy and technology" to Russia, where the article has
Russia offer China energy). Its 5 no replies were at 0.26 to 0.54.

Whether an extract answers the question is asked in English whatever the
languages. On the extracts quoted for 200 piaf_dev questions (30% of them made
unanswerable), asked in French the model said no to 8 of the 20 that answered;
asked in English it said yes to all 20, and no to 9 of the 12 quoted for
questions the archive cannot answer.

A quote answers only when the model is sure of it (``ANSWERS_CONFIDENCE``,
read from its first token when the backend gives ``yes_probability``; else its
reply is taken as it is), unless the question asks for a time, a number or a measure: the
quote gives one then (``askedkinds``), and its yes reply is enough. On the best quote
for each question of the piaf_dev, xquad_en_dev and seed runs (30% of the
first two made unanswerable), a yes passed 151 of the 155 quotes holding the
gold answer to questions of no kind, and 62 of the 114 that did not or
answered a question the archive cannot; at 0.7 sure, 146 and 30. For
questions asking for a time or a number, 0.7 would have turned down 5 of the
28 right quotes a yes passes, and 2 of the 10 others.

The model's own first sentence is held to the same check, asked about the
passage extract the statement check has just read (``read_for_answer``: the closest
passage sentence and its neighbours), rather than about itself: the model is sure its
own sentence answers the question it was written for. It is asked right after that
check, with the extract first in the same words (``framed``), so the model reuses all
of the extract it has read (a batch ends with its block, ``llamacpp.BLOCK_END``): 0.9 s
instead of 3.2 s at the median over 20 extracts of ~270 tokens
(``bench/second_opinion.py``, two cores), when asked as a quote is. The titles the extract lacks are named after
it ("from the article …"). Replayed on the 212 first sentences shown in runs of the
piaf_dev and xquad_en_dev samples (200, seed 3, 30% unanswerable) and the seed set,
sure at ``EXTRACT_ANSWERS_CONFIDENCE`` it turns down 1 of the 148 holding the gold
answer, 10 of the 52 that did not, and 8 of the 12 written for questions the archive
cannot answer ("Parliament elections take place on Tuesday, Wednesday and Thursday
morning" from the days of its debates); at 0.7, 5, 12 and 8. Asked as a quote is
(the extract under its titles), 3, 11 and 8; about the sentence itself, 13, 14 and
4; about the closest passage sentence alone, 8, 15 and 8.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rag.answer import prompts
from rag.answer.passages import Passage
from rag.answer.prompting import neutralize
from rag.answer.quoting import article_title, read_under
from rag.text.askedkinds import asking_clause, kind
from rag.text.language import ANSWER_LANGS
from rag.text.names import mentions, names
from rag.text.sentences import split_sentences
from rag.types import Message

if TYPE_CHECKING:
    from rag.models.llms import LLM

ANSWERS_CONFIDENCE = 0.7  # how sure of its yes the model must be that a quote answers a question of no kind
EXTRACT_ANSWERS_CONFIDENCE = 0.65  # the same, for the extract the statement check read, asked in its frame
CROSS_LINGUAL_CONFIDENCE = 0.65  # how sure of its yes it must be that an extract states a sentence in another language
NEIGHBOURS = 2  # passage sentences read on each side of the closest one
REPLY_TOKENS = 3


def evidence(passage: Passage, span: tuple[int, int] | None, sentence: str = "", question: str = "") -> str:
    """The passage sentence at ``span`` (article offsets) with its neighbours (the whole passage without a span);
    under its article's title when ``sentence`` names a name of the ``question`` that the extract lacks and the
    title holds, as the model read the passage: « il part faire des études … en Tanzanie » names no Yoweri
    Museveni, its title does."""
    extract, title = _extract(passage, span), article_title(passage.chunk)
    said, titled, asked = (re.findall(r"\w+", t) for t in (extract, title, question))
    if any(
        mentions(s.name, asked) and mentions(s.name, titled) and not mentions(s.name, said) for s in names(sentence)
    ):
        return f"{title}\n\n{extract}"
    return extract


def read_for_answer(question: str, passage: Passage, span: tuple[int, int] | None, sentence: str) -> tuple[str, str]:
    """The extract the statement check read for ``sentence`` (``evidence``), and the titles it is read under that it
    lacks, said after it (``read_under``). A true sentence may answer no question: « Parliament elections take place
    on Tuesday, Wednesday and Thursday » rests on « Debates take place on Tuesday, Wednesday and Thursday mornings »,
    which does not tell how often elections are held."""
    extract = evidence(passage, span, sentence, question)
    at = span[0] - passage.start if span is not None else 0
    titles = read_under(question, passage, at, " ".join(extract.split()))
    article = article_title(passage.chunk).rstrip(" .:")
    section = next((t for t in titles if t != article), "")
    said = [f'section "{section}"' if section else "", f'article "{article}"' if article in titles else ""]
    return extract, f", from the {neutralize(' of the '.join(t for t in said if t))}," if any(said) else ""


def _extract(passage: Passage, span: tuple[int, int] | None) -> str:
    if span is None:
        return passage.text
    spans = split_sentences(passage.text)
    start, end = span[0] - passage.start, span[1] - passage.start
    at = next((i for i, (s, e) in enumerate(spans) if s <= start < e or (s >= start and e <= end)), None)
    if at is None:
        return passage.text
    lo, hi = max(0, at - NEIGHBOURS), min(len(spans) - 1, at + NEIGHBOURS)
    return passage.text[spans[lo][0] : spans[hi][1]]


def framed(extract: str, lang: str, asked: str) -> str:
    """A question about ``extract``, set out after it: questions about one extract share its start."""
    return f"{prompts.render(f'extract.{lang}', passage=neutralize(extract))}\n\n{asked}"


def is_yes(reply: str) -> bool:
    return reply.strip().strip("«»\"'*.:").lower().startswith(("oui", "yes"))


class Verifier:
    """Asks ``llm`` whether an extract states a sentence, in the extract's language when it has a prompt for it
    (else in ``lang``, the answer's)."""

    def __init__(self, llm: LLM, lang: str):
        self.llm = llm
        self.lang = lang

    def __call__(self, sentence: str, extract: str, extract_lang: str = "") -> bool:
        lang = extract_lang if extract_lang in ANSWER_LANGS else self.lang
        prompt = framed(extract, lang, prompts.render(f"verify.{lang}", sentence=neutralize(sentence)))
        across = extract_lang not in ("", self.lang)  # the sentence is read in another language than the extract's
        return self._yes(prompt, CROSS_LINGUAL_CONFIDENCE if across else None)

    def answers(self, question: str, text: str, read_in: str = "", under: str = "") -> bool:
        """Whether the model says ``text`` gives what ``question`` asks for (true is not enough: « Inquiété, il ne
        sera toutefois pas arrêté. » does not tell when he was arrested). Only the clause that asks is read: the model
        finds an avalanche's nine dead answer « À quelle altitude culmine le mont Maudit, où une avalanche a fait neuf
        morts ? ». With ``read_in``, ``text`` is an extract in that language, asked about as the statement check
        asked (``read_for_answer``, ``under`` the titles it lacks), so the model reuses the extract it has read."""
        asked = neutralize(asking_clause(question))
        if read_in:
            lang = read_in if read_in in ANSWER_LANGS else self.lang
            prompt = framed(text, lang, prompts.render("answered", under=under, question=asked))
            sure = EXTRACT_ANSWERS_CONFIDENCE
        else:
            prompt, sure = prompts.render("answers", question=asked, text=neutralize(text)), ANSWERS_CONFIDENCE
        # A time, a number or a measure asked is given already: a yes will do.
        return self._yes(prompt, sure if kind(question) is None else None)

    def _yes(self, prompt: str, sure: float | None = None) -> bool:
        """Whether the model replies yes; with ``sure``, whether it is that sure of its yes, when its backend tells
        (``yes_probability``, read from the reply's first token)."""
        probability = getattr(self.llm, "yes_probability", None)
        if sure is not None and probability is not None:
            return bool(probability([Message("user", prompt)]) >= sure)
        return is_yes("".join(self.llm.stream([Message("user", prompt)], REPLY_TOKENS)))
