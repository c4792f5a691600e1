"""Ingestion and retrieval on a real embedded Chroma store, with the fake embedder and LLM."""

import json

import pytest

from rag.errors import QuestionError, StoreError
from rag.ingest.articles import make_article
from rag.pipeline import build
from rag.types import Filters

from conftest import SEED, HashingEmbedder


def art(id, text, title="Titre", date="2024-03-12", source="Le Monde", lang="fr"):
    return make_article(id=id, text=text, title=title, date=date, source=source, lang=lang)


def test_add_skip_replace_remove(fake_pipeline):
    p = fake_pipeline
    a = art("a", "Le gouvernement relève la taxe sur le carburant. Les syndicats protestent.")
    b = art("b", "La Chine achète du pétrole et du gaz à la Russie.", source="AFP")
    r1 = p.add_articles([a, b])
    assert r1.added == ["a", "b"] and r1.chunks == 2
    r2 = p.add_articles([a])
    assert r2.skipped == ["a"] and r2.chunks == 0
    a2 = art("a", "Le gouvernement renonce à la taxe. " * 40)
    r3 = p.add_articles([a2])
    assert r3.updated == ["a"]
    chunks = p.store.chunks_of("a")
    assert len(chunks) > 1 and all(c.content_hash == a2.content_hash for c in chunks)
    assert p.store.counts() == (2, len(chunks) + 1)
    assert p.store.remove(["a", "zzz"]) == ["a"]
    assert p.store.counts() == (1, 1)
    assert [h.chunk.article_id for h in p.search("pétrole gaz Russie").hits] == ["b"]


def test_shrinking_several_articles_in_one_add_drops_their_old_chunks(fake_pipeline):
    p = fake_pipeline
    long = [art(f"l{i}", f"Article {i} sur la pêche. " * 60) for i in range(3)]
    p.add_articles(long)
    assert all(len(p.store.chunks_of(a.id)) > 1 for a in long)
    short = [art(f"l{i}", f"Article {i}, version courte.") for i in range(3)]
    assert p.add_articles(short).updated == ["l0", "l1", "l2"]
    assert [len(p.store.chunks_of(a.id)) for a in short] == [1, 1, 1] and p.store.counts() == (3, 3)


def test_search_filters_dates_sources_languages(fake_pipeline):
    p = fake_pipeline
    p.add_articles(
        [
            art("old", "Élection municipale à Lyon.", date="2019-05-01"),
            art("new", "Élection municipale à Lyon, second tour.", date="2024-05-01", source="AFP"),
            art("en", "Municipal election in Lyon.", date="2024-06-01", lang="en", source="Reuters"),
        ]
    )

    def ids(f):
        return sorted({h.chunk.article_id for h in p.search("élection municipale Lyon", f).hits})

    assert ids(Filters(since="2020-01-01")) == ["en", "new"]
    assert ids(Filters(until="2020-01-01")) == ["old"]
    assert ids(Filters(sources=("AFP",))) == ["new"]
    assert ids(Filters(langs=("en",))) == ["en"]
    assert ids(Filters(since="2024-01-01", langs=("fr",))) == ["new"]


def test_empty_index_and_bad_questions(fake_pipeline):
    with pytest.raises(StoreError, match="index is empty — run `newsdesk add corpus/`"):
        fake_pipeline.ask("Pourquoi ?")
    fake_pipeline.add_articles([art("a", "Du texte.")])
    with pytest.raises(QuestionError, match="empty"):
        fake_pipeline.ask("   ")
    with pytest.raises(QuestionError, match="limit 2,000"):
        fake_pipeline.ask("x" * 10_000)


