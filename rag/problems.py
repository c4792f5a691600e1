"""Problems the user can meet, said in English and in French.

A raise site writes ``IngestError(Problem("http_status", url=url, status=404))``: the
message *is* its English text (a ``str``), so the command line, logs and JSON output
read it as before, and the web page says it in the reader's language with
``localize(message_or_error, "fr")``. A parameter can itself be a ``Problem`` (a
reason inside a "where: reason" line); other values are shown as given.
"""

from __future__ import annotations

from typing import Any

_PRIVATE_HINT = {
    "en": (
        "to fetch from it, set ingest.allow_private_urls = true (in newsdesk.toml, as "
        "NEWSDESK_INGEST__ALLOW_PRIVATE_URLS=true, or with --set ingest.allow_private_urls=true)"
    ),
    "fr": (
        "pour y accéder, réglez ingest.allow_private_urls = true (dans newsdesk.toml, par la variable "
        "NEWSDESK_INGEST__ALLOW_PRIVATE_URLS=true ou avec --set ingest.allow_private_urls=true)"
    ),
}

# key: (English, French)
TEMPLATES: dict[str, tuple[str, str]] = {
    "at": ("{where}: {reason}", "{where} : {reason}"),
    # files
    "no_path": ("{path} does not exist — check the path", "{path} n'existe pas — vérifiez le chemin"),
    "file_type": (
        "{path}: unsupported file type {suffix} — use .txt, .md, .html, .pdf, .json or .jsonl",
        "{path} : type de fichier non pris en charge ({suffix}) — utilisez .txt, .md, .html, .pdf, .json ou .jsonl",
    ),
    "file_too_big": (
        "{size} MB is over the {limit} MB limit (ingest.max_file_mb)",
        "{size} Mo, au-delà de la limite de {limit} Mo (ingest.max_file_mb)",
    ),
    "unreadable": ("cannot read ({error})", "illisible ({error})"),
    "empty_file": ("empty file", "fichier vide"),
    "binary": ("binary file, not text", "fichier binaire, pas du texte"),
    "encoding": (
        "unknown text encoding — save the file as UTF-8",
        "encodage du texte inconnu — enregistrez le fichier en UTF-8",
    ),
    "bad_pdf": ("not a readable PDF ({error})", "PDF illisible ({error})"),
    "pdf_no_text": (
        "the PDF has no text layer (scanned?) — run OCR on it first",
        "le PDF n'a pas de couche texte (numérisé ?) — passez-le d'abord à l'OCR",
    ),
    "bad_json": ("not valid JSON (line {line}: {error})", "JSON invalide (ligne {line} : {error})"),
    "bad_json_line": (
        "{where}: not valid JSON ({error}) — fix or remove the line",
        "{where} : JSON invalide ({error}) — corrigez ou supprimez la ligne",
    ),
    "not_object": ("{where}: expected a JSON object", "{where} : un objet JSON est attendu"),
    "no_text_field": ("{where}: missing or empty 'text'", "{where} : champ « text » absent ou vide"),
    "no_text": ("no article text", "aucun texte d'article"),
    "too_long": (
        "{id}: {n} characters is over the {limit} limit (ingest.max_article_chars) — split it into articles "
        "or raise the limit",
        "{id} : {n} caractères, au-delà de la limite de {limit} (ingest.max_article_chars) — découpez-le en "
        "plusieurs articles ou relevez la limite",
    ),
    "text_too_long": (
        "{source}: {n} characters is over the {limit} limit (ingest.max_article_chars) — split the text into articles",
        "{source} : {n} caractères, au-delà de la limite de {limit} (ingest.max_article_chars) — découpez le texte "
        "en plusieurs articles",
    ),
    # web pages
    "web_only": (
        "only web addresses starting with http:// or https:// can be added here — type the page's full address",
        "seules les adresses web commençant par http:// ou https:// peuvent être ajoutées ici — tapez l'adresse "
        "complète de la page",
    ),
    "only_http": (
        "{url}: only http and https URLs can be fetched",
        "{url} : seules les adresses http et https peuvent être récupérées",
    ),
    "bad_url": (
        "{url}: not a valid URL ({error}) — check the address",
        "{url} : adresse invalide ({error}) — vérifiez-la",
    ),
    "no_host": ("{url}: no host in the URL", "{url} : l'adresse ne nomme aucun serveur"),
    "private_address": (
        "{host} is a private or local address ({address}); " + _PRIVATE_HINT["en"],
        "{host} est une adresse privée ou locale ({address}) ; " + _PRIVATE_HINT["fr"],
    ),
    "no_location": ("{url}: redirect without a location", "{url} : redirection sans destination"),
    "redirects": ("{url}: more than {n} redirects", "{url} : plus de {n} redirections"),
    "bad_length": (
        "{url}: the server sent an invalid Content-Length ({value})",
        "{url} : le serveur a envoyé un Content-Length invalide ({value})",
    ),
    "fetch_too_big": (
        "{url}: {size} MB is over the {limit} MB limit (ingest.max_fetch_mb)",
        "{url} : {size} Mo, au-delà de la limite de {limit} Mo (ingest.max_fetch_mb)",
    ),
    "fetch_over": (
        "{url}: more than {limit} MB (ingest.max_fetch_mb)",
        "{url} : plus de {limit} Mo (ingest.max_fetch_mb)",
    ),
    "http_status": ("{url}: the server answered HTTP {status}", "{url} : le serveur a répondu HTTP {status}"),
    "timeout": (
        "{url}: no complete answer within {seconds} s (ingest.fetch_timeout_s)",
        "{url} : pas de réponse complète en {seconds} s (ingest.fetch_timeout_s)",
    ),
    "malformed": (
        "{url}: the server sent a malformed HTTP answer",
        "{url} : le serveur a envoyé une réponse HTTP mal formée",
    ),
    "unreachable": (
        "{url}: unreachable ({error}) — check the URL and the network",
        "{url} : injoignable ({error}) — vérifiez l'adresse et le réseau",
    ),
    "not_page": ("{url}: not a web page ({type})", "{url} : ce n'est pas une page web ({type})"),
    "no_page_text": ("{where}: no article text found in the page", "{where} : aucun texte d'article dans la page"),
    "few_words": (
        "{where}: no article text found in the page (only {n} words)",
        "{where} : aucun texte d'article dans la page (seulement {n} mots)",
    ),
    # feeds
    "not_feed": ("{url}: not an RSS or Atom feed ({reason})", "{url} : ce n'est pas un flux RSS ou Atom ({reason})"),
    "feed_entry": ("{url}: entry {entry}: {reason}", "{url} : entrée {entry} : {reason}"),
    "feeds_damaged": (
        "{path} is damaged ({error}) — restore it from a backup or delete it",
        "{path} est endommagé ({error}) — restaurez-le depuis une sauvegarde ou supprimez-le",
    ),
    "bad_opml": ("{path}: not a readable OPML file ({error})", "{path} : fichier OPML illisible ({error})"),
    "empty_opml": (
        "{path}: no feeds (outline elements with xmlUrl) in this OPML file",
        "{path} : aucun flux (éléments outline avec xmlUrl) dans ce fichier OPML",
    ),
    # questions and the store
    "empty_question": ("the question is empty — type a question", "la question est vide — tapez une question"),
    "long_question": (
        "the question is {n} characters long (limit {limit}) — shorten it",
        "la question fait {n} caractères (limite {limit}) — raccourcissez-la",
    ),
    "empty_index": (
        "the index is empty — run `newsdesk add corpus/` (or add articles in the web chat)",
        "l'archive est vide — ajoutez des articles dans l'onglet Articles (ou `newsdesk add corpus/`)",
    ),
    "not_writable": (
        "cannot write in {path} ({error}) — make the data directory writable or set NEWSDESK_DATA_DIR",
        "impossible d'écrire dans {path} ({error}) — rendez le dossier de données accessible en écriture "
        "ou réglez NEWSDESK_DATA_DIR",
    ),
    "busy": (
        "the data directory {path} is being written by another Newsdesk process ({holder}) — wait for it or "
        "stop it; to share one store between processes, run a Chroma server (NEWSDESK_STORE_URL)",
        "un autre processus Newsdesk ({holder}) écrit dans le dossier de données {path} — attendez qu'il "
        "finisse ou arrêtez-le ; pour partager une archive entre processus, utilisez un serveur Chroma "
        "(NEWSDESK_STORE_URL)",
    ),
    "disk_full": (
        "cannot {what}: the disk is full ({error}) — free disk space and run the command again",
        "écriture impossible : le disque est plein ({error}) — libérez de la place et recommencez",
    ),
    "read_only": (
        "cannot {what}: the data directory is read-only ({error}) — make it writable or set NEWSDESK_DATA_DIR",
        "écriture impossible : le dossier de données est en lecture seule ({error}) — rendez-le accessible en "
        "écriture ou réglez NEWSDESK_DATA_DIR",
    ),
    "chroma_down": (
        "Chroma server at {url} is unreachable ({error}) — start it (`chroma run --path DIR --host 127.0.0.1 "
        "--port 8000`) or unset NEWSDESK_STORE_URL",
        "le serveur Chroma ({url}) est injoignable ({error}) — démarrez-le (`chroma run --path DIR --host "
        "127.0.0.1 --port 8000`) ou retirez NEWSDESK_STORE_URL",
    ),
    # model servers
    "ollama": ("Ollama at {url}", "Ollama ({url})"),
    "openai_server": ("OpenAI-compatible server at {url}", "le serveur compatible OpenAI ({url})"),
    "ollama_down": (
        "Ollama at {url} is unreachable — start it (`ollama serve`) or unset OLLAMA_HOST to use the embedded model",
        "Ollama ({url}) est injoignable — démarrez-le (`ollama serve`) ou retirez OLLAMA_HOST pour utiliser le "
        "modèle intégré",
    ),
    "ollama_no_model": (
        "Ollama at {url} has no model '{model}' — run `ollama pull {model}` or set llm.ollama_model",
        "Ollama ({url}) n'a pas le modèle « {model} » — lancez `ollama pull {model}` ou réglez llm.ollama_model",
    ),
    "llm_timeout": (
        "{server} did not answer in time — raise llm.timeout_s or check the server",
        "{server} n'a pas répondu à temps — augmentez llm.timeout_s ou vérifiez le serveur",
    ),
    "llm_unreachable": (
        "{server} is unreachable — start it or change the llm settings",
        "{server} est injoignable — démarrez-le ou changez les réglages llm",
    ),
    "llm_failed": ("{server} failed: {error}", "{server} a échoué : {error}"),
    # question sets
    "questions_unreadable": (
        "cannot read questions {path} ({error}) — check the path",
        "impossible de lire les questions {path} ({error}) — vérifiez le chemin",
    ),
    "bad_question": (
        "{where}: not a question in the documented schema ({error}) — see evals/README.md",
        "{where} : pas une question au format documenté ({error}) — voir evals/README.md",
    ),
    "no_questions": ("{path} holds no questions", "{path} ne contient aucune question"),
    "eval_cap": (
        "choose between 1 and {cap} questions for a {mode} run here (`newsdesk eval` on the command line runs "
        "whole sets)",
        "choisissez entre 1 et {cap} questions pour une évaluation en mode {mode} ici (`newsdesk eval` en "
        "ligne de commande évalue des jeux entiers)",
    ),
}


