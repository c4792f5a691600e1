import json

from click.testing import CliRunner

from rag.cli import main

from conftest import FAKES, ROOT, SEED


def run(*args, input=None):
    result = CliRunner().invoke(main, [*FAKES, *args], input=input, catch_exceptions=False)
    return result


def test_help_is_instant_and_has_examples():
    result = CliRunner().invoke(main, ["ask", "--help"])
    assert result.exit_code == 0 and "Examples:" in result.output


def test_add_ask_json_and_stats(tmp_path):
    assert run("add", str(ROOT / "corpus")).exit_code == 0
    stats = json.loads(run("stats", "--json").stdout)
    assert stats["articles"] == 101  # the seed article and 100 Wikinews articles; ATTRIBUTION.md is skipped
    result = run("ask", "--json", "Pourquoi la Chine achète-t-elle du pétrole à la Russie ?")
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    assert answer["schema_version"] == 1 and answer["language"] == "fr"
    assert answer["citations"] and answer["retrieval"]["hits"]


def test_ask_text_prints_numbered_sources(tmp_path):
    run("add", str(SEED))
    result = run("ask", "Pourquoi la Chine achète-t-elle du pétrole à la Russie ?")
    assert result.exit_code == 0
    assert (
        "Sources :" in result.output
        and "[1] Coopération: échange entre Vladimir Poutine et Xi Jinping" in result.output
    )


def test_errors_are_one_line_with_a_fix(tmp_path):
    result = CliRunner().invoke(main, [*FAKES, "ask", "Pourquoi ?"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "index is empty" in lines[0] and "newsdesk add" in lines[0]
    result = CliRunner().invoke(main, ["--set", "llm.backend=nope", "stats"])
    assert result.exit_code == 1 and "unknown LLM backend 'nope'" in result.output


def test_add_reports_rejected_inputs_and_continues(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_text("")
    (tmp_path / "in" / "good.md").write_text("# Un bon article de test\n\nIl parle de la pluie et du beau temps.")
    (tmp_path / "in" / "bad.jsonl").write_text('{"id": "x", "text": "ok"}\n{oops\n')
    result = run("add", str(tmp_path / "in"), "--json")
    report = json.loads(result.stdout)
    assert len(report["added"]) == 2 and len(report["rejected"]) == 2
    assert any("bad.jsonl:2" in r for r in report["rejected"]) and any("empty file" in r for r in report["rejected"])
    assert result.exit_code == 0  # something was stored


def test_add_exits_3_when_every_input_is_rejected_and_0_when_they_are_already_stored(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    result = run("add", str(tmp_path / "empty.txt"), str(tmp_path / "missing.md"))
    assert result.exit_code == 3 and "0 added" in result.output and "empty file" in result.output
    assert run("add", str(SEED)).exit_code == 0
    again = run("add", str(SEED), str(tmp_path / "empty.txt"))  # unchanged and skipped: not a failure
    assert again.exit_code == 0 and "1 skipped" in again.output


def test_config_shows_origins(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSDESK_LLM__TEMPERATURE", "0.3")
    rows = {
        r["key"]: r for r in json.loads(CliRunner().invoke(main, ["--set", "ui.port=8000", "config", "--json"]).stdout)
    }
    assert (
        rows["llm.temperature"]["value"] == 0.3 and rows["llm.temperature"]["origin"] == "env NEWSDESK_LLM__TEMPERATURE"
    )
    assert rows["ui.port"]["origin"] == "cli" and rows["llm.model"]["origin"] == "default"


def test_models_lists_presets(tmp_path):
    result = CliRunner().invoke(main, ["--models-dir", str(tmp_path), "models", "--json"])
    names = {r["name"] for r in json.loads(result.stdout)}
    assert {"multilingual-e5-small", "qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-0.5b-instruct"} <= names


def test_chat_keeps_the_conversation(tmp_path):
    run("add", str(SEED))
    result = run("chat", input="Pourquoi la Chine achète-t-elle du pétrole à la Russie ?\nEt le gaz ?\n/quit\n")
    assert result.exit_code == 0 and result.stdout.count("Sources :") == 2
    from rag.answer.conversations import ConversationStore

    saved = ConversationStore(tmp_path / "data").list()
    assert len(saved) == 1 and [t["question"] for t in saved[0].turns] == [
        "Pourquoi la Chine achète-t-elle du pétrole à la Russie ?",
        "Et le gaz ?",
    ]
    assert (
        saved[0].turns[1]["answer"]["retrieval"]["query"] != "Et le gaz ?"
    )  # the follow-up was completed from history


def test_search_shows_the_sentence_that_matches_not_the_passage_start(tmp_path):
    run("add", str(SEED))
    result = run("search", "recul des efforts contre le changement climatique", "-k", "1")
    assert result.exit_code == 0
    snippet = result.output.splitlines()[1].strip()
    assert snippet.startswith("Ce retrait, acté lundi") and snippet.endswith("changement climatique.")


def test_shell_completion_lists_the_commands():
    result = CliRunner().invoke(
        main,
        [],
        env={"_NEWSDESK_COMPLETE": "bash_complete", "COMP_WORDS": "newsdesk fe", "COMP_CWORD": "1"},
        prog_name="newsdesk",
    )
    assert "plain,feed" in result.output.splitlines()
