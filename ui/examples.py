"""Example questions about the archive's recent headlines, in French and English."""

from __future__ import annotations

from typing import Any

from rag import topic

FALLBACK_EXAMPLES = [
    "Pourquoi la Chine est-elle importante pour la Russie ?",
    "What did Beijing say about the Paris Agreement?",
]


def varied_titles(records: list[Any], n: int = 6) -> list[str]:
    """Titles of recent articles, at most one per source and none sharing their first word."""
    chosen: list[str] = []
    sources: set[str] = set()
    heads: set[str] = set()
    for r in records:
        head = r.article.title.split()[0].lower()
        if r.article.source in sources or head in heads:
            continue
        chosen.append(r.article.title)
        sources.add(r.article.source)
        heads.add(head)
        if len(chosen) == n:
            break
    return chosen


def _about(title: str, opening: str, closing: str) -> str | None:
    """What a headline is about, in quotes when it is the whole headline."""
    about = topic(title)
    if about is None:
        return None
    return f"{opening}{about}{closing}" if about == " ".join(title.split()).rstrip(" .") else about


def example_questions(titles_by_lang: dict[str, list[str]]) -> list[str]:
    """Short questions about what recent headlines are about, in French and English (two of each at most).

    The topic is a name from the headline, or its "Topic :" head, or the whole headline when it is short (in
    quotes); a long headline without either gives no example rather than a truncated one."""
    french = [a for a in (_about(title, "« ", " »") for title in titles_by_lang.get("fr", [])) if a]
    english = [a for a in (_about(title, "“", "”") for title in titles_by_lang.get("en", [])) if a]
    # Without English articles, an English question about a French one (answers cross languages).
    english = english[:2] or [a for a in (_about(title, "“", "”") for title in titles_by_lang.get("fr", [])) if a][:1]
    return [f"Que disent les articles sur {a} ?" for a in french[:2]] + [
        f"What do the articles say about {a}?" for a in english
    ]
