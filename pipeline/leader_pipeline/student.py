"""The student, in LEADER's shape: a set encoder per code type (diagnoses, procedures,
medications) turns each visit into a vector; the profile is a pseudo-visit; a visit
encoder reads the history and the current visit, whose position gives the hidden state h.
Output: logits over the medication vocabulary, plus two pathways beside the network: the
copy pathway (the history's medications, a learned weight per medication) and the wide
pathway (a learned weight per current diagnosis/procedure and medication).
Training loss: BCE + alpha * MSE(projection(h), teacher hidden).

Two encoders (ARCHITECTURE.md, "The student"): `attention` (default) pools each code set
with attention (one learned relevance score per code) and lets the current visit attend
over the others with one query; `transformer` is the paper's self-attention set encoders
and transformer over the visits, ~25x the FLOPs for the same validation PRAUC here.
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
# "attention": attention-pooling set encoders and a one-query visit encoder (the default:
# fast enough for the serving targets); "transformer": self-attention set encoders and a
# transformer over the visits, as in the LEADER paper.
ENCODERS = ("attention", "transformer")


class AttentionPool(nn.Module):
    """Codes of one type within a visit -> one vector by attention pooling: each code has
    a learned relevance score, the softmax of the scores over the visit's codes weighs the
    code embeddings (a set transformer's pooling block, PMA, with the query folded into a
    per-code score). Linear in the number of codes and a handful of ONNX nodes, unlike
    self-attention; the default."""

    def __init__(self, vocab: int, hidden: int, dropout: float):
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden, padding_idx=0)
        self.relevance = nn.Embedding(vocab, 1, padding_idx=0)
        self.drop = nn.Dropout(dropout)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:  # ids [..., C] -> [..., H]
        # Padding gets a large negative score (not -inf: an all-padding row stays finite and
        # pools the zero padding embedding, i.e. an empty set is the zero vector).
        score = torch.where(ids > 0, self.relevance(ids)[..., 0], -1e4)
        weights = torch.softmax(score, dim=-1).unsqueeze(-2)  # [..., 1, C]
        return torch.matmul(weights, self.drop(self.emb(ids)))[..., 0, :]


class QueryVisitEncoder(nn.Module):
    """The current visit attends over the profile pseudo-visit, the previous visits and
    itself (one query, one head, instead of a transformer over all the visits), then a
    feed-forward block: the current visit's position of a one-layer transformer,
    computed alone."""

    def __init__(self, hidden: int, dropout: float):
        super().__init__()
        self.norm_kv = nn.LayerNorm(hidden)
        self.q = nn.Linear(hidden, hidden)
        self.kv = nn.Linear(hidden, 2 * hidden)
        self.o = nn.Linear(hidden, hidden)
        self.scale = hidden**-0.5
        self.norm_ff = nn.LayerNorm(hidden)
        self.ff = nn.Sequential(nn.Linear(hidden, 2 * hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(2 * hidden, hidden))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, present: torch.Tensor) -> torch.Tensor:  # [B, T, H], [B, T] -> [B, H]
        y = self.norm_kv(x)
        k, v = self.kv(y).chunk(2, dim=-1)
        q = self.q(y[:, -1:])  # [B, 1, H]
        score = torch.where(present.unsqueeze(1), torch.matmul(q, k.transpose(1, 2)) * self.scale, -1e4)  # [B, 1, T]
        a = torch.matmul(self.drop(torch.softmax(score, dim=-1)), v)[:, 0]
        h = x[:, -1] + self.o(a)
        return h + self.ff(self.norm_ff(h))


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
                 copy_init: float = 3.0, encoder: str = "attention", wide: bool = True, embed: int | None = 32,
                 parents: list[list[int]] | None = None, transition: bool = False):
        super().__init__()
        if encoder not in ENCODERS:
            raise ValueError(f"unknown student encoder {encoder!r} (expected one of {', '.join(ENCODERS)})")
        self.encoder = encoder
        # Copy pathway: the history's medications, mapped onto the labels, add a learned
        # per-medication weight to the logits (repeating a drug is the strongest signal in
        # inpatient prescribing). Not in the LEADER paper; documented in ARCHITECTURE.md.
        labels = med_labels if med_labels is not None else [n_meds] * vocab["medications"]
        self.register_buffer("med2label", torch.tensor(labels, dtype=torch.long))
        # The usual case: the medication input vocabulary is [PAD], [UNK], then the labels
        # in label order, so an input id is its label + 2.
        self.labels_follow_vocab = labels == [n_meds, n_meds] + list(range(n_meds))
        self.w_last = nn.Parameter(torch.full((n_meds,), copy_init))
        self.w_any = nn.Parameter(torch.full((n_meds,), copy_init / 2))
        self.n_meds = n_meds
        if encoder == "transformer":
            self.sets = nn.ModuleDict({k: SetEncoder(vocab[k], hidden, heads, dropout) for k in ["diagnoses", "procedures", "medications"]})
            self.embed_up = None
        else:
            # Code embeddings may be narrower than the hidden size (`embed`): the pooled
            # visit vector is then projected up. Their width sets most of the memory traffic.
            embed = embed or hidden
            self.sets = nn.ModuleDict({k: AttentionPool(vocab[k], embed, dropout) for k in ["diagnoses", "procedures", "medications"]})
            self.embed_up = nn.Linear(embed, hidden) if embed != hidden else None
        # Wide pathway (optional): a per-code weight over the labels for the current visit's
        # diagnoses and procedures, i.e. a regularised logistic regression beside the network.
        self.wide = nn.ModuleDict({k: nn.Embedding(vocab[k], n_meds, padding_idx=0) for k in ["diagnoses", "procedures"]}) if wide else None
        if self.wide is not None:
            for e in self.wide.values():
                nn.init.zeros_(e.weight)
        self.profile = nn.Embedding(vocab["profile"], hidden, padding_idx=0)
        self.position = nn.Embedding(max_visits + 1, hidden)
        if encoder == "transformer":
            layer = nn.TransformerEncoderLayer(hidden, heads, 2 * hidden, dropout, batch_first=True, norm_first=True)
            self.visits = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        else:
            self.visits = QueryVisitEncoder(hidden, dropout)
        self.norm = nn.LayerNorm(hidden)
        self.out = nn.Linear(hidden, n_meds)
        # ATC-hierarchy outputs (optional): each label's logit adds its ATC parents' (level 2,
        # level 1) output, so a rare drug class borrows strength from its siblings. `parents`
        # = per level, the parent index of every label.
        self.parents = parents or []
        for level, index in enumerate(self.parents):
            self.register_buffer(f"parent_index_{level}", torch.tensor(index, dtype=torch.long))
        self.out_parents = nn.ModuleList([nn.Linear(hidden, max(index) + 1, bias=False) for index in self.parents])
        for layer in self.out_parents:
            nn.init.zeros_(layer.weight)
        # Transition pathway (optional): the previous visit's medications -> every label (the
        # copy pathway is its diagonal), a drug-to-drug matrix; zero, or a co-occurrence prior
        # from the training split (`transition_prior`, copied in by `train`).
        self.transition = nn.Parameter(torch.zeros(n_meds, n_meds)) if transition else None
        self.project = nn.Linear(hidden, teacher_dim) if teacher_dim else None
        self.max_visits = max_visits

    def forward(self, diagnoses, procedures, medications, profile):
        b, v = diagnoses.shape[0], diagnoses.shape[1]
        visit = 0
        for name, ids in (("diagnoses", diagnoses), ("procedures", procedures), ("medications", medications)):
            if self.encoder == "transformer":
                visit = visit + self.sets[name](ids.reshape(b * v, ids.shape[2])).reshape(b, v, -1)
            else:  # attention pooling works on [B, V, C] as is: fewer ONNX nodes
                visit = visit + self.sets[name](ids)
        if self.embed_up is not None:
            visit = self.embed_up(visit)
        # Codes are packed from the first slot, so a visit is present iff a first slot is set.
        present = (diagnoses[:, :, 0] > 0) | (procedures[:, :, 0] > 0) | (medications[:, :, 0] > 0)  # [B, V]
        prof = self.profile(profile).sum(1, keepdim=True)  # [B, 1, H]; padding embeds to zero
        x = torch.cat([prof, visit], dim=1)  # profile pseudo-visit first, current visit last
        # Positions count back from the current visit, so left padding does not shift them.
        pos = torch.arange(v, -1, -1, device=x.device).clamp(max=self.max_visits)
        x = x + self.position(pos).unsqueeze(0)
        if self.encoder == "transformer":
            mask = torch.cat([torch.zeros((b, 1), dtype=torch.bool, device=x.device), ~present], dim=1)
            mask[:, -1] = False  # the current visit is always attended
            h = self.norm(self.visits(x, src_key_padding_mask=mask)[:, -1])
        else:  # the profile pseudo-visit is always present (so never an all-masked row)
            h = self.norm(self.visits(x, torch.cat([profile[:, :1] > -1, present], dim=1)))
        # Per-visit multi-hot of the medications, then the previous visit's and any earlier
        # visit's, selected by weights over the visit axis (slicing it would specialise the
        # visit axis at export). A first visit has no history: both are zeros.
        hot = self._multi_hot(medications)  # [B, V, n_meds]
        idx = torch.arange(v, device=hot.device)
        select = torch.stack([idx == v - 2, idx < v - 1]).to(hot.dtype)  # [2, V]: the last visit; any earlier visit
        copied = torch.matmul(select, hot)  # [B, 2, n_meds]
        logits = self.out(h) + self.w_last * copied[:, 0] + self.w_any * copied[:, 1].clamp(max=1.0)
        for level, layer in enumerate(self.out_parents):
            logits = logits + torch.index_select(layer(h), 1, getattr(self, f"parent_index_{level}"))
        if self.transition is not None:
            logits = logits + torch.matmul(copied[:, 0], self.transition)
        if self.wide is not None:
            for name, ids in (("diagnoses", diagnoses), ("procedures", procedures)):
                logits = logits + self.wide[name](ids[:, -1]).sum(1)
        return logits, h

    def _multi_hot(self, ids: torch.Tensor) -> torch.Tensor:  # [B, V, C] -> [B, V, n_meds]
        if self.labels_follow_vocab:  # scatter the ids themselves: no lookup
            hot = torch.zeros((ids.shape[0], ids.shape[1], self.n_meds + 2), dtype=torch.float32, device=ids.device)
            hot = hot.scatter(2, ids, torch.ones_like(ids, dtype=torch.float32))
            return hot[:, :, 2:]
        labels = self.med2label[ids]  # n_meds for padding and codes that are no label
        hot = torch.zeros((ids.shape[0], ids.shape[1], self.n_meds + 1), dtype=torch.float32, device=ids.device)
        hot = hot.scatter(2, labels, torch.ones_like(labels, dtype=torch.float32))
        return hot[:, :, : self.n_meds]


TRANSITIONS = ("none", "learned", "prior")
ATC_PREFIXES = (1, 3, 4, 5)  # the lengths of ATC levels 1-4 (level 5 has 7 characters)


def atc_parents(codes: list[str]) -> list[list[int]]:
    """Per ancestor level (nearest first), the parent index of every label: `ATC:A02B` has
    the parents `A02` and `A`. Labels that are not ATC codes are refused."""
    atc = []
    for c in codes:
        if not c.startswith("ATC:") or len(c) - 4 not in ATC_PREFIXES[1:] + (7,):
            raise ValueError(f"ATC-hierarchy outputs need ATC labels of level 2 or deeper; {c!r} is not one")
        atc.append(c[4:])
    depth = min(len(a) for a in atc)
    out = []
    for n in reversed([n for n in ATC_PREFIXES if n < depth]):
        names = sorted({a[:n] for a in atc})
        index = {p: i for i, p in enumerate(names)}
        out.append([index[a[:n]] for a in atc])
    return out


def transition_prior(ds: Dataset, idx: list[int], shrink: float = 5.0) -> np.ndarray:
    """A drug-to-drug co-occurrence prior from the visits of `idx` that have history: entry
    (i, j) is the log-odds lift of drug j in a visit given drug i in the previous one,
    logit(P(j | i before)) - logit(P(j)), shrunk toward zero for rare i (`shrink` pseudo-visits
    at the base rate), divided by the mean number of previous drugs (the lifts of a visit's
    previous drugs add up). The diagonal is the copy pathway's and stays zero."""
    rows = [i for i in idx if not ds.samples[i]["first_visit"] and len(ds.samples[i]["medications"]) >= 2]
    n = ds.n_meds
    if not rows:
        return np.zeros((n, n), np.float32)
    to_label = med_to_label(ds)
    prev = np.zeros((len(rows), n + 1), np.float32)
    for r, i in enumerate(rows):
        prev[r, [to_label[m] for m in ds.samples[i]["medications"][-2]]] = 1.0
    prev = prev[:, :n]
    y = ds.labels(rows)
    base = y.mean(0).clip(1e-3, 1 - 1e-3)
    cond = ((prev.T @ y + shrink * base) / (prev.sum(0)[:, None] + shrink)).clip(1e-3, 1 - 1e-3)
    lift = np.where(prev.sum(0)[:, None] > 0, np.log(cond / (1 - cond)) - np.log(base / (1 - base)), 0.0)
    np.fill_diagonal(lift, 0.0)
    return (lift / max(float(prev.sum(1).mean()), 1.0)).astype(np.float32)


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


