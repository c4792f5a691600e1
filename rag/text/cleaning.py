"""Text cleaning: Unicode normalisation and removal of scraped page boilerplate.

Scrapers leave share buttons, "Published on", comment forms, "Trending" and
"mobile version" links in plain text; these are removed as whole lines, in
French and English. The article's own headings are kept.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

# Whole lines that are page furniture, never article content (case-insensitive).
_BOILERPLATE_LINE = re.compile(
    r"""^(?:
        published|publié|publiée|on|by|par|posted|updated|mis\ à\ jour|
        share|partager|partagez|tweet|tweeter|facebook|twitter|x|linkedin|whatsapp|telegram|pinterest|reddit|
        e-?mail|imprimer|print|copy\ link|copier\ le\ lien|
        share\ (?:on|this)(?:\ \w+)?|partager\ (?:sur|cet\ article)(?:\ \w+)?|
        trending|tendances?|à\ la\ une|popular|populaires?|most\ read|les\ plus\ lus|
        related(?:\ (?:posts|articles|stories))?|articles?\ similaires|à\ lire\ aussi|lire\ aussi|
        read\ more|lire\ la\ suite|voir\ aussi|see\ also|
        quitter\ la\ version\ mobile|exit\ mobile\ version|version\ mobile|mobile\ version|
        view\ (?:desktop|mobile)\ version|
        advertisement|publicité|sponsored|sponsorisé|
        leave\ a\ (?:reply|comment)|laisser\ un\ commentaire|laissez\ un\ commentaire|
        (?:\d+\ )?comments?|(?:\d+\ )?commentaires?|reply|répondre|cancel\ reply|annuler\ la\ réponse|
        (?:nom|name|e-?mail|site\ web|website|comment|commentaire)\s*\*?|
        subscribe|s'abonner|abonnez-vous|newsletter|
        accept(?:er)?(?:\ (?:all|tout|les))?\ cookies?|
        tags?\s*:.*|étiquettes?\s*:.*|catégories?\s*:.*|categories?\s*:.*
    )\s*[:.!]?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
FOOTER_MAX_CHARS = 200  # a line with a footer sentence is dropped only when it is this short
# Sentences that only appear in comment forms and footers.
_BOILERPLATE_SENTENCE = re.compile(
    r"""(?:votre\ adresse\ (?:e-?mail|de\ messagerie)\ ne\ sera\ pas\ publiée|
        your\ email\ address\ will\ not\ be\ published|
        les\ champs\ obligatoires\ sont\ indiqués|required\ fields\ are\ marked|
        enregistrer\ mon\ nom|save\ my\ name,?\ email|
        tous\ droits\ réservés|all\ rights\ reserved|©)""",
    re.IGNORECASE | re.VERBOSE,
)
# A line that starts the comment section: everything after it is dropped.
_COMMENTS_START = re.compile(
    r"^(?:leave\ a\ (?:reply|comment)|laisser\ un\ commentaire|laissez\ un\ commentaire|\d+\ "
    r"(?:comments?|commentaires?)|comments|commentaires)\s*$",
    re.IGNORECASE | re.VERBOSE,
)


# Control characters (terminal escapes, C1 codes); tabs and line breaks are white space, handled apart.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without control characters: an article's ESC sequences must never reach a terminal."""
    return CONTROL.sub("", text)


# An HTML tag (a letter or a slash after "<"): « <i>Vizzavona</i> (navire) », « Ferdinand <abbr …>Ier</abbr> ».
TAG = re.compile(r"</?[A-Za-z][^<>]*>")
REFERENCE = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z]+\d*);")  # « &amp; », « &#233; »: never « R&D »


def plain_markup(line: str) -> str:
    """A title or name given as HTML, as its reader reads it: tags dropped and character references read (« <i>Les
    Guignols de l'info</i> », « Tom &amp; Jerry »). A line without tags or references is left as it is."""
    return html.unescape(TAG.sub("", line)) if TAG.search(line) or REFERENCE.search(line) else line


def normalize(text: str) -> str:
    """NFC, unified line endings and spaces, no control characters or trailing blanks, at most one blank line."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = strip_controls(re.sub(r"[\u200b\u200c\u200d\u2060]", "", text))
    text = re.sub(r"[ \t\f\v]+", " ", text)
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def strip_boilerplate(text: str) -> str:
    """Drop boilerplate lines and the trailing comment section of a scraped page."""
    lines = text.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        # A comment section starts late in the page; earlier matches are ordinary lines.
        if _COMMENTS_START.match(stripped) and index >= len(lines) * 0.5:
            break
        if stripped and (
            _BOILERPLATE_LINE.match(stripped)
            or (_BOILERPLATE_SENTENCE.search(stripped) and len(stripped) < FOOTER_MAX_CHARS)
        ):
            continue
        kept.append(line)
    return normalize("\n".join(kept))


def clean_text(text: str) -> str:
    """Normalise and remove boilerplate."""
    return strip_boilerplate(normalize(text))


def content_hash(text: str) -> str:
    """Hash of the normalised text (white space folded, case kept)."""
    folded = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()
