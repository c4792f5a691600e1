"""Offline language detection (lingua), for articles, questions and answers."""

from __future__ import annotations

import re
from functools import lru_cache

# Languages we tell apart in articles; questions and answers are French or English.
ARTICLE_LANGS = ("fr", "en", "de", "es", "it", "pt", "nl")
ANSWER_LANGS = ("fr", "en")

SAMPLE_CHARS = 2000  # enough text to tell a language, little enough to be quick


@lru_cache(maxsize=4)
def _detector(langs: tuple[str, ...]):
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in langs]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def detect(text: str, candidates: tuple[str, ...] = ARTICLE_LANGS, default: str = "") -> str:
    """ISO 639-1 code of the most likely language of ``text`` among ``candidates``."""
    sample = text[:SAMPLE_CHARS].strip()
    if not sample:
        return default
    language = _detector(tuple(candidates)).detect_language_of(sample)
    if language is None:
        return default
    return language.iso_code_639_1.name.lower()


# Words only one of the two languages uses, frequent in questions and headlines: a short question is mostly names
# (« De quel pays est le King's African Rifles ? », « comment se remunere t il ? »), which a detector reads as
# English more often than not.
FRENCH_WORDS = frozenset(
    "le la les des du de un une et à par est sont ont était fut qui que qu quel quelle quels quelles quoi où quand "
    "pourquoi combien dans avec au aux il ils elle elles ce cette ces leur son sa ses ne pas été peut sera".split()
)
ENGLISH_WORDS = frozenset(
    "the of and is are was were what who whom whose which where when why how did does do in to for with by from "
    "that this its has have at about been will would can could should".split()
)


def function_words(text: str) -> tuple[int, int]:
    """How many of ``text``'s words are French-only and English-only function words; names are not read (a capital
    within the text, or a word in capitals: « Cité de la Musique » keeps its « de la », « DES » is skipped)."""
    french = english = 0
    for i, word in enumerate(re.findall(r"\w+", text)):
        if (i > 0 and word[:1].isupper()) or (len(word) > 1 and word.isupper()):
            continue
        french += word.lower() in FRENCH_WORDS
        english += word.lower() in ENGLISH_WORDS
    return french, english


def detect_question(text: str) -> str:
    """French or English: the language the answer must be written in. The function words decide when one language
    has more of them; the detector otherwise."""
    french, english = function_words(text)
    if french != english:
        return "fr" if french > english else "en"
    return detect(text, ANSWER_LANGS, default="en")


QUOTED = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"]*\"")  # quotations, left out where a text's own words are read


SHORT_ANSWER_CHARS = 40  # shorter, the detector guesses: it reads « Au bord de l'Hudson. » as English


def detect_answer(text: str) -> str:
    """French or English, judged on the answer's own words: quotations of a source are left out. A short answer is
    judged as a question is, by its function words first."""
    own = QUOTED.sub(" ", text)
    own = own if len(own.strip()) >= 20 else text
    return detect_question(own) if len(own.strip()) < SHORT_ANSWER_CHARS else detect(own, ANSWER_LANGS, default="en")
