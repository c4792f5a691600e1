"""Interface labels in French and English."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "tab_chat": "Discussion", "tab_corpus": "Articles", "tab_eval": "Évaluation",
        "question": "Votre question", "placeholder": "Posez une question sur vos articles…", "send": "Envoyer", "stop": "Arrêter",
        "new": "Nouvelle conversation", "conversations": "Conversations enregistrées", "open": "Ouvrir", "export": "Exporter la réponse (Markdown)",
        "filters": "Filtres", "since": "Depuis (AAAA-MM-JJ)", "until": "Jusqu'au (AAAA-MM-JJ, exclu)", "quick": "Période",
        "sources_filter": "Sources", "lang_filter": "Langue des articles", "any": "toutes", "week": "cette semaine", "month": "ce mois-ci",
        "year": "cette année", "all_time": "tout", "sources": "Sources", "examples": "Exemples de questions",
        "thinking": "Recherche dans l'archive…", "waiting": "En attente : d'autres questions sont en cours de traitement…",
        "unsupported": "Phrase non étayée par les passages", "active_filters": "Filtres actifs", "no_sources": "Aucune source : l'archive ne répond pas à cette question.",
        "upload": "Fichiers (.txt .md .html .pdf .json .jsonl)", "add_files": "Ajouter les fichiers", "paste": "Texte collé",
        "add_text": "Ajouter le texte", "url": "Adresse d'une page", "add_url": "Récupérer et ajouter", "feed_url": "Adresse d'un flux RSS/Atom",
        "follow": "Suivre", "update_feeds": "Mettre à jour les flux", "remove_feed": "Ne plus suivre", "opml": "Importer un fichier OPML",
        "search_articles": "Rechercher dans les titres", "delete": "Supprimer la sélection", "confirm_delete": "Confirmer la suppression",
        "cancel": "Annuler", "article": "Article", "selected": "Sélection", "feeds": "Flux suivis", "refresh": "Actualiser",
        "question_set": "Jeu de questions", "upload_set": "…ou importer un fichier JSONL", "mode": "Mode", "limit": "Nombre de questions (0 = toutes)",
        "run_eval": "Lancer l'évaluation", "metrics": "Métriques", "per_question": "Questions", "language": "Langue",
        "title": "Titre", "date": "Date", "source": "Source", "chunks": "Passages", "corpus_for_eval": "Corpus de l'évaluation (JSONL, facultatif)",
    },
    "en": {
        "tab_chat": "Chat", "tab_corpus": "Articles", "tab_eval": "Evaluate",
        "question": "Your question", "placeholder": "Ask a question about your articles…", "send": "Send", "stop": "Stop",
        "new": "New conversation", "conversations": "Saved conversations", "open": "Open", "export": "Export the answer (Markdown)",
        "filters": "Filters", "since": "Since (YYYY-MM-DD)", "until": "Until (YYYY-MM-DD, excluded)", "quick": "Period",
        "sources_filter": "Sources", "lang_filter": "Article language", "any": "any", "week": "this week", "month": "this month",
        "year": "this year", "all_time": "all", "sources": "Sources", "examples": "Example questions",
        "thinking": "Searching the archive…", "waiting": "Waiting: other questions are being answered…",
        "unsupported": "Sentence not supported by the passages", "active_filters": "Active filters", "no_sources": "No sources: the archive does not answer this question.",
        "upload": "Files (.txt .md .html .pdf .json .jsonl)", "add_files": "Add the files", "paste": "Pasted text",
        "add_text": "Add the text", "url": "Address of a page", "add_url": "Fetch and add", "feed_url": "Address of an RSS/Atom feed",
        "follow": "Follow", "update_feeds": "Update the feeds", "remove_feed": "Unfollow", "opml": "Import an OPML file",
        "search_articles": "Search the titles", "delete": "Delete the selection", "confirm_delete": "Confirm deletion",
        "cancel": "Cancel", "article": "Article", "selected": "Selection", "feeds": "Followed feeds", "refresh": "Refresh",
        "question_set": "Question set", "upload_set": "…or upload a JSONL file", "mode": "Mode", "limit": "Number of questions (0 = all)",
        "run_eval": "Run the evaluation", "metrics": "Metrics", "per_question": "Questions", "language": "Language",
        "title": "Title", "date": "Date", "source": "Source", "chunks": "Passages", "corpus_for_eval": "Evaluation corpus (JSONL, optional)",
    },
}


def t(lang: str, key: str) -> str:
    """The label ``key`` in ``lang`` (French or English; anything else falls back to English)."""
    return LABELS.get(lang, LABELS["en"]).get(key) or LABELS["en"][key]


def browser_lang(accept_language: str | None) -> str:
    """``fr`` when the browser prefers French, else ``en``."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()
        if code.startswith("fr"):
            return "fr"
        if code.startswith("en"):
            return "en"
    return "en"
