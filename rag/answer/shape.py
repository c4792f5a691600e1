"""The shape of an answer sentence: what is not part of an answer is taken out before anything is shown. Pure.

Small models copy the prompt's scaffolding into their answer: the header of a
passage ("Coopération: échange entre … (000_1c72.txt)"), the passage fence,
file names. Those pieces are removed; what remains is a sentence only when it
still says something. A final sentence without closing punctuation was cut by
the length limit and is never shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache

from rag.answer.citations import MARKER, strip_markers
from rag.answer.prompting import example_answer
from rag.text.analysis import analyze
from rag.text.askedkinds import asks_for_something
from rag.text.dates import month_names
from rag.text.foreign import untranslated_words
from rag.text.language import detect_answer

LONG_TITLE_WORDS = 5  # a title this long at the start of a sentence is a copied header
MIN_WORDS = 3  # fewer words left once scaffolding is removed: what is left of it, not a sentence
_FILE_NAME = re.compile(r"\(?\b[\w.-]+\.(?:txt|md|html?|pdf|json|xml|csv|rss)\b\)?", re.IGNORECASE)
_FENCE = re.compile(r"<{3,}|>{3,}|‹{3,}|›{3,}")
_PASSAGE_LABEL = re.compile(r"^\s*(?:passages?|extraits?|sources?)\s*\[?\d*\]?\s*:\s*", re.IGNORECASE)
# A list item's label before its sentence: "Coopération stratégique : La Chine joue…", "Energy: Russia sells…"
_LABEL = re.compile(r"^\s*(?:[-•*]\s*)?(?:\d+[.)]\s*)?[^\W\d][\w'’-]*(?:\s+[\w'’-]+){0,3}\s*:\s+(?=[A-ZÀ-Þ])")
# A lead-in naming the passage rather than saying anything: "The passage from states that …", « Le passage mentionne
# que … », or what a copied "Title (source)" header leaves: "states that …". A person's words ("Il dit que…") stay.
_LEAD_IN = re.compile(
    r"^\s*(?:(?:the|this|le|ce|cet|l['’])\s*(?:passages?|articles?|texts?|textes?|extraits?|sources?)\b(?:\s+\[?\d+\]?)?"
    r"(?:\s+(?:from|de|du)\b(?:\s+[^\s,]+)?)?\s+)?(?:also\s+|aussi\s+)?"
    r"(?:states?|says|indicates?|mentions?|notes|explains|indique|précise|mentionne|affirme|explique)\s+(?:that\s+|qu['’]\s*|que\s+)",
    re.IGNORECASE,
)
_CLOSED = re.compile(r"[.!?…][\s»\"”’')\]]*$")


def _fold(text: str) -> str:
    return re.sub(r"\W+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def strip_scaffolding(sentence: str, titles: Sequence[str]) -> str:
    """``sentence`` without copied passage headers, fences and file names; "" when nothing of substance is left."""
    if strip_markers(sentence).rstrip().endswith(":"):
        return ""  # a lead-in to a list ("… pour plusieurs raisons :") says nothing by itself
    text = _FENCE.sub(" ", sentence)
    text = _FILE_NAME.sub(" ", text)
    text = _PASSAGE_LABEL.sub("", text)
    for title in sorted({t for t in titles if len(re.findall(r"\w+", t or "")) >= 2}, key=len, reverse=True):
        # A title copied as a header at the start of the sentence, then its "(source, date)".
        # A short title only counts as a header when its metadata, a colon or the line's end follows it.
        words = re.findall(r"\w+", title)
        tail = r"(?:\W*\([^()]*\))?" if len(words) >= LONG_TITLE_WORDS else r"(?:\W*\([^()]*\)|\s*[:\n—–]|\s*$)"
        head = r"^\W*" + r"\W+".join(re.escape(w) for w in words) + tail
        text = re.sub(head, " ", text, count=1, flags=re.IGNORECASE)
    text = re.sub(r"^\s*\([^()]*\)\s*", "", text)  # the header's "(source, date)" left at the start
    text = _LABEL.sub("", text)
    text = _LEAD_IN.sub("", text)
    text = re.sub(r"[ \t]{2,}", " ", text).strip(" \t\n-—:;,")
    n_words = len(re.findall(r"\w+", strip_markers(text)))
    if text == sentence.strip():
        return text if n_words else ""  # the model's own short answer ("PH1 [2].") is the support check's to judge
    return text[0].upper() + text[1:] if n_words >= MIN_WORDS else ""


def is_closed(sentence: str) -> bool:
    """Whether ``sentence`` ends as a sentence does (closing punctuation or a citation marker)."""
    text = sentence.rstrip()
    return bool(_CLOSED.search(text) or re.search(MARKER.pattern + r"\s*$", text))


def same_text(a: str, b: str) -> bool:
    """Whether two sentences say the same words (markers, case and punctuation aside)."""
    return _fold(strip_markers(a)) == _fold(strip_markers(b))


MIN_DRIFT_CHARS = 20  # shorter answers are too short to tell their language
MIN_OWN_CHARS = 10  # of its own words beside the sources' names ("is a" reads as French)
QUOTE_WORDS = 6  # a quotation this long is a copied passage, not a quoted term
_QUOTED = re.compile(r"«\s*([^»]+?)\s*»|“([^”]+)”|\"([^\"]+)\"")
# Phrases by which a model says the passages do not hold the answer.
_REFUSAL = re.compile(
    r"(ne (?:le )?disent pas|ne (?:le )?précisent pas|ne contiennent pas|ne mentionnent pas|aucune information|pas "
    r"d'information|"
    r"ne permettent pas de répondre|"
    r"do not say|don't say|does not say|do not contain|does not contain|do not mention|does not mention|no information|"
    r"not (?:mentioned|specified|provided)|cannot answer|can't answer)",
    re.IGNORECASE,
)


# Words the instructions ask every answer to use ("selon un article du 3 mai…"): they say nothing of a copy.
_FRAME = {"fr": "Selon un article publié le", "en": "According to an article published on"}


@cache
def _example_words(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """The analysed words of the attribution frame (with month names), and of the example answer."""
    frame = frozenset(analyze(f"{_FRAME[lang]} {' '.join(month_names(lang))}", lang))
    return frame, frozenset(analyze(strip_markers(example_answer(lang)), lang))


def copies_example(sentence: str, langs: Sequence[str] = ("fr", "en")) -> bool:
    """Whether ``sentence`` restates the facts of the instructions' example answer, in either language.

    Small models sometimes append the example to their answer; it is never an answer.
    The attribution frame and dates do not count: at least two of the example's other words must be there.
    """
    for lang in langs:
        frame, example = _example_words(lang)
        words = set(analyze(strip_markers(sentence), lang)) - frame
        shared = words & example
        facts = {w for w in shared if not w.isdigit()}
        if len(words) >= 3 and len(shared) >= 0.6 * len(words) and len(facts) >= 2:
            return True
    return False


_ENCLOSED = re.compile(r'^\s*["“«]\s*([^"“”«»]+?)\s*["”»]\s*$')


def unenclosed(text: str) -> str:
    """``text`` without the quotation marks around the whole of it: a translation the model put in quotes is shown
    inside the quote's own marks (“"The French cosmetic group…"”) otherwise."""
    m = _ENCLOSED.match(text)
    return m.group(1) if m else text


