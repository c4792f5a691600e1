"""The numbers a text states, in digits or in words: « dix voies » states 10 as « 10 voies » does."""

from __future__ import annotations

import re

# Spelled-out numbers of French and English; « un », « une », "one" and "a" are left out: they are articles
# far more often than amounts.
_WORDS = {
    **dict.fromkeys(["deux", "two"], 2),
    **dict.fromkeys(["trois", "three"], 3),
    **dict.fromkeys(["quatre", "four"], 4),
    **dict.fromkeys(["cinq", "five"], 5),
    **dict.fromkeys(["six"], 6),
    **dict.fromkeys(["sept", "seven"], 7),
    **dict.fromkeys(["huit", "eight"], 8),
    **dict.fromkeys(["neuf", "nine"], 9),
    **dict.fromkeys(["dix", "ten"], 10),
    **dict.fromkeys(["onze", "eleven"], 11),
    **dict.fromkeys(["douze", "twelve"], 12),
    **dict.fromkeys(["treize", "thirteen"], 13),
    **dict.fromkeys(["quatorze", "fourteen"], 14),
    **dict.fromkeys(["quinze", "fifteen"], 15),
    **dict.fromkeys(["seize", "sixteen"], 16),
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    **dict.fromkeys(["vingt", "vingts", "twenty"], 20),
    **dict.fromkeys(["trente", "thirty"], 30),
    **dict.fromkeys(["quarante", "forty"], 40),
    **dict.fromkeys(["cinquante", "fifty"], 50),
    **dict.fromkeys(["soixante", "sixty"], 60),
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    **dict.fromkeys(["cent", "cents", "hundred"], 100),
    **dict.fromkeys(["mille", "thousand"], 1000),
}
_INSIDE = {"un": 1, "une": 1, "one": 1, "et": 0}  # « vingt-et-un », « soixante-et-onze », "twenty-one"
_SPELLED = re.compile(r"\b[^\W\d_]+(?:-[^\W\d_]+)*\b")


def numbers(text: str) -> set[str]:
    """The numbers ``text`` states in digits, thousands separators removed ("145 000", "145,000" -> "145000")."""
    joined = re.sub(r"(?<=\d)[\s\u00a0\u202f.,’'](?=\d{3}\b)", "", text)
    return set(re.findall(r"\d+", joined))


def stated_numbers(text: str) -> set[str]:
    """The numbers ``text`` states in digits, and those it spells out in one word or one hyphenated compound
    (« dix » -> "10", « quatre-vingt-dix » -> "90")."""
    found = numbers(text)
    for match in _SPELLED.finditer(text):
        value = spelled(match[0])
        if value is not None:
            found.add(str(value))
    return found


def spelled(word: str) -> int | None:
    """The value of a number spelled out in one word or hyphenated compound, None when ``word`` is none."""
    parts = word.lower().split("-")
    if not all(p in _WORDS or (p in _INSIDE and len(parts) > 1) for p in parts) or parts[0] in _INSIDE:
        return None
    total = group = 0  # thousands done, and the group being read
    for part in parts:
        value = _WORDS.get(part, _INSIDE.get(part, 0))
        if value == 1000:
            total, group = total + max(group, 1) * 1000, 0
        elif value == 100:
            group = max(group, 1) * 100
        elif value == 20 and group % 100 == 4:  # « quatre-vingts »
            group += 76
        else:
            group += value
    return total + group