MIN_GROUP = 10


def threshold_for(config: dict, first_visit: bool) -> float:
    """The decision threshold of a visit: its group's, else the global one (older students)."""
    t = config.get("thresholds")
    return float(t["first_visit" if first_visit else "with_history"]) if t else float(config["threshold"])


def predicted_sets(config: dict, ds: Dataset, idx: list[int], probs: np.ndarray) -> list[set[int]]:
    return [set(np.flatnonzero(probs[r] >= threshold_for(config, ds.samples[i]["first_visit"])).tolist()) for r, i in enumerate(idx)]


def expected_jaccard_sets(probs: np.ndarray) -> list[set[int]]:
    """Per visit, the top-k medications whose k maximises the plug-in expected Jaccard
    S_k / (k + T - S_k) (S_k the sum of the k highest probabilities, T the sum of all): a
    decision from calibrated probabilities alone, with no threshold to choose."""
    out = []
    for p in probs:
        order = np.argsort(-p, kind="stable")
        s = np.cumsum(p[order])
        k = np.arange(1, len(p) + 1)
        best = int(np.argmax(s / (k + p.sum() - s))) + 1
        out.append(set(order[:best].tolist()))
    return out


def best_threshold(probs: np.ndarray, labels: np.ndarray) -> float:
    """The threshold with the best mean Jaccard on validation (0.05 steps)."""
    grid = np.round(np.arange(0.1, 0.91, 0.05), 2)
    scores = [metrics.score(probs, labels, float(t))["jaccard"] for t in grid]
    return float(grid[int(np.argmax(scores))])


