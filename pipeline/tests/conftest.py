"""A small, valid dataset folder written from scratch (random codes, no real data)."""

import hashlib
import json
import os

import numpy as np
import pytest

SPECIALS = ["[PAD]", "[UNK]"]


def _tokenizer(tokens):
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
            "pre_tokenizer": {"type": "WhitespaceSplit"}, "post_processor": None, "decoder": None,
            "model": {"type": "WordLevel", "vocab": {t: i for i, t in enumerate(tokens)}, "unk_token": "[UNK]"}}


def make_dataset(root, n_patients=12, n_meds=6, seed=0, folds=3, interactions=None):
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    meds = [f"ATC:A0{i}A" for i in range(n_meds)]
    vocabs = {"diagnoses": SPECIALS + [f"ICD10CM:X{i}" for i in range(10)], "procedures": SPECIALS + ["ICD10PCS:0000000"],
              "medications": SPECIALS + meds, "profile": SPECIALS + ["age:60-69", "sex:F", "sex:M"]}
    samples = []
    for p in range(n_patients):
        visits = int(rng.integers(1, 4))
        history = []
        for v in range(visits):
            labels = sorted(set(rng.integers(0, n_meds, 3).tolist()))
            dx = rng.integers(2, 12, int(rng.integers(1, 5))).tolist()
            cur = {"diagnoses": dx, "procedures": [2] if rng.random() < 0.3 else [], "medications": []}
            rows = history[-3:] + [cur]
            split = ["train", "train", "val", "test"][p % 4]
            samples.append({"patient": f"p{p}", "admission": f"p{p}-{v}", "visit_index": v, "split": split, "fold": p % folds,
                            "first_visit": v == 0, "labels": labels,
                            "diagnoses": [r["diagnoses"] for r in rows], "procedures": [r["procedures"] for r in rows],
                            "medications": [r["medications"] for r in rows], "profile": [2, 3 + p % 2, 1, 1, 1, 1, 1],
                            "prompt": f"The patient has {v + 1} hospital visits. Current visit: diagnoses: X{dx[0]}."})
            history.append({**cur, "medications": [i + 2 for i in labels]})
    with open(os.path.join(root, "samples.jsonl"), "w") as f:
        for s in samples:
            f.write(json.dumps(s) + "\n")
    files = {}
    for name, toks in vocabs.items():
        fn = f"{name}.tokenizer.json"
        with open(os.path.join(root, fn), "w") as f:
            json.dump(_tokenizer(toks), f)
        files[fn] = None
    files["samples.jsonl"] = None
    files = {k: hashlib.sha256(open(os.path.join(root, k), "rb").read()).hexdigest() for k in files}
    manifest = {"format_version": 1, "created": "2026-11-30 00:00:00",
                "options": {"seed": 42, "folds": folds, "limits": {"max_visits": 4, "max_diagnoses": 40, "max_procedures": 16, "max_medications": 48},
                            "prompt": {"max_previous": 3, "max_codes": 12, "profile": True}},
                "medication_atc_level": 3, "profile_fields": ["age", "sex", "admission_type", "insurance", "language", "marital_status", "race"],
                "medications": meds, "vocabularies": {k: f"{k}.tokenizer.json" for k in vocabs},
                "vocabulary_sizes": {k: len(v) for k, v in vocabs.items()},
                "counts": {"samples": len(samples), "patients": n_patients}, "sources": {"test": n_patients}, "files": files}
    if interactions is not None:
        manifest["interactions"] = {"source": "twosides", "source_pairs": len(interactions), "pairs": interactions}
    with open(os.path.join(root, "dataset.json"), "w") as f:
        json.dump(manifest, f)
    return root


@pytest.fixture
def dataset_dir(tmp_path):
    return make_dataset(str(tmp_path / "ds"))


def make_tiny_bert(root):
    """A randomly initialised 2-layer BERT with the packaged MiniLM tokenizer: a local
    model directory like a hospital's own, without downloading anything."""
    import shutil

    from transformers import BertConfig, BertModel

    from leader_pipeline import teacher

    cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
    BertModel(cfg).save_pretrained(root)
    src = teacher.default_model_dir()
    for f in os.listdir(src):
        if "token" in f or f == "vocab.txt":
            shutil.copy(os.path.join(src, f), root)
    return root


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory):
    return make_tiny_bert(str(tmp_path_factory.mktemp("bert")))