def test_a_huge_jsonl_line_is_rejected_and_the_rest_added(fake_pipeline, tmp_path):
    path = tmp_path / "dump.jsonl"
    lines = [
        {"id": "ok", "title": "Un titre", "text": "La pêche reprend en Bretagne.", "lang": "fr"},
        {"id": "huge", "title": "Un dépôt", "text": "mot " * 600_000, "lang": "fr"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    report = fake_pipeline.add([path])
    assert report.added == ["ok"]
    assert (
        len(report.rejected) == 1
        and report.rejected[0].startswith("huge: 2,399,999 characters")
        and "ingest.max_article_chars" in report.rejected[0]
    )
    assert fake_pipeline.store.counts() == (1, 1)


def test_hnsw_graph_settings_apply_at_creation_and_search_breadth_on_every_open(fake_settings):
    p = build(fake_settings)
    p.add_articles([art("a", "La pêche reprend en Bretagne.")])
    hnsw = p.store.collection("chunks").configuration["hnsw"]
    assert (hnsw["max_neighbors"], hnsw["ef_construction"], hnsw["ef_search"]) == (32, 200, 400)
    later = fake_settings.model_copy(deep=True)
    later.store.hnsw_ef_search, later.store.hnsw_max_neighbors = 123, 8
    reopened = build(later)
    assert [h.chunk.article_id for h in reopened.search("pêche Bretagne").hits] == ["a"]
    hnsw = reopened.store.collection("chunks").configuration["hnsw"]
    assert (hnsw["max_neighbors"], hnsw["ef_search"]) == (32, 123)  # the graph stays as built; the breadth follows


def test_a_quantised_build_of_the_same_model_reads_the_index(fake_settings, monkeypatch):
    p = build(fake_settings)
    p.add_articles([art("a", "La pêche reprend en Bretagne.")])
    monkeypatch.setattr(HashingEmbedder, "id", HashingEmbedder.id + "+ov-int8")
    assert [h.chunk.article_id for h in build(fake_settings).search("pêche Bretagne").hits] == ["a"]
    monkeypatch.setattr(HashingEmbedder, "id", "fake-hashing-512+ov-int8")  # another model, quantised or not
    with pytest.raises(StoreError, match="newsdesk reindex"):
        build(fake_settings).search("pêche")


def test_embedder_guard_refuses_mixed_vector_spaces(fake_settings, monkeypatch):
    p = build(fake_settings)
    p.add_articles([art("a", "Du texte.")])
    monkeypatch.setattr(HashingEmbedder, "id", "another-embedder")
    other = build(fake_settings)
    with pytest.raises(StoreError, match="newsdesk reindex"):
        other.search("texte")
    with pytest.raises(StoreError, match="newsdesk reindex"):
        other.add_articles([art("b", "Autre texte.")])


def test_ask_streams_and_returns_answer_with_valid_citations(fake_pipeline):
    fake_pipeline.add([SEED])
    events = list(fake_pipeline.ask_stream("Pourquoi la Chine achète-t-elle du pétrole et du gaz à la Russie ?"))
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "RetrievalEvent" and kinds[-1] == "AnswerEvent" and "SentenceEvent" in kinds
    answer = events[-1].answer
    assert answer.language == "fr" and not answer.refused
    assert answer.citations and all(1 <= c.n <= len(answer.retrieval.hits) for c in answer.citations)
    for c in answer.citations:
        article = fake_pipeline.store.get_articles([c.article_id])[c.article_id].article
        assert article.text[c.start : c.end] == c.passage
    data = answer.to_dict()
    assert data["schema_version"] == 1
    assert set(data) == {
        "schema_version",
        "question",
        "language",
        "answer",
        "refused",
        "citations",
        "sentences",
        "retrieval",
        "timings",
        "tokens",
        "model",
        "stopped",
        "draft",
        "passages",
    }
    json.dumps(data)


def test_unsupported_answer_becomes_refusal_without_sources(fake_settings):
    from conftest import ScriptedLLM

    p = build(fake_settings, llm=ScriptedLLM("La capitale de la Mongolie est Oulan-Bator [1]."))
    p.add([SEED])
    answer = p.ask("Quelle est la capitale de la Mongolie ?")
    assert answer.refused and answer.citations == () and "ne le disent pas" in answer.answer


def test_killed_write_is_repaired_and_invisible(fake_pipeline):
    """A write interrupted after its chunks but before its commit leaves nothing visible."""
    from rag.ingest.chunking import chunk_article
    from rag.store.records import ArticleRecord
    from rag.store.writes import StoreWriter

    p = fake_pipeline
    p.add_articles([art("keep", "Un article complet sur la pêche.")])
    half = art("half", "Un article à moitié écrit sur la pêche en mer.")
    emb = p.embedder
    chunks = chunk_article(half, emb.count_tokens)
    dead = StoreWriter(p.store, owner="a-writer-that-died")
    dead.begin([ArticleRecord(half, n_chunks=len(chunks))])
    dead.write_chunks(chunks, emb.embed_documents([c.embed_text for c in chunks]))
    # ... the process dies here: no commit.
    assert [h.chunk.article_id for h in p.search("pêche en mer").hits] == ["keep"]
    fresh = build(p.settings)
    assert repair(fresh.store) == 1
    assert fresh.store.counts() == (1, 1)
    assert fresh.add_articles([half]).added == ["half"]


def test_llm_rewrite_of_follow_ups(fake_settings):
    from rag.config import with_overrides
    from rag.types import Message

    from conftest import ScriptedLLM

    llm = ScriptedLLM("Pourquoi la Chine achète-t-elle du gaz à la Russie ?")
    p = build(with_overrides(fake_settings, {"retrieval.llm_rewrite": True}), llm=llm)
    p.add([SEED])
    history = [Message("user", "Pourquoi la Chine achète-t-elle du pétrole à la Russie ?"), Message("assistant", "…")]
    answer = p.ask("Et le gaz ?", history)
    assert answer.retrieval.query == "Pourquoi la Chine achète-t-elle du gaz à la Russie ?"
    assert "Dernière question : Et le gaz ?" in llm.calls[0][0].content


def test_the_conversation_reaches_the_model_only_for_a_question_that_leans_on_it(fake_settings):
    from rag.types import Message

    from conftest import ScriptedLLM

    llm = ScriptedLLM("La Chine achète du pétrole russe [1].")
    p = build(fake_settings, llm=llm)
    p.add([SEED])
    history = [
        Message("user", "Pourquoi la Chine est-elle importante pour la Russie ?"),
        Message("assistant", "La Chine achète du pétrole russe [1]."),
    ]
    p.ask("Qu'a dit Pékin de l'accord de Paris ?", history)
    p.ask("Et le gaz ?", history)
    standalone, follow_up = llm.calls
    assert [m.role for m in standalone] == ["system", "user"]
    assert [m.content for m in follow_up[1:3]] == [m.content for m in history]


def test_cross_lingual_answers_are_written_in_the_passages_language_then_translated(fake_settings):
    from conftest import ScriptedLLM

    llm = ScriptedLLM(
        ["Vladimir Poutine et Xi Jinping ont échangé [1].", "Vladimir Poutine and Xi Jinping talked [1]."]
    )
    translate = fake_settings.model_copy(
        update={"llm": fake_settings.llm.model_copy(update={"cross_lingual": "translate"})}
    )
    p = build(translate, llm=llm)
    p.add([SEED])
    answer = p.ask("What did Vladimir Poutine and Xi Jinping discuss?")
    first, second = llm.calls
    assert "Réponds à la question en français" in first[0].content  # the French prompt for French passages
    assert second[-1].content.startswith("Translate this text into English") and "ont échangé [1]" in second[-1].content
    assert answer.language == "en" and answer.answer.startswith("Vladimir Poutine and Xi Jinping talked")
    assert answer.citations and answer.citations[0].article_id.startswith("doc-")


def test_by_default_a_question_is_answered_directly_in_its_language_whatever_the_passages(fake_settings):
    from conftest import ScriptedLLM

    llm = ScriptedLLM("Vladimir Poutine and Xi Jinping talked about gas [1].")
    p = build(fake_settings, llm=llm)
    p.add([SEED])
    answer = p.ask("What did Vladimir Poutine and Xi Jinping discuss?")
    assert len(llm.calls) == 1 and "Answer the question in English" in llm.calls[0][0].content
    assert answer.language == "en" and not answer.refused


def test_a_model_that_echoes_the_instructions_example_is_asked_again_and_its_second_answer_is_shown(fake_settings):
    from conftest import ScriptedLLM

    echo = "Le gouvernement a relevé la taxe sur le carburant [1]. Selon un article du 3 mai 2021, les syndicats ont "
    echo += "protesté [1]."
    llm = ScriptedLLM([echo, "Vladimir Poutine et Xi Jinping ont échangé sur le gaz [1]."])
    p = build(fake_settings, llm=llm)
    p.add([SEED])
    answer = p.ask("De quoi Vladimir Poutine et Xi Jinping ont-ils parlé ?")
    first, second = llm.calls
    # asked again with the same passages and question, and no example to echo
    assert "taxe sur le carburant" in first[0].content and "taxe sur le carburant" not in second[0].content
    assert second[0].content.startswith("Tu es Newsdesk") and second[1:] == first[1:]
    assert not answer.refused and answer.answer.startswith("Vladimir Poutine et Xi Jinping ont échangé")
    assert "taxe" not in answer.answer and answer.citations


def answering(settings, **answer):
    """``settings`` with these answer settings."""
    return settings.model_copy(update={"answer": settings.answer.model_copy(update=answer)})


def test_an_answer_that_only_restates_the_question_is_refused(fake_settings):
    from conftest import ScriptedLLM

    restated = "Pour la Chine, elle est-elle importante pour la Russie selon l'article [1] ?"
    p = build(answering(fake_settings, quote_relevance=1e9, quote_words=0.0), llm=ScriptedLLM(restated))
    p.add([SEED])
    answer = p.ask("Pourquoi la Chine est-elle importante pour la Russie selon l'article ?")
    assert answer.refused and not answer.citations
    # it says nothing the reader did not ask: not even listed among the sentences left out
    assert not answer.sentences


def test_with_no_supported_sentence_a_strongly_relevant_passage_is_quoted(fake_settings):
    from conftest import ScriptedLLM

    # (the fake embedder's relevance scale is not the real one's: any relevant passage qualifies here)
    p = build(answering(fake_settings, quote_relevance=-100), llm=ScriptedLLM("Le musée maritime a été détruit [1]."))
    p.add([SEED])
    answer = p.ask("Pourquoi la Chine achète-t-elle du gaz à la Russie ?")
    assert not answer.refused and len(answer.citations) == 1
    c = answer.citations[0]
    article = p.store.get_articles([c.article_id])[c.article_id].article
    quoted = article.text[c.highlight_start : c.highlight_end]
    assert quoted and quoted in answer.answer  # the passage's own words, with the highlight on them
    assert [s.supported for s in answer.sentences] == [True, False] and "musée" not in answer.answer


def test_the_model_is_stopped_once_the_answer_is_full(fake_settings):
    from conftest import ScriptedLLM

    llm = ScriptedLLM(" ".join("La Chine achète du pétrole et du gaz russes [1]." for _ in range(2)) + " Fin " * 200)
    p = build(answering(fake_settings, max_sentences=1), llm=llm)
    p.add([SEED])
    answer = p.ask("Pourquoi la Chine achète-t-elle du gaz à la Russie ?")
    assert len([s for s in answer.sentences if s.supported]) == 1
    assert llm.yielded < 30  # it was not read to its end


def test_a_number_the_passage_does_not_hold_is_not_supported(fake_settings):
    from conftest import ScriptedLLM

    p = build(fake_settings, llm=ScriptedLLM("Vladimir Poutine et Xi Jinping ont échangé en 2019 [1]."))
    p.add([SEED])
    answer = p.ask("Quand Vladimir Poutine et Xi Jinping ont-ils échangé ?")
    # left out, never shown (a quote of the passage may stand in its place: it holds the question's words)
    assert "2019" not in answer.answer
    assert [s.supported for s in answer.sentences if "2019" in s.text] == [False]
    again = build(
        fake_settings,
        llm=ScriptedLLM("Vladimir Poutine et Xi Jinping ont échangé depuis l'invasion de l'Ukraine en 2022 [1]."),
    )
    assert not again.ask("Quand Vladimir Poutine et Xi Jinping ont-ils échangé ?").refused


def repair(store):
    """What a writer's repair undoes, run by itself."""
    with store.writing() as writer:
        return writer.repair()
