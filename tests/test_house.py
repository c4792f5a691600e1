"""The shape of the code: small modules and classes, every prompt file renders, ``import rag`` stays light."""

import ast
import subprocess
import sys

import pytest

from conftest import ROOT

SOURCES = sorted([*(ROOT / "rag").rglob("*.py"), *(ROOT / "ui").rglob("*.py")])
MAX_MODULE_LINES, MAX_CLASS_LINES = 300, 200


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_classes_stay_small(path):
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            assert node.end_lineno - node.lineno + 1 <= MAX_CLASS_LINES, node.name


def test_every_prompt_file_renders_with_its_variables():
    from rag.answer import prompts

    samples = {
        "today": "3 décembre 2026",
        "example": "Exemple [1].",
        "n": 1,
        "title": "Titre",
        "meta": "Source, 3 mai 2021",
        "text": "Un passage.",
        "passages": "[1]\n<<<\nUn passage.\n>>>",
        "question": "Pourquoi ?",
        "history": "user: Bonjour",
        "filters": "3 mai 2021 → …",
        "titles": "« Titre »",
        "names": "« Inde »",
        "under": ', from the article "Titre",',
        "words": "« indicateur »",
        "quote": "La Chine achète du gaz russe.",
        "sentence": "La Chine achète du gaz.",
        "passage": "La Chine achète du gaz russe.",
    }
    files = sorted(prompts.PROMPTS_DIR.glob("*.txt"))
    assert len(files) >= 20
    for path in files:
        fields = prompts.fields(prompts.load(path.stem))
        assert fields <= samples.keys(), path.name
        rendered = prompts.render(path.stem, **{k: samples[k] for k in fields})
        assert rendered and "{" not in rendered.replace("{n}", ""), path.name


def test_importing_rag_loads_no_network_or_model_library():
    heavy = [
        "httpx",
        "chromadb",
        "torch",
        "numpy",
        "llama_cpp",
        "sentence_transformers",
        "gradio",
        "openvino",
        "llama_index",
    ]
    code = f"import sys, rag; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"
