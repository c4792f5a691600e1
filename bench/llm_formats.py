"""Prompt evaluation and generation speed of the embedded model in other weight formats, side by side.

The default model ships as Q4_K_M. llama.cpp can requantize it (``llama_model_quantize``) to Q4_0
or Q8_0, whose matrix kernels differ on CPUs; the fast 0.5B model is shown for scale when it is
provisioned. Each row evaluates the same 600-token prompt (articles of ``corpus/``) in a fresh context,
best of three, then generates 40 tokens after a short prompt. The last column is what a prompt
like the pipeline's (~700 tokens) would take to its first token at that speed. The requantized files are written to a
temporary folder and removed.

    .venv/bin/python bench/llm_formats.py
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
PROMPT_TOKENS, GENERATED = 600, 40


def requantize(source: Path, folder: Path, name: str, ftype: int) -> Path:
    import llama_cpp

    out = folder / f"{source.stem}-{name}.gguf"
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype, params.allow_requantize, params.nthread = ftype, True, os.cpu_count() or 1
    if llama_cpp.llama_model_quantize(str(source).encode(), str(out).encode(), ctypes.byref(params)) != 0:
        raise SystemExit(f"llama.cpp could not requantize {source} to {name}")
    return out


def measure(path: Path, threads: int) -> tuple[float, float]:
    """Prompt tokens per second (best of three, fresh context) and generated tokens per second."""
    from llama_cpp import Llama

    llm = Llama(str(path), n_ctx=2048, n_threads=threads, n_batch=512, verbose=False)
    articles = (ROOT / "corpus" / "wikinews_fr.jsonl").read_text(encoding="utf-8").splitlines()
    words = "\n\n".join(json.loads(line)["text"] for line in articles[:8])
    tokens = llm.tokenize(words.encode())[:PROMPT_TOKENS]
    best = float("inf")
    for _ in range(3):
        llm.reset()
        started = time.perf_counter()
        llm.eval(tokens)
        best = min(best, time.perf_counter() - started)
    started, n = time.perf_counter(), 0
    for _ in llm.generate(tokens[:50], reset=True):
        n += 1
        if n >= GENERATED:
            break
    return len(tokens) / best, n / (time.perf_counter() - started)


def main() -> None:
    import llama_cpp

    from rag import load_settings
    from rag.models import llamacpp

    settings = load_settings()
    models = Path(settings.models_dir)
    source = llamacpp.resolve_llm_path(models, settings.llm.model)
    threads = settings.llm.threads or os.cpu_count() or 1
    print(f"{source.name}, {threads} threads, load {os.getloadavg()[0]:.2f}")
    print(
        f"{'weights':34} {'MiB':>6} {'prompt tok/s':>13} {'generated tok/s':>16} {'first token, 700-token prompt':>30}"
    )
    with tempfile.TemporaryDirectory() as folder:
        rows = [("Q4_K_M (as shipped, the baseline)", source)]
        rows += [
            (f"{name} (requantized)", requantize(source, Path(folder), name, ftype))
            for name, ftype in (
                ("Q4_0", llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0),
                ("Q8_0", llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0),
            )
        ]
        small = models / "llm" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
        if small.exists():
            rows.append(("0.5B model, Q4_K_M (for scale)", small))
        for label, path in rows:
            prompt, generated = measure(path, threads)
            size = path.stat().st_size // 2**20
            print(f"{label:34} {size:>6} {prompt:>13.0f} {generated:>16.1f} {700 / prompt:>28.1f} s")


if __name__ == "__main__":
    main()
