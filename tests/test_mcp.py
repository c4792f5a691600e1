"""The archive as MCP tools, through the official ``mcp`` client: in memory on the fakes, over stdio on the real
models (the command an assistant starts)."""

import json
import os
import sys
from pathlib import Path

import anyio
import pytest

from ui.mcp_tools import build_server

from conftest import ROOT, SEED

QUESTION = "Pourquoi la Chine achète-t-elle du pétrole à la Russie ?"


def structured(result):
    assert not result.isError, result.content
    return result.structuredContent.get("result", result.structuredContent)


def test_tools_are_listed_typed_and_answer_with_citations(fake_pipeline):
    from mcp.shared.memory import create_connected_server_and_client_session

    fake_pipeline.add([SEED])

    async def session_calls():
        async with create_connected_server_and_client_session(build_server(fake_pipeline)) as session:
            tools = {t.name: t for t in (await session.list_tools()).tools}
            answer = structured(await session.call_tool("ask", {"question": QUESTION}))
            hits = structured(await session.call_tool("search", {"query": "pétrole", "k": 2}))
            listed = structured(await session.call_tool("list_articles", {"lang": "fr"}))
            shown = structured(await session.call_tool("show_article", {"article_id": listed[0]["id"]}))
            refused = await session.call_tool("add_url", {"url": "file:///etc/passwd"})
            missing = await session.call_tool("show_article", {"article_id": "nope"})
            line = structured(await session.call_tool("timeline", {"topic": "Russie Chine"}))
            brief = structured(await session.call_tool("brief", {"language": "fr", "stories": 1}))
            return tools, answer, hits, listed, shown, refused, missing, line, brief

    tools, answer, hits, listed, shown, refused, missing, line, brief = anyio.run(session_calls)
    assert set(tools) == {"search", "ask", "list_articles", "show_article", "timeline", "brief", "add_url"}
    assert [s["article_id"] for s in line["stories"]] == [listed[0]["id"]] and line["stories"][0]["lead"]
    assert len(brief["stories"]) == 1 and brief["stories"][0]["citations"][0]["article_id"] == listed[0]["id"]
    assert tools["search"].inputSchema["properties"]["k"]["type"] == "integer"
    assert tools["ask"].inputSchema["required"] == ["question"] and "cite" in tools["ask"].description
    assert answer["language"] == "fr" and answer["citations"] and answer["citations"][0]["passage"]
    assert len(hits) == 2 and hits[0]["article_id"] == listed[0]["id"]
    assert "principal partenaire commercial" in shown["text"]
    assert refused.isError or structured(refused)["rejected"]  # never fetched: http(s) only
    assert missing.isError and "list_articles" in missing.content[0].text


@pytest.mark.slow
def test_the_newsdesk_mcp_command_over_stdio_answers_a_french_question(tmp_path):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    from rag.config import load_settings
    from rag.pipeline import build

    data = tmp_path / "data"
    build(load_settings({"data_dir": str(data)}, environ={})).add([SEED])
    from rag.store import locking

    locking.release_data_dir(data)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NEWSDESK_DATA_DIR": str(data)}
    command = str(Path(sys.executable).parent / "newsdesk")  # the installed command an assistant starts
    params = StdioServerParameters(command=command, args=["mcp"], env=env, cwd=str(ROOT))

    async def ask():
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            names = [t.name for t in (await session.list_tools()).tools]
            result = await session.call_tool("ask", {"question": QUESTION})
            return names, result

    names, result = anyio.run(ask)
    answer = structured(result)
    assert "ask" in names and answer["language"] == "fr" and not answer["refused"]
    assert answer["citations"] and all(c["article_id"] for c in answer["citations"])
    assert json.dumps(answer)  # the whole Answer object crosses the protocol
