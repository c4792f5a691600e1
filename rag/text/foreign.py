"""Words left untranslated: a word of the source's language in a sentence written in another. Pure (word lists).

Answering in English from a French article, the small model writes "China
regards the withdrawal as a recul in global efforts": every word but one is
English, so the sentence reads as English, and « recul » passes unseen. A
word is left untranslated when it is common in the source's language and
all but unknown in the answer's (``wordfreq``'s Zipf scale: 3 is a word a
reader meets once in a million, 2 once in ten million). Cognates shared by
both ("efforts", "international", "coup", "cloud") are common in both and
pass; names (capitalised) and quoted words are the source's own and pass too.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text.language import ANSWER_LANGS, ARTICLE_LANGS, QUOTED

COMMON = 3.0  # Zipf frequency of a word common in the source's language
RARE = 2.0  # ... and all but unknown in the answer's ("climat" is 1.7 in English, "geste" 2.05)
MIN_LETTERS = 3
_WORD = re.compile(r"(?<![\w’'-])[^\W\d_]+(?:[’'-][^\W\d_]+)*")


@lru_cache(maxsize=4096)
def _zipf(word: str, lang: str) -> float:
    from wordfreq import zipf_frequency  # its word lists load on first use

    return float(zipf_frequency(word, lang))


def untranslated_words(text: str, lang: str, source_lang: str) -> list[str]:
    """The words of ``text`` (written in ``lang``) that are ``source_lang``'s and not ``lang``'s: « recul » in "as a
    recul in global efforts"; none when the two languages are the same or either is unknown."""
    if lang not in ANSWER_LANGS or source_lang not in ARTICLE_LANGS or lang == source_lang:
        return []
    own = QUOTED.sub(" ", text)
    found = []
    for word in _WORD.findall(own):
        if len(word) < MIN_LETTERS or word[0].isupper():
            continue  # a name is the source's own
        folded = word.casefold()
        if _zipf(folded, lang) < RARE and _zipf(folded, source_lang) >= COMMON:
            found.append(word)
    return found