def _value(value: Any, lang: str) -> str:
    if isinstance(value, Problem):
        return value.say(lang)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 1000:
        grouped = f"{value:,}"
        return grouped.replace(",", "\u202f") if lang == "fr" else grouped
    return str(value)


class Problem(str):
    """A problem's English text that remembers its key and values, to be said in another language."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Problem:
        if key not in TEMPLATES:
            raise KeyError(f"no message {key!r}")
        text = super().__new__(cls, TEMPLATES[key][0].format(**{k: _value(v, "en") for k, v in params.items()}))
        text.key, text.params = key, params
        return text

    def say(self, lang: str) -> str:
        english, french = TEMPLATES[self.key]
        template = french if lang == "fr" else english
        return template.format(**{k: _value(v, lang) for k, v in self.params.items()})


def localize(problem: object, lang: str) -> str:
    """A message, or an error raised with one, in ``lang``; anything else as its own text."""
    if isinstance(problem, BaseException) and problem.args and isinstance(problem.args[0], Problem):
        return problem.args[0].say(lang)
    if isinstance(problem, Problem):
        return problem.say(lang)
    return str(problem)


def reason(exc: BaseException) -> str:
    """What an error says: its ``Problem`` when it was raised with one (to be localized later), else its text."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], Problem) else str(exc)
