"""The OpenAI-compatible endpoints, through the official ``openai`` client against the running app."""

import httpx
import openai
import pytest

from rag.config import load_settings
from rag.pipeline import build
from ui.app import launch

from conftest import SEED, fake_values
from servers import free_port

QUESTION = "Pourquoi la Chine achète-t-elle du pétrole à la Russie ?"


def serve(tmp_path, **settings):
    port = free_port()
    pipeline = build(load_settings(fake_values(tmp_path, **{"ui.port": port, **settings}), environ={}))
    pipeline.add([SEED])
    return launch(pipeline, block=False), f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def open_app(tmp_path_factory):
    app, url = serve(tmp_path_factory.mktemp("api"))
    yield url
    app.close()


def test_models_and_a_french_question_answered_with_citations(open_app):
    client = openai.OpenAI(base_url=open_app + "/v1", api_key="unused")
    assert [m.id for m in client.models.list()] == ["newsdesk"]
    reply = client.chat.completions.create(model="newsdesk", messages=[{"role": "user", "content": QUESTION}])
    text = reply.choices[0].message.content
    answer = reply.model_extra["newsdesk"]  # the whole Answer object, as `newsdesk ask --json` prints it
    assert answer["schema_version"] == 1 and answer["language"] == "fr" and answer["citations"]
    assert text.startswith(answer["answer"]) and "[1]" in text
    assert "Sources :\n[1] Coopération: échange entre Vladimir Poutine et Xi Jinping" in text


def test_streaming_gives_the_same_answer_in_chunks_and_the_object_at_the_end(open_app):
    client = openai.OpenAI(base_url=open_app + "/v1", api_key="unused")
    history = [
        {"role": "system", "content": "ignored"},
        {"role": "user", "content": "Parle-moi de la Chine et de la Russie."},
        {"role": "assistant", "content": "La Chine est le premier partenaire commercial de la Russie [1]."},
    ]
    chunks = list(
        client.chat.completions.create(
            model="newsdesk", messages=[*history, {"role": "user", "content": QUESTION}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) >= 3 and chunks[-1].choices[0].finish_reason == "stop"
    answer = chunks[-1].model_extra["newsdesk"]
    assert text.startswith(answer["answer"]) and "Sources :" in text and answer["citations"]


def test_bad_requests_get_an_openai_error(open_app):
    client = openai.OpenAI(base_url=open_app + "/v1", api_key="unused")
    with pytest.raises(openai.BadRequestError, match="last message must be the user's question"):
        client.chat.completions.create(model="newsdesk", messages=[{"role": "assistant", "content": "hi"}])
    assert httpx.post(open_app + "/v1/chat/completions", content=b"{oops").status_code == 400


def test_the_api_key_is_required_when_set_and_the_api_is_closed_with_a_login_but_no_key(tmp_path):
    app, url = serve(tmp_path / "a", **{"ui.api_key": "k3y"})
    try:
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=url + "/v1", api_key="wrong").models.list()
        assert [m.id for m in openai.OpenAI(base_url=url + "/v1", api_key="k3y").models.list()] == ["newsdesk"]
    finally:
        app.close()
    app, url = serve(tmp_path / "b", **{"ui.auth": "alice:s3cret"})
    try:
        response = httpx.get(url + "/v1/models", headers={"Authorization": "Bearer anything"})
        assert response.status_code == 401 and "ui.api_key" in response.text
    finally:
        app.close()


def test_mcp_over_http_lists_tools_answers_and_refuses_anonymous_calls_when_a_key_is_set(tmp_path):
    import anyio
    import httpx as httpx_lib
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    app, url = serve(tmp_path, **{"ui.api_key": "k3y"})

    async def session(headers):
        async with streamablehttp_client(url + "/mcp", headers=headers) as (read, write, _):
            async with ClientSession(read, write) as s:
                await s.initialize()
                names = sorted(t.name for t in (await s.list_tools()).tools)
                result = await s.call_tool("ask", {"question": QUESTION})
                return names, result.structuredContent

    try:
        names, answer = anyio.run(session, {"Authorization": "Bearer k3y"})
        assert names == ["add_url", "ask", "brief", "list_articles", "search", "show_article", "timeline"]
        assert answer["language"] == "fr" and answer["citations"]
        with pytest.raises(Exception) as refused:  # the client gives up on a 401
            anyio.run(session, {})
        assert "401" in repr(refused.value) or refused.group_contains(httpx_lib.HTTPStatusError)
        assert httpx.post(url + "/mcp", json={}).status_code == 401
    finally:
        app.close()
