"""The student, in LEADER's shape: one small transformer set encoder per code type
(diagnoses, procedures, medications) turns each visit into a vector; the profile is a
pseudo-visit; a visit encoder (transformer over the visits) reads the history and the
current visit, whose position gives the hidden state h. Output: logits over the
medication vocabulary. Training loss: BCE + alpha * MSE(projection(h), teacher hidden).
"""

from __future__ import annotations

import os

import numpy as np
import torch
from torch import nn

from . import metrics
from .common import progress, seed_everything, write_json
from .data import Dataset, collate

INPUTS = ["diagnoses", "procedures", "medications", "profile"]


class SetEncoder(nn.Module):
    """Codes of one type within a visit -> one vector (masked mean after self-attention)."""

    def __init__(self, vocab: int, hidden: int, heads: int, dropout: float):
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden, padding_idx=0)
        self.attn = nn.MultiheadAttention(hidden, heads, dropout=dropout, batch_first=True)
        self.norm1 = nn.LayerNorm(hidden)
        self.ff = nn.Sequential(nn.Linear(hidden, 2 * hidden), nn.GELU(), nn.Linear(2 * hidden, hidden))
        self.norm2 = nn.LayerNorm(hidden)
        self.drop = nn.Dropout(dropout)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:  # ids [N, C] -> [N, H]
        x = self.emb(ids)
        pad = ids == 0
        # A row of padding only attends to its first slot, so attention never sees an
        # all-masked row (NaN); such rows are zeroed after pooling.
        safe = pad.clone()
        safe[:, 0] = False
        a, _ = self.attn(x, x, x, key_padding_mask=safe, need_weights=False)
        x = self.norm1(x + self.drop(a))
        x = self.norm2(x + self.drop(self.ff(x)))
        keep = (~pad).unsqueeze(-1).to(x.dtype)
        return (x * keep).sum(1) / keep.sum(1).clamp(min=1.0)


def med_to_label(ds: Dataset) -> list[int]:
    """For each id of the medication input vocabulary, its label index (or n_meds when the
    code is no label: padding, unknown)."""
    import json

    with open(os.path.join(ds.root, ds.manifest["vocabularies"]["medications"])) as f:
        vocab = json.load(f)["model"]["vocab"]
    labels = {m: i for i, m in enumerate(ds.manifest["medications"])}
    out = [ds.n_meds] * len(vocab)
    for token, i in vocab.items():
        out[i] = labels.get(token, ds.n_meds)
    return out


class Student(nn.Module):
    def __init__(self, vocab: dict[str, int], n_meds: int, hidden: int = 64, heads: int = 4, layers: int = 2,
                 max_visits: int = 4, dropout: float = 0.1, teacher_dim: int | None = None, med_labels: list[int] | None = None,
                 copy_init: float = 1.0):
        super().__init__()
        # Copy pathway: the history's medications, mapped onto the labels, add a learned
        # per-medication weight to the logits (repeating a drug is the strongest signal in
        # inpatient prescribing). Not in the LEADER paper; documented in ARCHITECTURE.md.
        labels = med_labels if med_labels is not None else [n_meds] * vocab["medications"]
        self.register_buffer("med2label", torch.tensor(labels, dtype=torch.long))
        self.w_last = nn.Parameter(torch.full((n_meds,), copy_init))
        self.w_any = nn.Parameter(torch.full((n_meds,), copy_init / 2))
        self.n_meds = n_meds
        self.sets = nn.ModuleDict({k: SetEncoder(vocab[k], hidden, heads, dropout) for k in ["diagnoses", "procedures", "medications"]})
        self.profile = nn.Embedding(vocab["profile"], hidden, padding_idx=0)
        self.position = nn.Embedding(max_visits + 1, hidden)
        layer = nn.TransformerEncoderLayer(hidden, heads, 2 * hidden, dropout, batch_first=True, norm_first=True)
        self.visits = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(hidden)
        self.out = nn.Linear(hidden, n_meds)
        self.project = nn.Linear(hidden, teacher_dim) if teacher_dim else None
        self.max_visits = max_visits

    def forward(self, diagnoses, procedures, medications, profile):
        b, v = diagnoses.shape[0], diagnoses.shape[1]
        visit = 0
        for name, ids in (("diagnoses", diagnoses), ("procedures", procedures), ("medications", medications)):
            visit = visit + self.sets[name](ids.reshape(b * v, ids.shape[2])).reshape(b, v, -1)
        present = (diagnoses > 0).any(-1) | (procedures > 0).any(-1) | (medications > 0).any(-1)  # [B, V]
        prof_keep = (profile > 0).unsqueeze(-1).to(visit.dtype)
        prof = (self.profile(profile) * prof_keep).sum(1, keepdim=True)  # [B, 1, H]
        x = torch.cat([prof, visit], dim=1)  # profile pseudo-visit first, current visit last
        # Positions count back from the current visit, so left padding does not shift them.
        pos = torch.arange(v, -1, -1, device=x.device).clamp(max=self.max_visits)
        x = x + self.position(pos).unsqueeze(0)
        mask = torch.cat([torch.zeros((b, 1), dtype=torch.bool, device=x.device), ~present], dim=1)
        mask[:, -1] = False  # the current visit is always attended
        h = self.norm(self.visits(x, src_key_padding_mask=mask)[:, -1])
        history = medications[:, :-1]  # [B, V-1, C]; empty for a first visit
        last = medications[:, -2:-1]
        logits = self.out(h) + self.w_last * self._multi_hot(last) + self.w_any * self._multi_hot(history)
        return logits, h

    def _multi_hot(self, ids: torch.Tensor) -> torch.Tensor:  # [B, K, C] -> [B, n_meds]
        hot = torch.nn.functional.one_hot(self.med2label[ids], self.n_meds + 1).to(torch.float32)
        return hot.sum(dim=(1, 2)).clamp(max=1.0)[:, : self.n_meds]


