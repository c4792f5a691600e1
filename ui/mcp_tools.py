"""The archive as Model Context Protocol tools (the official ``mcp`` SDK): search, ask, list_articles,
show_article, timeline, brief and add_url.

Served two ways: over stdio by ``newsdesk mcp`` (the user's own process, no login), and over streamable
HTTP at ``/mcp`` by the page's app, where the guard asks for ``ui.api_key`` as for the OpenAI routes. The
page's built-in Gradio MCP server is not used: its tools would be the page's event handlers (conversation
state among their parameters), and it cannot pass the page's login.
"""

from __future__ import annotations

import contextlib
from typing import Any

from rag import Filters, Pipeline
from rag.errors import StoreError

INSTRUCTIONS = (
    "Newsdesk answers French or English questions about the user's news archive with citations. Use `ask` for a "
    "checked, cited answer; `search` for passages; `list_articles`/`show_article` to browse; `timeline` for a "
    "topic's stories in date order; `brief` for what is new; `add_url` to add a web page. Dates are ISO "
    "(YYYY-MM-DD); `until` is exclusive."
)


def build_server(pipeline: Pipeline) -> Any:
    """The FastMCP server with its tools over ``pipeline``."""
    from mcp.server.fastmcp import FastMCP

    server = FastMCP("newsdesk", instructions=INSTRUCTIONS)

    def limits(since: str | None, until: str | None, source: str | None, lang: str | None):
        return Filters(since=since, until=until, sources=(source,) if source else (), langs=(lang,) if lang else ())

    @server.tool()
    def search(
        query: str, k: int = 5, since: str | None = None, until: str | None = None, lang: str | None = None
    ) -> list[dict[str, Any]]:
        """Passages of the archive that match `query`, best first, with their scores (no LLM, instant)."""
        retrieval = pipeline.search(query, limits(since, until, None, lang), max(1, min(k, 50)))
        return [
            {
                "article_id": h.chunk.article_id,
                "title": h.chunk.title,
                "date": h.chunk.date,
                "source": h.chunk.source,
                "url": h.chunk.url,
                "passage": h.chunk.text,
                "score": round(h.fused, 4),
            }
            for h in retrieval.hits
        ]

    @server.tool()
    def ask(question: str, since: str | None = None, until: str | None = None) -> dict[str, Any]:
        """A short answer in the question's language where every claim cites a passage ([n] markers), with the
        citations (article, date, source, passage); `refused` is true when the archive does not say."""
        return pipeline.ask(question, filters=limits(since, until, None, None)).to_dict()

    @server.tool()
    def list_articles(
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
        lang: str | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Articles of the archive, newest first (id, title, date, source, language, url, passages, and the article
        it nearly copies, if any)."""
        records = pipeline.articles(limits(since, until, source, lang))
        return [r.summary() for r in records[: max(1, min(limit, 500))]]

    @server.tool()
    def show_article(article_id: str) -> dict[str, Any]:
        """One article with its text and metadata."""
        record = pipeline.store.get_articles([article_id]).get(article_id)
        if record is None:
            raise StoreError(f"no article {article_id!r} — list_articles gives the ids")
        a = record.article
        return {"id": a.id, "title": a.title, "date": a.date, "source": a.source, "url": a.url, "lang": a.lang,
                "text": a.text}  # fmt: skip

    @server.tool()
    def timeline(
        topic: str, since: str | None = None, until: str | None = None, lang: str | None = None
    ) -> dict[str, Any]:
        """The stories about `topic` in date order: each with its date, sources, languages and the sentence that
        best matches (no LLM, instant). Time phrases in the topic work ("Paris Agreement since January")."""
        searched, entries = pipeline.timeline(topic, limits(since, until, None, lang))
        return {"query": searched, "stories": [e.to_dict() for e in entries]}

    @server.tool()
    def brief(
        topic: str = "", since: str | None = None, until: str | None = None, language: str = "fr", stories: int = 5
    ) -> dict[str, Any]:
        """What is new in the period (about `topic` if given): the biggest then newest stories, one checked,
        cited sentence each in `language` (fr or en), or the story's lead quoted when no sentence is supported."""
        items = pipeline.brief(topic, limits(since, until, None, None), language if language in ("fr", "en") else "fr",
                               limit=max(1, min(stories, 20)))  # fmt: skip
        return {"topic": topic, "language": language, "stories": [i.to_dict() for i in items]}

    @server.tool()
    def add_url(url: str) -> dict[str, Any]:
        """Fetch a web page (http or https only; private addresses are refused) and add its article."""
        return pipeline.add_url(url).to_dict()

    return server


def http_app(pipeline: Pipeline) -> tuple[list[Any], Any]:
    """The ``/mcp`` route (streamable HTTP, stateless JSON replies) and the lifespan that runs its sessions."""
    from mcp.server.transport_security import TransportSecuritySettings

    server = build_server(pipeline)
    # The app's guard checks Host, Origin and the key in front of every route, on whatever address it serves.
    server.settings.transport_security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    server.settings.stateless_http = True
    server.settings.json_response = True
    routes = list(server.streamable_http_app().routes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any):
        async with server.session_manager.run():
            yield

    return routes, lifespan
