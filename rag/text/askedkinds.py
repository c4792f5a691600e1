"""What kind of thing a question asks for, when its words say so, and whether a sentence gives that kind; the clause
of a question that asks (``asking_clause``). Pure.

« Quand est construite la première usine ? » asks for a time: a sentence on
the factory that gives no date, no period and no event to date it by does not
answer it, however close its words. « En quelle année … » asks for a year,
« Combien … » and "How many …" for a number, and so does "How much … cost" (an
amount; "how much" alone also asks for a share: "vast areas"). Questions of other kinds (who,
what, why) are not read here: ``kind`` is None for them, and every sentence
fits.

Only the interrogative forms that cannot be read otherwise are taken: « quand »
and "when" open the question (or follow « depuis », « jusqu'à », "since",
"until"), since "Who was the leader when the Franks entered…" asks for a
person. « À quelle époque » and "in what period" are left out: « au Moyen Âge »
and "the Baroque" answer them with no time word.

``fits`` is lenient on purpose: a time is a year, a date, a month or a day, or
a phrase that places it (« deux ans plus tard », « lors de la bataille de
Ball's Bluff », « quand la France redevient royaliste », "soon"); a number is
digits or a number word; a measure is a unit (« 268 m », « un kilomètre plus au
sud », « une coudée et demie »), not a count nor a time: « Une avalanche … a causé
la mort de neuf personnes » and « … une alarme vers 5 h 25 » do not tell how high
the mont Maudit is. It turns down only sentences that give nothing of the kind.
On piaf_dev, xquad_en_dev and the seed set, 11 questions ask for a measure in
these words, and each of their answers gives a unit. "What was the length of…"
is left out: in English a length may be a time.
"""

from __future__ import annotations

import re
from typing import Literal

from rag.text.dates import month_names

Kind = Literal["time", "year", "number", "measure"]

_YEAR_ASKED = re.compile(r"\bquelle\s+année\b|\b(?:what|which)\s+year\b", re.I)
_TIME_ASKED = re.compile(
    r"^\W*(?:(?:depuis|jusqu'?\s*à|jusqu’à|à\s+partir\s+de|de)\s+)?quand\b"
    r"|\bà\s+quelle\s+date\b|\bquel\s+jour\b|\ben\s+quel\s+(?:siècle|mois)\b"
    r"|^\W*(?:(?:since|until|till|from)\s+)?when\b"
    r"|\b(?:what|which)\s+(?:date|day|month|century|decade)\b"
    r"|\bcombien\s+de\s+temps\b|\bhow\s+long\b",  # a duration: « la décennie », "well into the nineteenth century"
    re.I,
)
_PRICED = r"cost|costs|costing|pay|pays|paid|spend|spends|spent|earn|earns|earned|raise|raises|raised|worth|money|owe"
_NUMBER_ASKED = re.compile(  # "how much" alone may ask for a share ("vast areas") or a count ("many times")
    rf"\bcombien\b|\bquel\s+âge\b|\bhow\s+(?:many|old)\b|\bhow\s+much\b(?=[^?]*\b(?:{_PRICED})\b)", re.I
)
_DIMENSIONS = "altitude|hauteur|profondeur|distance|vitesse|température|superficie|surface|longueur|largeur"
_MEASURE_ASKED = re.compile(  # not "in what area" (a place), nor "how far" (« jusqu'où » as often as a distance)
    rf"\b[àa]\s+quelle\s+(?:{_DIMENSIONS})\b|\bquelle\s+(?:est\s+|était\s+|fut\s+)?(?:l['’]\s*|la\s+)?(?:{_DIMENSIONS})\b"
    r"|\bhow\s+(?:high|tall|deep|fast|wide)\b"
    r"|\b(?:what|which)\s+(?:is\s+|was\s+)?(?:the\s+)?(?:altitude|elevation|height|depth|speed|temperature|width)\b",
    re.I,
)

_ASKING = re.compile(  # a question on its own: opened by an interrogative (after a preposition), or inverted
    r"^\W*(?:(?:à|a|de|dans|en|pour|par|avec|sur|chez|depuis|in|on|at|for|from|with|by|to|of)\s+)?"
    r"(?:what|which|who|whom|whose|why|quels?|quelles?|qui|quoi|pourquoi|combien|lequel|laquelle|lesquels|lesquelles"
    # "when", "where", "how", « quand », « où », « comment » also open a clause that does not ask ("When the Franks
    # entered, who led them?"): they ask when a verb follows them
    r"|(?:when|where|how)\s+(?:do|does|did|is|are|was|were|has|have|had|can|could|will|would|should|much|many|long|old)"
    r"|(?:quand|où|comment)\s+\w+-)\b"
    r"|-t-|-(?:il|elle|ils|elles|on)\b",
    re.I,
)
# Who, what, which, how many…, anywhere in the question; not whether (« Est-ce que… », "Is it…").
_ASKS_FOR = re.compile(
    r"\b(?:qui|quoi|quel|quelle|quels|quelles|lequel|laquelle|lesquels|lesquelles|où|quand|comment|combien|pourquoi"
    r"|qu['’]\s*est-ce|what|who|whom|whose|which|where|when|why|how)\b|^\W*(?:que|qu['’])",
    re.IGNORECASE,
)
_SIDE_CLAUSE = re.compile(  # a last clause, after a comma, that says where the fact was told or what else is known
    r",\s*(?:selon|d['’]après|où|qui|dont|lors\s+d[eu]|évoqué(?:e|s|es)?|mentionné(?:e|s|es)?"
    r"|according\s+to|as\s+(?:discussed|reported|described|mentioned|said)|where|which|who|whose|during)\b"
    r"[^,?]*?(?=\s*\?\s*$|\s*$)",
    re.I,
)
MIN_ASKING_WORDS = 4  # a shorter clause is too short to ask alone