def group_thresholds(ds: Dataset, val_idx: list[int], pv: np.ndarray | None) -> tuple[float, dict[str, float]]:
    """The global threshold and one per group, chosen on validation probabilities `pv`.
    Visits without and with history differ (the copy pathway only speaks for the latter), so
    each group gets its own threshold, chosen on its validation visits (the global one when
    a group has fewer than MIN_GROUP of them)."""
    threshold, thresholds = 0.5, {"first_visit": 0.5, "with_history": 0.5}
    if not val_idx or pv is None:
        return threshold, thresholds
    yv = ds.labels(val_idx)
    threshold = best_threshold(pv, yv)
    for group in thresholds:
        rows = [j for j, i in enumerate(val_idx) if ds.samples[i]["first_visit"] == (group == "first_visit")]
        thresholds[group] = best_threshold(pv[rows], yv[rows]) if len(rows) >= MIN_GROUP else threshold
    return threshold, thresholds


def train(ds: Dataset, train_idx: list[int], val_idx: list[int], *, teacher_hidden: np.ndarray | None = None, alpha: float = 1.0,
          hidden: int = 64, layers: int = 2, epochs: int = 60, patience: int = 10, lr: float = 2e-3, batch: int = 32,
          dropout: float = 0.1, seed: int = 42, max_visits: int | None = None, stage: str = "student", copy_init: float = 3.0,
          weight_decay: float = 1e-4, encoder: str = "attention", wide: bool = True, embed: int | None = 32,
          soft_targets: np.ndarray | None = None, soft_weight: float = 0.0, hierarchy: bool = False,
          transition: str = "none") -> dict:
    """`soft_targets` (one row of probabilities per sample, e.g. the teacher's) with
    `soft_weight` λ: the BCE targets become (1 - λ) y + λ q (label smoothing toward them).
    `hierarchy`: ATC-parent outputs; `transition`: "none", "learned" (a zero-initialised
    previous-drug -> drug matrix) or "prior" (initialised with `transition_prior` of the
    training split)."""
    if transition not in TRANSITIONS:
        raise ValueError(f"unknown transition {transition!r} (expected one of {', '.join(TRANSITIONS)})")
    seed_everything(seed)
    limits = ds.manifest["options"]["limits"]
    vocab = {k: ds.vocab_size(k) for k in INPUTS}
    use_kd = teacher_hidden is not None and alpha > 0
    model = Student(vocab, ds.n_meds, hidden=hidden, layers=layers, max_visits=max_visits or limits["max_visits"], dropout=dropout,
                    teacher_dim=teacher_hidden.shape[1] if use_kd else None, med_labels=med_to_label(ds), copy_init=copy_init,
                    encoder=encoder, wide=wide, embed=embed, parents=atc_parents(ds.manifest["medications"]) if hierarchy else None,
                    transition=transition != "none")
    if transition == "prior":
        with torch.no_grad():
            model.transition.copy_(torch.tensor(transition_prior(ds, train_idx), dtype=torch.float32))
    # Start from the training frequencies: the output bias is the labels' log-odds.
    freq = ds.labels(train_idx).mean(0).clip(1e-3, 1 - 1e-3)
    with torch.no_grad():
        model.out.bias.copy_(torch.tensor(np.log(freq / (1 - freq)), dtype=torch.float32))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    y = torch.tensor(ds.labels())
    if soft_targets is not None and soft_weight > 0:
        y = (1 - soft_weight) * y + soft_weight * torch.tensor(np.asarray(soft_targets, dtype=np.float32))
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
    threshold, thresholds = group_thresholds(ds, val_idx, predict(model, ds, val_idx) if val_idx else None)
    config = {"hidden": hidden, "layers": layers, "dropout": dropout, "copy_init": copy_init, "weight_decay": weight_decay, "encoder": encoder, "wide": wide, "embed": embed or hidden, "alpha": alpha if use_kd else 0.0, "max_visits": model.max_visits,
              "vocab": vocab, "n_meds": ds.n_meds, "med_labels": model.med2label.tolist(), "epochs_run": done, "best_val_prauc": best, "threshold": threshold, "thresholds": thresholds, "seed": seed,
              "soft_weight": soft_weight if soft_targets is not None else 0.0,
              "parents": model.parents, "transition": transition}
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
                    dropout=config["dropout"], med_labels=config["med_labels"], copy_init=config.get("copy_init", 1.0), encoder=config.get("encoder", "transformer"), wide=config.get("wide", False),
                    embed=config.get("embed", config["hidden"]), parents=config.get("parents"),
                    transition=config.get("transition", "none") != "none")
    model.load_state_dict(torch.load(os.path.join(out, "student.pt"), weights_only=True))
    model.eval()
    return model, config
