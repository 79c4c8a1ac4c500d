import json
import os

import numpy as np
import pytest

from leader_pipeline import data, export, student, teacher


@pytest.mark.parametrize("options", [{}, {"hierarchy": True, "transition": "prior"}])
def test_export_writes_a_bundle_with_parity_at_several_shapes(dataset_dir, tmp_path, options):
    ds = data.load(dataset_dir)
    r = student.train(ds, ds.indices("train"), ds.indices("val"), hidden=16, layers=1, epochs=2, **options)
    out = str(tmp_path / "bundle")
    m = export.write_bundle(ds, r["model"], r["config"], out, model_id="t", version="1", metrics={}, provenance={"split_seed": 42},
                            teacher=None, description="test")
    assert len(m["provenance"]["onnx_parity"]) >= 3
    assert all(p["max_abs_diff"] <= 1e-5 for p in m["provenance"]["onnx_parity"])
    assert sorted(os.listdir(out)) == sorted(["manifest.json", "model.onnx"] + list(ds.manifest["vocabularies"].values()))
    for f, h in m["files"].items():
        assert data.sha256(os.path.join(out, f)) == h
    assert m["flops_per_visit"] > 0


def test_teacher_trains_through_lora_and_writes_hidden_states(dataset_dir, tmp_path, tiny_bert):
    ds = data.load(dataset_dir)
    model_dir = tiny_bert
    out = str(tmp_path / "teacher")
    r = teacher.train(ds, ds.indices("train"), ds.indices("val"), out, model_dir=model_dir, epochs=1, max_len=32, batch=4)
    assert r["info"]["pooling"] == "mean" and not r["info"]["decoder"]
    hidden = np.load(os.path.join(out, "hidden.npy"))
    assert hidden.shape == (len(ds.samples), 32)
    probs = np.load(os.path.join(out, "probs.npy"))
    assert probs.shape == (len(ds.samples), ds.n_meds) and ((probs > 0) & (probs < 1)).all(), "the teacher's probabilities, for soft targets"
    assert os.path.exists(os.path.join(out, "adapter", "adapter_config.json")) and os.path.exists(os.path.join(out, "head.pt"))
    trainable = [n for n, p in r["model"].named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n or n.startswith("head.") for n in trainable), "only LoRA and the head train"


def test_pooling_modes():
    import torch

    h = torch.arange(12, dtype=torch.float32).reshape(1, 3, 4)
    mask = torch.tensor([[1, 1, 0]])
    t = teacher.Teacher.__new__(teacher.Teacher)
    torch.nn.Module.__init__(t)
    t.pooling = "last"
    assert t.pool(h, mask).tolist() == [[4.0, 5.0, 6.0, 7.0]], "last real token, not padding"
    t.pooling = "cls"
    assert t.pool(h, mask).tolist() == [[0.0, 1.0, 2.0, 3.0]]
    t.pooling = "mean"
    assert t.pool(h, mask).tolist() == [[2.0, 3.0, 4.0, 5.0]]


def test_decoders_are_recognised():
    from transformers import BertConfig, GPT2Config, LlamaConfig

    assert teacher.is_decoder(LlamaConfig(architectures=["LlamaForCausalLM"]))
    assert teacher.is_decoder(GPT2Config(architectures=["GPT2LMHeadModel"], is_decoder=True))
    assert not teacher.is_decoder(BertConfig())


def test_data_parallel_launch_shares_teacher_training_between_processes(dataset_dir, tmp_path, tiny_bert):
    """Data parallel as on a multi-GPU machine (`accelerate launch --multi_gpu`, which starts
    torchrun), here with torchrun and two CPU processes (gloo): the same code path."""
    import subprocess
    import sys

    model_dir = tiny_bert
    out = tmp_path / "teacher"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29517",
           "-m", "leader_pipeline", "teacher", "--dataset", dataset_dir,
           "--out", str(out), "--model", model_dir, "--teacher-epochs", "1", "--max-len", "32", "--teacher-batch", "4", "--device", "cpu"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    info = json.load(open(out / "teacher.json"))
    assert info["processes"] == 2
    ds = data.load(dataset_dir)
    assert np.load(out / "hidden.npy").shape == (len(ds.samples), 32)
    steps = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert steps and all(s["stage"] == "teacher" for s in steps), "progress comes from the main process only"
    assert len(steps) == steps[-1]["total"], "one progress line per step, not one per process"