_MONTHS = {m.lower() for lang in ("fr", "en") for m in month_names(lang)} | {"fevrier", "aout", "decembre"}
_TIME_WORDS = (
    # units and eras (not « an »: in English it is an article; « un an » is dated by « plus tard », « après »…)
    "ans année années mois semaine semaines jour jours heure heures siècle siècles décennie décennies époque "
    "year years month months week weeks day days hour hours century centuries decade decades era "
    "lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday friday saturday sunday "
    # words that place a time, or date it by an event
    "hier aujourd demain autrefois jadis naguère bientôt désormais alors puis ensuite lors pendant durant depuis "
    "jusqu jusque avant après dès lorsque lorsqu quand moment début fin démarrage lancement prochain prochaine "
    "suivant suivante suivants suivantes dernier dernière précédent précédente tard tôt "
    "yesterday today tomorrow soon then later earlier ago during since until till before after when while once "
    "beginning start end next last following previous early late"
).split()
_NUMBER_WORDS = (
    "deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize vingt trente quarante "
    "cinquante soixante cent cents mille million millions milliard milliards dizaine dizaines douzaine centaine "
    "centaines vingtaine vingtaines trentaine quarantaine cinquantaine millier milliers moitié tiers quart "
    "aucun aucune zéro seul seule "
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands "
    "million millions billion billions dozen dozens half third quarter none zero once twice thrice single"
).split()
_UNIT_WORDS = (  # spelled out; abbreviated only after digits (« 268 m »; « M. Dupont » is no measure)
    "mètre mètres kilomètre kilomètres centimètre centimètres millimètre millimètres "
    "hectare hectares degré degrés pied pieds pouce pouces lieue lieues coudée coudées toise toises nœud nœuds "
    "milles meter meters metre metres kilometer kilometers kilometre kilometres feet foot inch inches yard yards "
    "mile miles mph knot knots acre acres degree degrees league leagues cubit cubits"
).split()
_TIME = frozenset([*_MONTHS, *_TIME_WORDS])
_UNITS = frozenset(_UNIT_WORDS)
_ABBREVIATED_UNIT = re.compile(r"\d\s*(?:km|m|cm|mm|ha|ft|mi|mph|°[CF]?)(?![^\W\d²³_])")  # « 892 km² », « 100 km/h »
_NUMBERS = frozenset(_NUMBER_WORDS)
_ROMAN_CENTURY = re.compile(r"\b[IVX]+(?:e|er|ème)\s+(?:siècle|millénaire)|\b[IVX]{2,5}(?:e|ème)\b")  # « au XIXe »


def asks_for_something(question: str) -> bool:
    """Whether ``question`` asks for something (who, what, which, when, how many…) rather than whether: « Quel
    territoire de l'Acadie Rollo attaque-t-il ? », not « Moab est-il un désert ? »."""
    return bool(_ASKS_FOR.search(question))


def kind(question: str) -> Kind | None:
    """The kind of answer ``question`` asks for, when its interrogative words tell (None otherwise)."""
    if _YEAR_ASKED.search(question):
        return "year"
    if _TIME_ASKED.search(question):
        return "time"
    if _NUMBER_ASKED.search(question):
        return "number"
    if _MEASURE_ASKED.search(question):
        return "measure"
    return None


def asking_clause(question: str) -> str:
    """``question`` without a last clause that only places what it asks: « À quelle altitude culmine le mont Maudit,
    où une avalanche a fait neuf morts en juillet 2012 ? » asks « À quelle altitude culmine le mont Maudit ? »; "…,
    according to the report on the Putin–Xi Jinping talks?" tells where to look, not what to give. Kept whole when
    what precedes the clause is not a question on its own ("During the playoff games, who did not throw?", « Alors
    que la guerre éclate, qui dirige l'armée ? », "When the Franks entered Gaul, who was their leader?")."""
    side = _SIDE_CLAUSE.search(question)
    if side is None:
        return question
    head = question[: side.start()].rstrip()
    if len(re.findall(r"\w+", head)) < MIN_ASKING_WORDS or not _ASKING.search(head):
        return question
    return head + question[side.end() :].rstrip()


def fits(asked: Kind | None, text: str) -> bool:
    """Whether ``text`` gives something of the kind ``asked`` for (always, when no kind is asked)."""
    if asked is None:
        return True
    words = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
    has_digits = re.search(r"\d", text) is not None
    if asked == "number":
        return has_digits or not words.isdisjoint(_NUMBERS)
    if asked == "measure":  # digits alone may be a time (« vers 5 h 25 ») or a count
        return _ABBREVIATED_UNIT.search(text) is not None or not words.isdisjoint(_UNITS)
    if asked == "year":
        return re.search(r"\b\d{2,4}\b", text) is not None or _ROMAN_CENTURY.search(text) is not None
    return has_digits or _ROMAN_CENTURY.search(text) is not None or not words.isdisjoint(_TIME)
