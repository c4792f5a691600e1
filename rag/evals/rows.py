"""One result row per question: what a preset returned and its scores (retrieval or answer mode)."""

from __future__ import annotations

from rag.answer.citations import marker_numbers, strip_markers
from rag.answer.evidence import Evidence
from rag.evals import metrics
from rag.evals.questions import Question
from rag.text.language import detect_answer


def retrieval_row(q: Question, hits, seconds: float) -> dict:
    ranked = metrics.article_ranking([h.chunk.article_id for h in hits])
    gold = set(q.article_ids)
    row = {
        "ranked_articles": ranked[:20],
        "hits": [
            {
                "chunk_id": h.chunk.id,
                "fused": round(h.fused, 5),
                "dense": None if h.dense is None else round(h.dense, 4),
                "bm25": None if h.bm25 is None else round(h.bm25, 3),
            }
            for h in hits[:10]
        ],
        "latency_retrieval_ms": round(seconds * 1000, 2),
        "top_relevance": max((h.relevance for h in hits[:5] if h.relevance is not None), default=None),
    }
    row["scores"] = metrics.retrieval_scores(ranked, gold) if gold else {}
    return row


def gate_scores(q: Question, evidence: Evidence) -> dict[str, float]:
    """How the decision made before the model (``answer.evidence``) did on this question: a refusal of an
    answerable question, or of an unanswerable one."""
    refused = float(not evidence.enough)
    return {"gate_refusal_accuracy": refused} if not q.answerable else {"gate_false_refusal": refused}


def text_scores(q: Question, text: str, refused: bool) -> dict[str, float]:
    """What an answer's text scores against the question's expected answers, or as a refusal when there are none."""
    if not q.answerable:
        return {"refusal_accuracy": float(refused)}
    scores = {"false_refusal": float(refused)}
    if q.answers and not refused:
        scores["exact_match"] = metrics.exact_match(strip_markers(text), q.answers, q.lang)
        scores["f1"] = metrics.token_f1(strip_markers(text), q.answers, q.lang)
        scores["answer_contains"] = metrics.answer_contains(text, q.answers, q.lang)
    return scores


def answer_row(q: Question, answer) -> dict:
    text, raw = answer.answer, answer.draft
    cited_articles = {c.article_id for c in answer.citations}
    row = {
        "answer": text,
        "raw_answer": raw,
        "refused": answer.refused,
        "answer_lang": detect_answer(text) if text else "",
        "citations": [
            {"n": c.n, "article_id": c.article_id, "chunk_id": c.chunk_id, "support": c.support}
            for c in answer.citations
        ],
        "sentences": [
            {"text": s.text, "citations": list(s.citations), "supported": s.supported} for s in answer.sentences
        ],
        "passages": [
            {"n": p.n, "chunk_id": p.chunk_id, "title": p.title, "lang": p.lang, "text": p.passage}
            for p in answer.passages
        ],
        "prompt_tokens": answer.tokens.get("prompt"),
        "completion_tokens": answer.tokens.get("completion"),
        "latency_retrieval_ms": answer.timings.get("retrieval_ms"),
        "ttft_s": answer.timings.get("ttft_s"),
        "total_s": answer.timings.get("total_s"),
    }
    scores = {"language_match": float(row["answer_lang"] == q.lang) if text else None}
    shown = marker_numbers(text)
    known = {c.n for c in answer.citations}
    scores["citation_validity"] = sum(n in known for n in shown) / len(shown) if shown else None
    raw_numbers = marker_numbers(raw)
    scores["raw_citation_validity"] = (
        (sum(1 for n in raw_numbers if 1 <= n <= max(len(answer.retrieval.hits), 1)) / len(raw_numbers))
        if raw_numbers
        else None
    )
    scores.update(text_scores(q, text, answer.refused))
    if q.answerable and cited_articles and q.article_ids:
        scores["citation_precision"] = len(cited_articles & set(q.article_ids)) / len(cited_articles)
    if answer.sentences and not answer.refused:
        scores["supported_sentences"] = sum(s.supported for s in answer.sentences) / len(answer.sentences)
    row["scores"] = {k: v for k, v in scores.items() if v is not None}
    return row
