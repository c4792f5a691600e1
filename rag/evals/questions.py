"""Question sets and suites: the documented JSONL schema, suite files (TOML), and unanswerable samples."""

from __future__ import annotations

import json
import random
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from rag.errors import ConfigError
from rag.evals.baselines import EVAL_PRESETS
from rag.problems import Problem


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    answers: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    answerable: bool = True
    kind: str = "qa"
    date: str | None = None


def load_questions(path: Path) -> list[Question]:
    """Questions from a JSONL file in the documented schema; a bad line is a one-line error."""
    out = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(Problem("questions_unreadable", path=path, error=exc.strerror)) from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            out.append(
                Question(
                    id=str(r["id"]),
                    question=str(r["question"]),
                    lang=str(r.get("lang") or ""),
                    answers=tuple(r.get("answers") or ()),
                    article_ids=tuple(r.get("article_ids") or ()),
                    answerable=bool(r.get("answerable", True)),
                    kind=str(r.get("kind") or "qa"),
                    date=r.get("date"),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(Problem("bad_question", where=f"{path}:{n}", error=exc)) from None
    if not out:
        raise ConfigError(Problem("no_questions", path=path))
    return out


@dataclass
class EvalConfig:
    name: str
    questions: Path
    corpora: list[Path] = field(default_factory=list)
    mode: str = "retrieval"
    presets: list[str] = field(default_factory=lambda: ["default"])
    overrides: dict = field(default_factory=dict)
    limit: int | None = None
    sample: int | None = None  # a random sample of this many questions (seeded), instead of the first ``limit``
    unanswerable: float = 0.0
    seed: int = 0
    out: Path | None = None
    keep_index: bool = True  # False for a one-off corpus (a web upload): its index is deleted after the run

    def validate(self) -> None:
        if self.mode not in ("retrieval", "answer", "support"):
            raise ConfigError(f"mode {self.mode!r}: use retrieval, answer or support")
        for preset in self.presets:
            if preset not in EVAL_PRESETS:
                raise ConfigError(f"unknown preset {preset!r} — choose from {', '.join(EVAL_PRESETS)}")
        if not 0 <= self.unanswerable < 1:
            raise ConfigError("--unanswerable is a share between 0 and 1")


def load_suite(path: Path) -> EvalConfig:
    """A suite file (TOML): questions, corpora, mode, presets, overrides; paths relative to the file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read suite {path} ({exc})") from None
    base = Path(path).resolve().parent
    known = {"name", "questions", "corpora", "mode", "presets", "set", "limit", "sample", "unanswerable", "seed"}
    if unknown := set(data) - known:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)}")
    return EvalConfig(
        name=data.get("name", Path(path).stem),
        questions=(base / data["questions"]).resolve(),
        corpora=[(base / c).resolve() for c in data.get("corpora", [])],
        mode=data.get("mode", "retrieval"),
        presets=list(data.get("presets", ["default"])),
        overrides=dict(data.get("set", {})),
        limit=data.get("limit"),
        sample=data.get("sample"),
        unanswerable=float(data.get("unanswerable", 0.0)),
        seed=int(data.get("seed", 0)),
    )


def sample_unanswerable(questions: list[Question], share: float, seed: int) -> tuple[list[Question], set[str]]:
    """Hide a seeded choice of gold articles until about ``share`` of the answerable questions have none left;
    returns the questions (those left without a gold article made unanswerable) and the ids to hide.

    Several questions often share one article (xquad asks dozens about one paragraph): every question whose gold
    articles are all hidden is unanswerable, not only the ones drawn, or it would be scored as a false refusal.
    """
    if share <= 0:
        return questions, set()
    candidates = [q for q in questions if q.answerable and q.article_ids]
    target = int(round(share * len(candidates)))
    hidden: set[str] = set()
    for q in random.Random(seed).sample(candidates, len(candidates)):
        if sum(set(c.article_ids) <= hidden for c in candidates) >= target:
            break
        hidden |= set(q.article_ids)
    out = []
    for q in questions:
        if q.answerable and q.article_ids and set(q.article_ids) <= hidden:
            out.append(replace(q, answers=(), article_ids=(), answerable=False))
        else:  # a question with other gold articles stays answerable
            out.append(replace(q, article_ids=tuple(a for a in q.article_ids if a not in hidden)))
    return out, hidden


def pick(questions: list[Question], limit: int | None, sample: int | None, seed: int) -> list[Question]:
    """The questions a run asks: a seeded random sample (in file order), else the first ``limit``, else all.

    A sample spreads over the whole set: the first N questions of a set often come from a few articles.
    """
    if sample:
        chosen = set(random.Random(seed).sample(range(len(questions)), min(sample, len(questions))))
        return [q for i, q in enumerate(questions) if i in chosen]
    return questions[:limit] if limit else questions
