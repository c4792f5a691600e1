"""The plots of an evaluation run (matplotlib, without a display), as PNG data URIs for the report and the page."""

from __future__ import annotations

import base64
import io

from rag.evals.metrics import ANSWER_KEYS, RETRIEVAL_KEYS, SUPPORT_KEYS


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def plots(summary: dict, rows: list[dict]) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    out = []
    presets = summary["presets"]
    if summary["mode"] == "retrieval":
        fig, ax = plt.subplots(figsize=(6, 3.6))
        for name, p in presets.items():
            ys = [p["metrics"].get(f"recall@{k}") for k in range(1, 11)]
            if any(y is not None for y in ys):
                ax.plot(range(1, 11), ys, marker="o", label=name)
        ax.set_xlabel("k (articles)")
        ax.set_ylabel("recall@k")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        out.append(("Recall@k", _png(fig)))
    shown = {"retrieval": RETRIEVAL_KEYS, "support": SUPPORT_KEYS}.get(summary["mode"], ANSWER_KEYS)
    keys = [k for k in shown if any(k in p["metrics"] for p in presets.values())]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    width = 0.8 / max(len(presets), 1)
    for i, (name, p) in enumerate(presets.items()):
        ax.bar([x + i * width for x in range(len(keys))], [p["metrics"].get(k) or 0 for k in keys], width, label=name)
    ax.set_xticks(
        [x + width * (len(presets) - 1) / 2 for x in range(len(keys))], keys, rotation=30, ha="right", fontsize=8
    )
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    out.append(("Metrics by configuration", _png(fig)))
    if summary["mode"] == "support":
        return out  # no costs to show
    field = "latency_retrieval_ms" if summary["mode"] == "retrieval" else "total_s"
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for name in presets:
        samples = [r[field] for r in rows if r["preset"] == name and r.get(field) is not None]
        if samples:
            ax.hist(samples, bins=30, alpha=0.5, label=name)
    ax.set_xlabel(field)
    ax.set_ylabel("questions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of questions are whole numbers
    ax.legend(fontsize=8)
    out.append(("Latency", _png(fig)))
    return out
