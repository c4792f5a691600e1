"""``newsdesk search`` and ``newsdesk ask``: questions from the terminal."""

from __future__ import annotations

import sys

import click

from .cli import App, echo, emit_json, main


def _filters(since, until, sources, langs):
    from .types import Filters

    return Filters(since=since, until=until, sources=tuple(sources), langs=tuple(langs))


_filter_options = [
    click.option("--since", metavar="DATE", help="Only articles published on or after DATE (YYYY-MM-DD)."),
    click.option("--until", metavar="DATE", help="Only articles published before DATE (YYYY-MM-DD)."),
    click.option("--source", "sources", multiple=True, help="Only this source (repeatable)."),
    click.option("--lang", "langs", multiple=True, help="Only articles in this language: fr, en… (repeatable)."),
]


def filter_options(fn):
    for option in reversed(_filter_options):
        fn = option(fn)
    return fn


@main.command("search")
@click.argument("query")
@click.option("-k", "--top", "k", type=int, default=10, show_default=True, help="Number of passages.")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def search_cmd(app: App, query, k, since, until, sources, langs, as_json):
    """Show the passages retrieval finds for QUERY, with their scores (no LLM).

    \b
    Example:
      newsdesk search "accord de Paris" --since 2024-01-01
    """
    retrieval = app.pipeline().search(query, _filters(since, until, sources, langs), k)
    if as_json:
        emit_json({"query": retrieval.query, "filters": retrieval.filters,
                    "hits": [{**h.to_dict(), "text": h.chunk.text, "date": h.chunk.date, "source": h.chunk.source} for h in retrieval.hits]})
        return
    for rank, hit in enumerate(retrieval.hits, 1):
        dense = f"{hit.dense:.3f}" if hit.dense is not None else "—"
        bm25 = f"{hit.bm25:.2f}" if hit.bm25 is not None else "—"
        echo(f"{rank:>2}. {hit.chunk.title or hit.chunk.article_id}  [{hit.chunk.id}]  fused {hit.fused:.4f}  dense {dense}  bm25 {bm25}")
        echo(f"    {hit.chunk.text[:200].replace(chr(10), ' ')}…")


def format_sources(answer) -> list[str]:
    from .answering import format_date

    lines = []
    for c in answer.citations:
        meta = ", ".join(p for p in (format_date(c.date, answer.language), c.source, c.url or "") if p)
        lines.append(f"[{c.n}] {c.title or c.article_id}" + (f" — {meta}" if meta else ""))
    return lines


@main.command("ask")
@click.argument("question")
@filter_options
@click.option("--llm", "backend", help="LLM backend: auto, llamacpp, ollama, openai.")
@click.option("--model", help="Embedded model preset or GGUF path.")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer object as JSON instead of streaming text.")
@click.pass_obj
def ask_cmd(app: App, question, since, until, sources, langs, backend, model, as_json):
    """Answer QUESTION from the archive, with numbered sources.

    \b
    Examples:
      newsdesk ask "Pourquoi la Chine est-elle importante pour la Russie ?"
      newsdesk ask --lang en --since 2024-01-01 "What did Beijing say about the Paris Agreement?"
      newsdesk ask --json "Qui a rencontré Xi Jinping ?"
    """
    pipeline = app.pipeline(**{"llm.backend": backend, "llm.model": model})
    events = pipeline.ask_stream(question, filters=_filters(since, until, sources, langs))
    if as_json:
        answer = next(e.answer for e in events if e.kind == "answer")
        emit_json(answer.to_dict())
        return
    show_answer(events, live=sys.stdout.isatty())


def show_answer(events, live: bool):
    """Stream the answer (when on a terminal), then the checked text, sources and warnings; returns the Answer."""
    streamed = ""
    answer = None
    for event in events:
        if event.kind == "token" and live:
            streamed += event.text
            echo(event.text, nl=False)
        elif event.kind == "reset" and live:
            echo("\n(rewriting the answer in the question's language)", err=True)
            streamed = ""
        elif event.kind == "answer":
            answer = event.answer
    if live:
        echo("")
        if streamed.strip() != answer.answer.strip():
            echo("\n" + ("Réponse vérifiée :" if answer.language == "fr" else "Checked answer:"))
            echo(answer.answer)
    else:
        echo(answer.answer)
    if answer.citations:
        echo("\n" + ("Sources :" if answer.language == "fr" else "Sources:"))
        for line in format_sources(answer):
            echo(line)
    unsupported = [s.text for s in answer.sentences if not s.supported]
    if unsupported and not answer.refused:
        label = "Non étayé par les passages" if answer.language == "fr" else "Not supported by the passages"
        for text in unsupported:
            echo(f"  ⚠ {label}: {text}", err=True)
    return answer


@main.command("chat")
@filter_options
@click.option("--llm", "backend", help="LLM backend: auto, llamacpp, ollama, openai.")
@click.pass_obj
def chat_cmd(app: App, since, until, sources, langs, backend):
    """Talk with the archive in the terminal; follow-up questions use the conversation.

    Type /new for a new conversation, /quit (or Ctrl-D) to leave. Conversations are saved
    like the web chat's.

    \b
    Example:
      newsdesk chat --since 2024-01-01
    """
    from .conversations import Conversation, ConversationStore
    from .errors import NewsdeskError

    pipeline = app.pipeline(**{"llm.backend": backend})
    store = ConversationStore(pipeline.settings.data_dir)
    filters = _filters(since, until, sources, langs)
    conversation = Conversation()
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            break
        if question in ("/quit", "/exit"):
            break
        if question == "/new":
            conversation = Conversation()
            echo("(new conversation)", err=True)
            continue
        if not question:
            continue
        try:
            answer = show_answer(pipeline.ask_stream(question, conversation.history(), filters), live=sys.stdout.isatty())
        except NewsdeskError as exc:
            echo(f"error: {exc}", err=True)
            continue
        conversation.add(question, answer.to_dict())
        store.save(conversation)
