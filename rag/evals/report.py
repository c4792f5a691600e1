"""Summaries, comparisons and the self-contained HTML report of evaluation runs."""

from __future__ import annotations

import html
import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.evals import metrics
from rag.evals.metrics import ANSWER_KEYS, RETRIEVAL_KEYS, passed

if TYPE_CHECKING:
    from datetime import date

    from rag.evals.questions import EvalConfig
    from rag.settings import Settings

COSTS = {
    "latency_retrieval_ms": "latency_retrieval_ms",
    "ttft_s": "ttft_s",
    "total_s": "total_s",
    "prompt_tokens": "tokens_prompt",
    "completion_tokens": "tokens_completion",
}


def read_results(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def aggregate(rows: list[dict], with_ci: bool = True) -> dict:
    """Flat metrics (means of per-question scores, cost percentiles) and their 95% intervals."""
    values: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        for key, value in (row.get("scores") or {}).items():
            values[f"{key}_rate" if key.endswith("false_refusal") else key].append(value)
    out = {key: metrics.mean(vals) for key, vals in sorted(values.items())}
    for field, name in COSTS.items():
        samples = [row[field] for row in rows if row.get(field) is not None]
        if samples:
            out[f"{name}_p50"] = metrics.percentile(samples, 50)
            out[f"{name}_p95"] = metrics.percentile(samples, 95)
    ci = {key: metrics.bootstrap_ci(vals) for key, vals in values.items()} if with_ci else {}
    return {
        "metrics": out,
        "ci": {k: v for k, v in ci.items() if v},
        "n": len(rows),
        "errors": sum(1 for r in rows if "error" in r),
    }


def summarize(
    results_path: Path,
    config: EvalConfig,
    settings: Settings,
    timings: dict[str, float],
    interrupted: bool,
    wall_s: float,
    today: date | None = None,
) -> dict[str, Any]:
    rows = read_results(results_path)
    presets: dict[str, dict] = {}
    for preset in dict.fromkeys(r["preset"] for r in rows):
        mine = [r for r in rows if r["preset"] == preset]
        summary = aggregate(mine)
        summary["by_lang"] = {
            lang: aggregate([r for r in mine if r["lang"] == lang], with_ci=False)["metrics"]
            for lang in sorted({r["lang"] for r in mine})
        }
        summary["by_kind"] = {
            kind: aggregate([r for r in mine if r["kind"] == kind], with_ci=False)["metrics"]
            for kind in sorted({r["kind"] for r in mine})
        }
        summary["wall_s"] = timings.get(preset)
        presets[preset] = summary
    main = "default" if "default" in presets else next(iter(presets), None)
    return {
        "name": config.name,
        "mode": config.mode,
        "questions": str(config.questions),
        "corpora": [str(c) for c in config.corpora],
        "limit": config.limit,
        "sample": config.sample,
        "unanswerable": config.unanswerable,
        "seed": config.seed,
        "today": today.isoformat() if today else None,  # the day the questions were asked on
        "interrupted": interrupted,
        "wall_s": wall_s,
        "main_preset": main,
        "metrics": presets[main]["metrics"] if main else {},
        "presets": presets,
        "settings": {row["key"]: row["value"] for row in settings.describe()},
    }


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else html.escape(str(value))


def write_report(out: Path, summary: dict, results_path: Path) -> Path:
    """A self-contained report.html (tables, plots inline, all text escaped)."""
    rows = read_results(results_path)
    presets = summary["presets"]
    keys = sorted(
        {k for p in presets.values() for k in p["metrics"]}, key=lambda k: (k not in RETRIEVAL_KEYS + ANSWER_KEYS, k)
    )
    parts = [
        f"<h1>Evaluation: {html.escape(summary['name'])}</h1>",
        f"<p>mode {html.escape(summary['mode'])} · "
        f"{presets[summary['main_preset']]['n'] if summary['main_preset'] else 0} questions · "
        f"wall time {summary['wall_s']} s"
        + (f" · asked on {html.escape(summary['today'])}" if summary.get("today") else "")
        + (" · <b>interrupted</b>" if summary["interrupted"] else "")
        + "</p>",
        "<h2>Metrics (95% bootstrap intervals)</h2><table><tr><th>metric</th>"
        + "".join(f"<th>{html.escape(p)}</th>" for p in presets)
        + "</tr>",
    ]
    for key in keys:
        cells = []
        for p in presets.values():
            value, ci = p["metrics"].get(key), p["ci"].get(key)
            cells.append(f"<td>{_fmt(value)}" + (f" <small>[{ci[0]:.3f}, {ci[1]:.3f}]</small>" if ci else "") + "</td>")
        parts.append(f"<tr><td>{html.escape(key)}</td>{''.join(cells)}</tr>")
    parts.append(
        "<tr><td>wall time (s)</td>"
        + "".join(f"<td>{_fmt(p.get('wall_s'))}</td>" for p in presets.values())
        + "</tr></table>"
    )
    from rag.evals.plots import plots

    for title, uri in plots(summary, rows):
        parts.append(f"<h2>{html.escape(title)}</h2><img src='{uri}' alt='{html.escape(title)}'>")
    for group in ("by_lang", "by_kind"):
        parts.append(f"<h2>{'By language' if group == 'by_lang' else 'By kind'}</h2>")
        for name, p in presets.items():
            parts.append(
                f"<h3>{html.escape(name)}</h3><table><tr><th></th>"
                + "".join(f"<th>{html.escape(k)}</th>" for k in p[group])
                + "</tr>"
            )
            for key in [k for k in keys if any(k in m for m in p[group].values())][:14]:
                parts.append(
                    f"<tr><td>{html.escape(key)}</td>"
                    + "".join(f"<td>{_fmt(m.get(key))}</td>" for m in p[group].values())
                    + "</tr>"
                )
            parts.append("</table>")
    main = summary["main_preset"]
    parts.append(
        f"<h2>Questions "
        f"({html.escape(str(main))})</h2><table><tr><th>question</th><th>expected</th><th>result</th><th>pass</th></tr>"
    )
    for row in [r for r in rows if r["preset"] == main][:500]:
        expected = ", ".join(row.get("answers") or row.get("gold") or []) or (
            "(unanswerable)" if not row.get("answerable") else ""
        )
        if summary["mode"] == "answer":
            result = row.get("answer") or row.get("error", "")
            cites = ", ".join(f"[{c['n']}] {c['article_id']}" for c in row.get("citations", []))
            result = f"{html.escape(result)}<br><small>{html.escape(cites)}</small>"
            ok = passed(row, "answer")
        else:
            result = html.escape(", ".join((row.get("ranked_articles") or [])[:3]))
            ok = passed(row, "retrieval")
        mark = "✔" if ok else "✘" if ok is not None else "—"
        parts.append(
            f"<tr><td>{html.escape(row['question'])}</td><td>{html.escape(expected)}</td><td>{result}</td><td>{mark}</td></tr>"
        )
    parts.append(
        "</table><h2>Settings</h2><table>"
        + "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in summary["settings"].items()
        )
        + "</table>"
    )
    style = (
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left;vertical-align:top}"
        "th{background:#f3f3f3}"
        "img{max-width:100%}small{color:#666}"
    )
    head = f"<meta charset='utf-8'><title>{html.escape(summary['name'])}</title><style>{style}</style>"
    page = f"<!DOCTYPE html><html><head>{head}</head><body>{''.join(parts)}</body></html>"
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def compare(run_a: Path, run_b: Path, preset: str | None = None) -> dict:
    """Per-metric deltas (B - A) with paired bootstrap intervals, and the questions that flipped."""
    rows_a, rows_b = read_results(Path(run_a) / "results.jsonl"), read_results(Path(run_b) / "results.jsonl")
    pick = preset or ("default" if any(r["preset"] == "default" for r in rows_a) else rows_a[0]["preset"])
    pick_b = pick if any(r["preset"] == pick for r in rows_b) else rows_b[0]["preset"]
    a = {r["id"]: r for r in rows_a if r["preset"] == pick}
    b = {r["id"]: r for r in rows_b if r["preset"] == pick_b}
    common = [i for i in a if i in b]
    keys = sorted(
        {k for i in common for k in (a[i].get("scores") or {})}
        & {k for i in common for k in (b[i].get("scores") or {})}
    )
    table = []
    for key in keys:
        pairs = [
            (a[i]["scores"][key], b[i]["scores"][key])
            for i in common
            if key in (a[i].get("scores") or {}) and key in (b[i].get("scores") or {})
        ]
        if not pairs:
            continue
        delta, lo, hi = metrics.paired_bootstrap([p[0] for p in pairs], [p[1] for p in pairs])
        table.append(
            {
                "metric": key,
                "a": metrics.mean([p[0] for p in pairs]),
                "b": metrics.mean([p[1] for p in pairs]),
                "delta": delta,
                "ci": [lo, hi],
                "n": len(pairs),
            }
        )
    flip_key = "hit@5" if any("hit@5" in (a[i].get("scores") or {}) for i in common) else next(iter(keys), None)
    flipped = []
    if flip_key:
        for i in common:
            va, vb = (a[i].get("scores") or {}).get(flip_key), (b[i].get("scores") or {}).get(flip_key)
            if va is not None and vb is not None and va != vb:
                flipped.append({"id": i, "question": a[i]["question"], flip_key: [va, vb]})
    return {
        "a": str(run_a),
        "b": str(run_b),
        "preset": [pick, pick_b],
        "questions": len(common),
        "metrics": table,
        "flip_metric": flip_key,
        "flipped": flipped,
    }
