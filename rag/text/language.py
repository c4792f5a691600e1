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


def detect_question(text: str) -> str:
    """French or English: the language the answer must be written in."""
    return detect(text, ANSWER_LANGS, default="en")


_QUOTED = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"]*\"")


def detect_answer(text: str) -> str:
    """French or English, judged on the answer's own words: quotations of a source are left out."""
    own = _QUOTED.sub(" ", text)
    return detect(own if len(own.strip()) >= 20 else text, ANSWER_LANGS, default="en")