def restates_question(sentence: str, question: str, lang: str) -> bool:
    """Whether ``sentence`` says nothing but ``question``'s own words when the question asks for something: « Le
    territoire de l'Acadie est attaqué par Rollo. » holds no answer to « Quel territoire de l'Acadie est attaqué par
    Rollo ? ». A question asking whether (« Moab est-il un désert ? ») is answered in its own words."""
    if not question or not asks_for_something(question):
        return False
    return set(analyze(strip_markers(sentence), lang)) <= set(analyze(question, lang))


# The words of a sentence that only says where its answer is ("This information comes from the passage."), and
# those of them that name a source.
_SOURCE_NOUNS = (
    "passage passages article articles source sources extract extracts extrait extraits text texts texte textes "
    "wikipedia wikipédia"
)
_SOURCE_WORDS = _SOURCE_NOUNS + (
    " this that it cet cette cela ceci information informations answer réponse fact fait provided fournie fourni "
    "mentioned mentionnée mentionné stated indiquée indiqué indicated given donnée found trouvée comes come vient "
    "viennent taken tirée drawn both deux"
)


@cache
def _source_stems(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(analyze(_SOURCE_NOUNS, lang)), frozenset(analyze(_SOURCE_WORDS, lang))


def only_cites_sources(sentence: str, lang: str) -> bool:
    """Whether ``sentence`` only says where its answer is, not what: "This information comes from the passage.",
    « Cela est mentionné dans les deux extraits. »."""
    said = set(analyze(strip_markers(sentence), lang))
    nouns, words = _source_stems(lang)
    return bool(said & nouns) and said <= words


def is_refusal(text: str) -> bool:
    plain = strip_markers(text)
    return not plain or bool(_REFUSAL.search(plain))


def untranslated(text: str, lang: str, source_lang: str) -> bool:
    """Whether ``text``, written in ``lang`` from a passage in ``source_lang``, leaves some of the passage's words as
    they were: a quotation at length (``quotes_at_length``), or a word of the source's language the reader may not
    know ("China regards the withdrawal as a recul": ``untranslated_words``)."""
    if not source_lang or source_lang == lang:
        return False
    return quotes_at_length(text, lang) or bool(untranslated_words(strip_markers(text), lang, source_lang))


def quotes_at_length(text: str, lang: str) -> bool:
    """Whether ``text`` holds a quotation of ``QUOTE_WORDS`` words or more (a copied passage, not a quoted term)
    that is not in ``lang`` (the reader's: a quotation translated for the reader is read like the rest)."""
    quotes = (next(g for g in m.groups() if g) for m in _QUOTED.finditer(strip_markers(text)))
    return any(len(q.split()) >= QUOTE_WORDS and detect_answer(q) != lang for q in quotes)


_WORD = re.compile(r"[\w’'-]+")
_LETTERED = re.compile(r"[^\W\d_][\w'’-]*")  # a word that begins with a letter
JOINERS = frozenset({"et", "ou", "and", "or"})


def is_short_answer(sentence: str, min_words: int) -> bool:
    """Fewer than ``min_words`` words, an elided article counting with its word (« Au bord de l'Hudson. » is four), or
    names only: « Arthur Fitger et P. Janssen. » names, it does not restate."""
    words = _LETTERED.findall(sentence)
    return len(_WORD.findall(sentence)) < min_words or all(w[0].isupper() or w in JOINERS for w in words)


def source_names(texts: Iterable[str]) -> frozenset[str]:
    """The capitalised words of ``texts`` (the names and terms a source gives), casefolded."""
    return frozenset(w.casefold() for t in texts for w in _WORD.findall(t) if w[0].isupper())


def language_drifted(text: str, lang: str, names: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` is long enough to tell and is not in ``lang``, judged without the capitalised ``names`` it
    takes from its sources: « Los Güeros del Cielo participent à un Three-Way Tag Team Match. » is French, and
    « Arthur Fitger et P. Janssen. » is too much a list of names to tell; « Au bord de l'Hudson. » is French (a few
    words of its own are judged by their function words first)."""
    plain = strip_markers(text)
    own = _WORD.sub(lambda w: "" if w[0][0].isupper() and w[0].casefold() in names else w[0], plain)
    own = " ".join(own.split())
    return len(plain) >= MIN_DRIFT_CHARS and len(own) >= MIN_OWN_CHARS and detect_answer(own) != lang