def batches(idx: list[int], size: int, rng: np.random.Generator | None):
    order = np.array(idx)
    if rng is not None:
        rng.shuffle(order)
    for i in range(0, len(order), size):
        yield order[i : i + size].tolist()


@torch.no_grad()
def predict(model: Student, ds: Dataset, idx: list[int], batch: int = 256) -> np.ndarray:
    model.eval()
    out = []
    for b in batches(idx, batch, None):
        x = collate([ds.samples[i] for i in b])
        logits, _ = model(**x)
        out.append(torch.sigmoid(logits).numpy())
    return np.concatenate(out) if out else np.zeros((0, ds.n_meds), np.float32)


def best_threshold(probs: np.ndarray, labels: np.ndarray) -> float:
    """The threshold with the best mean Jaccard on validation (0.05 steps)."""
    grid = np.round(np.arange(0.1, 0.91, 0.05), 2)
    scores = [metrics.score(probs, labels, float(t))["jaccard"] for t in grid]
    return float(grid[int(np.argmax(scores))])


def train(ds: Dataset, train_idx: list[int], val_idx: list[int], *, teacher_hidden: np.ndarray | None = None, alpha: float = 1.0,
          hidden: int = 64, layers: int = 2, epochs: int = 60, patience: int = 10, lr: float = 2e-3, batch: int = 32,
          dropout: float = 0.1, seed: int = 42, max_visits: int | None = None, stage: str = "student", copy_init: float = 1.0,
          weight_decay: float = 1e-4) -> dict:
    seed_everything(seed)
    limits = ds.manifest["options"]["limits"]
    vocab = {k: ds.vocab_size(k) for k in INPUTS}
    use_kd = teacher_hidden is not None and alpha > 0
    model = Student(vocab, ds.n_meds, hidden=hidden, layers=layers, max_visits=max_visits or limits["max_visits"], dropout=dropout,
                    teacher_dim=teacher_hidden.shape[1] if use_kd else None, med_labels=med_to_label(ds), copy_init=copy_init)
    # Start from the training frequencies: the output bias is the labels' log-odds.
    freq = ds.labels(train_idx).mean(0).clip(1e-3, 1 - 1e-3)
    with torch.no_grad():
        model.out.bias.copy_(torch.tensor(np.log(freq / (1 - freq)), dtype=torch.float32))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    y = torch.tensor(ds.labels())
    t = torch.tensor(teacher_hidden) if use_kd else None
    bce, mse = nn.BCEWithLogitsLoss(), nn.MSELoss()
    rng = np.random.default_rng(seed)
    best, best_state, bad, done = -1.0, None, 0, 0
    for epoch in range(epochs):
        model.train()
        for b in batches(train_idx, batch, rng):
            logits, h = model(**collate([ds.samples[i] for i in b]))
            loss = bce(logits, y[b])
            if use_kd:
                loss = loss + alpha * mse(model.project(h), t[b])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        done += 1
        val = metrics.score(predict(model, ds, val_idx), ds.labels(val_idx))
        progress(stage, done, epochs, val_prauc=round(val["prauc"], 5))
        if val["prauc"] > best + 1e-6:
            best, bad = val["prauc"], 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            bad += 1
            if bad >= patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    threshold = best_threshold(predict(model, ds, val_idx), ds.labels(val_idx)) if val_idx else 0.5
    config = {"hidden": hidden, "layers": layers, "dropout": dropout, "copy_init": copy_init, "weight_decay": weight_decay, "alpha": alpha if use_kd else 0.0, "max_visits": model.max_visits,
              "vocab": vocab, "n_meds": ds.n_meds, "med_labels": model.med2label.tolist(), "epochs_run": done, "best_val_prauc": best, "threshold": threshold, "seed": seed}
    return {"model": model, "config": config}


def save(result: dict, out: str) -> None:
    os.makedirs(out, exist_ok=True)
    model = result["model"]
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("project.")}
    torch.save(state, os.path.join(out, "student.pt"))
    write_json(os.path.join(out, "student.json"), result["config"])


def load(out: str) -> tuple[Student, dict]:
    import json

    with open(os.path.join(out, "student.json")) as f:
        config = json.load(f)
    model = Student(config["vocab"], config["n_meds"], hidden=config["hidden"], layers=config["layers"], max_visits=config["max_visits"],
                    dropout=config["dropout"], med_labels=config["med_labels"], copy_init=config.get("copy_init", 1.0))
    model.load_state_dict(torch.load(os.path.join(out, "student.pt"), weights_only=True))
    model.eval()
    return model, config
