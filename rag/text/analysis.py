"""Words as the keyword index and the support check compare them: per-language stop words and Snowball stems. Pure.

French elisions are split (« l'accord » -> « accord »); a question also loses
its question words. The stemmers and stop-word lists load on first use.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_STEMMER_NAMES = {
    "fr": "french",
    "en": "english",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
}
_STOPWORD_NAMES = {
    "fr": "STOPWORDS_FRENCH",
    "en": "STOPWORDS_EN_PLUS",
    "de": "STOPWORDS_GERMAN",
    "es": "STOPWORDS_SPANISH",
    "it": "STOPWORDS_ITALIAN",
    "pt": "STOPWORDS_PORTUGUESE",
    "nl": "STOPWORDS_DUTCH",
}
_WORD = re.compile(r"\w+", re.UNICODE)
_ELISION = re.compile(r"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)


@cache
def _stemmer(lang: str):
    import Stemmer

    return Stemmer.Stemmer(_STEMMER_NAMES.get(lang, "english"))


@cache
def _stopwords(lang: str) -> frozenset[str]:
    import bm25s.stopwords as sw

    return frozenset(getattr(sw, _STOPWORD_NAMES.get(lang, "STOPWORDS_EN_PLUS"), ()))


# Words that only say what kind of answer is wanted; in a question they carry no topic, and in the
# rare passage that contains them they match by accident. Removed from queries, kept in documents.
QUESTION_WORDS = {
    "fr": frozenset(
        "combien quel quelle quels quelles quand pourquoi comment quoi où lequel laquelle lesquels lesquelles "
        "auxquels auxquelles duquel desquels desquelles".split()
    ),
    "en": frozenset("what when where which who whom whose why how".split()),
}
# "How many", "how much" ask as « combien » does: their second word is no more a topic than the first.
_HOW_MANY = re.compile(r"\b(how)\s+(?:many|much)\b", re.IGNORECASE)


def unasking(question: str, lang: str) -> str:
    """``question`` without the words that only ask beyond its question words ("how many" -> "how")."""
    return _HOW_MANY.sub(r"\1", question) if lang == "en" else question


def analyze(text: str, lang: str, query: bool = False) -> list[str]:
    """Lower-cased, elision-split, stop-word-free, stemmed tokens of ``text`` (a query's without its question words)."""
    text = _ELISION.sub(" ", unicodedata.normalize("NFC", text).lower())
    stop = _stopwords(lang if lang in _STEMMER_NAMES else "en")
    if query:
        stop = stop | QUESTION_WORDS.get(lang, frozenset())
        text = unasking(text, lang)
    words = [w for w in _WORD.findall(text) if w not in stop and (len(w) > 1 or w.isdigit())]
    return _stemmer(lang if lang in _STEMMER_NAMES else "en").stemWords(words)


def bridge_terms(text: str) -> str:
    """The words of ``text`` that read the same in another language: numbers, acronyms, capitalised words
    past the first.

    Across languages BM25 matches little but names; the rest of the words only
    match by accident (faux amis, shared stems), so they are left out.
    """
    words = _WORD.findall(text)
    return " ".join(
        w
        for i, w in enumerate(words)
        if any(ch.isdigit() for ch in w) or (len(w) > 1 and w.isupper()) or (i > 0 and w[0].isupper())
    )


def matched_span(query: str, text: str, lang: str) -> tuple[int, int]:
    """Where in ``text`` the sentence sharing the most distinct query words with ``query`` is (the first on ties)."""
    from rag.text.sentences import split_sentences

    wanted = set(analyze(query, lang, query=True))
    spans = split_sentences(text) or [(0, len(text))]
    return max(spans, key=lambda s: len(wanted.intersection(analyze(text[s[0] : s[1]], lang))))


def matched_sentence(query: str, text: str, lang: str) -> str:
    """The sentence of ``text`` sharing the most distinct query words with ``query`` (the first on ties)."""
    start, end = matched_span(query, text, lang)
    return " ".join(text[start:end].split())
