"""``newsdesk search`` and ``newsdesk ask``: questions from the terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import click

from rag import t
from rag.cli.app import App, echo, emit_json, filter_options, filters, main
from rag.events import AnswerEvent, Event, SentenceEvent
from rag.types import Answer


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
    from rag import matched_sentence

    retrieval = app.pipeline().search(query, filters(since, until, sources, langs), k)
    if as_json:
        emit_json(
            {
                "query": retrieval.query,
                "filters": retrieval.filters,
                "hits": [
                    {**h.to_dict(), "text": h.chunk.text, "date": h.chunk.date, "source": h.chunk.source}
                    for h in retrieval.hits
                ],
            }
        )
        return
    for rank, hit in enumerate(retrieval.hits, 1):
        dense = f"{hit.dense:.3f}" if hit.dense is not None else "—"
        bm25 = f"{hit.bm25:.2f}" if hit.bm25 is not None else "—"
        echo(
            f"{rank:>2}. {hit.chunk.title or hit.chunk.article_id}  [{hit.chunk.id}]  fused {hit.fused:.4f}  dense "
            f"{dense}  bm25 {bm25}"
        )
        sentence = matched_sentence(query, hit.chunk.text, hit.chunk.lang)
        echo(f"    {sentence[:300]}{'…' if len(sentence) > 300 else ''}")


def format_sources(answer) -> list[str]:
    from rag import format_date

    lines = []
    for c in answer.citations:
        story = (
            t(answer.language, "story_line").format(
                n=c.story.articles, s=len(c.story.sources), langs="/".join(c.story.languages)
            )
            if c.story
            else ""
        )
        meta = ", ".join(p for p in (format_date(c.date, answer.language), c.source, c.url or "", story) if p)
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
    events = pipeline.ask_stream(question, filters=filters(since, until, sources, langs))
    if as_json:
        answer = next(e.answer for e in events if isinstance(e, AnswerEvent))
        emit_json(answer.to_dict())
        return
    show_answer(events, live=sys.stdout.isatty())


def _stream(events: Iterable[Event], live: bool) -> tuple[Answer, str]:
    """Each checked sentence as it comes (on a terminal), then the Answer and what was shown."""
    streamed = ""
    for event in events:
        if isinstance(event, SentenceEvent) and live:
            echo(("" if not streamed else " ") + event.text, nl=False)
            streamed += ("" if not streamed else " ") + event.text
        elif isinstance(event, AnswerEvent):
            return event.answer, streamed
    raise RuntimeError("the answer stream ended without an answer")


def show_answer(events: Iterable[Event], live: bool) -> Answer:
    """Stream the answer (when on a terminal), then the checked text, sources and left-out sentences."""
    answer, streamed = _stream(events, live)
    lang = answer.language
    if not live:
        echo(answer.answer)
    elif streamed.strip() != answer.answer.strip():
        echo(("\n" if streamed else "") + answer.answer)
    else:
        echo("")
    if answer.citations:
        echo("\n" + t(lang, "sources_heading"))
        for line in format_sources(answer):
            echo(line)
        for group in answer.corroborated():
            echo(t(lang, "corroborated").format(marks="".join(f"[{n}]" for n in group)))
    for sentence in answer.sentences:
        if not sentence.supported:
            echo(f"  ⚠ {t(lang, 'left_out')}: {sentence.text}", err=True)
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
    from rag import Conversation, ConversationStore
    from rag.errors import NewsdeskError

    pipeline = app.pipeline(**{"llm.backend": backend})
    store = ConversationStore(pipeline.settings.data_dir)
    chosen = filters(since, until, sources, langs)
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
            answer = show_answer(
                pipeline.ask_stream(question, conversation.history(), chosen), live=sys.stdout.isatty()
            )
        except NewsdeskError as exc:
            echo(f"error: {exc}", err=True)
            continue
        conversation.add(question, answer.to_dict())
        store.save(conversation)
