import json
import os

import numpy as np
import pytest
import torch

from leader_pipeline import baselines, data, student


def test_collate_pads_visits_left_and_codes_right(dataset_dir):
    ds = data.load(dataset_dir)
    a = {"diagnoses": [[2, 3], [4]], "procedures": [[], []], "medications": [[2], []], "profile": [3]}
    b = {"diagnoses": [[5]], "procedures": [[]], "medications": [[]], "profile": [3, 4]}
    x = data.collate([a, b])
    assert x["diagnoses"].shape == (2, 2, 2)
    assert x["diagnoses"][1].tolist() == [[0, 0], [5, 0]], "the current visit is the last row"
    assert x["procedures"].shape == (2, 2, 1), "an empty code axis is one wide"
    assert x["profile"].tolist() == [[3, 0], [3, 4]]
    assert len(ds.samples) > 0


def test_a_tampered_dataset_is_refused(dataset_dir):
    with open(os.path.join(dataset_dir, "samples.jsonl"), "a") as f:
        f.write("\n")
    with pytest.raises(ValueError, match="does not match its hash"):
        data.load(dataset_dir)


def test_student_forward_handles_first_visits_and_empty_code_rows(dataset_dir):
    ds = data.load(dataset_dir)
    m = student.Student({k: ds.vocab_size(k) for k in student.INPUTS}, ds.n_meds, hidden=16, layers=1, med_labels=student.med_to_label(ds))
    m.eval()
    first = [s for s in ds.samples if s["first_visit"]][:3]
    logits, h = m(**data.collate(first))
    assert logits.shape == (3, ds.n_meds) and h.shape == (3, 16)
    assert torch.isfinite(logits).all(), "all-padding rows must not produce NaN"


def test_the_copy_pathway_maps_history_medications_onto_labels(dataset_dir):
    ds = data.load(dataset_dir)
    mapping = student.med_to_label(ds)
    assert mapping[0] == ds.n_meds and mapping[1] == ds.n_meds, "padding and unknown map to no label"
    assert mapping[2:] == list(range(ds.n_meds))


def test_training_is_deterministic_and_distillation_changes_the_model(dataset_dir):
    ds = data.load(dataset_dir)
    tr, va = ds.indices("train"), ds.indices("val")
    a = student.train(ds, tr, va, hidden=16, layers=1, epochs=3, seed=1)
    b = student.train(ds, tr, va, hidden=16, layers=1, epochs=3, seed=1)
    pa, pb = student.predict(a["model"], ds, va), student.predict(b["model"], ds, va)
    assert np.array_equal(pa, pb), "same seed, same model"
    hidden = np.random.default_rng(0).standard_normal((len(ds.samples), 24)).astype(np.float32)
    c = student.train(ds, tr, va, teacher_hidden=hidden, alpha=5.0, hidden=16, layers=1, epochs=3, seed=1)
    assert c["config"]["alpha"] == 5.0
    assert not np.array_equal(student.predict(c["model"], ds, va), pa), "the distillation term changes training"


def test_repeat_previous_baseline_ranks_last_visits_drugs_first(dataset_dir):
    ds = data.load(dataset_dir)
    later = next(i for i, s in enumerate(ds.samples) if not s["first_visit"])
    scores, sets = baselines.repeat_previous(ds, list(range(len(ds.samples))), [later])
    prev = baselines.previous_labels(ds, later)
    assert sets[0] == prev
    assert min(scores[0][list(prev)]) > max(np.delete(scores[0], list(prev)), default=-1)


@pytest.mark.parametrize("encoder", student.ENCODERS)
def test_both_encoders_handle_first_visits(dataset_dir, encoder):
    ds = data.load(dataset_dir)
    m = student.Student({k: ds.vocab_size(k) for k in student.INPUTS}, ds.n_meds, hidden=16, layers=1, encoder=encoder,
                        med_labels=student.med_to_label(ds)).eval()
    batch = data.collate([s for s in ds.samples if s["first_visit"]][:2] + [s for s in ds.samples if not s["first_visit"]][:2])
    logits, h = m(**batch)
    assert logits.shape == (4, ds.n_meds) and torch.isfinite(logits).all()


def test_attention_pooling_is_a_set_function_and_an_empty_set_is_zero():
    pool = student.AttentionPool(vocab=20, hidden=8, dropout=0.0).eval()
    ids = torch.tensor([[[3, 7, 11, 0], [0, 0, 0, 0]]])  # one sample, two visits; the second is empty
    out = pool(ids)
    shuffled = pool(torch.tensor([[[11, 3, 7, 0], [0, 0, 0, 0]]]))
    assert torch.allclose(out, shuffled, atol=1e-6), "code order within a visit must not matter"
    assert torch.equal(out[0, 1], torch.zeros(8)), "an all-padding visit pools to zero"
    assert torch.allclose(out[0, 0], pool(torch.tensor([[[3, 7, 11]]]))[0, 0], atol=1e-6), "padding does not change the pool"


def _copy_only(ds, **kw):
    """A student whose logits are the copy pathway alone (network and wide parts zeroed)."""
    m = student.Student({k: ds.vocab_size(k) for k in student.INPUTS}, ds.n_meds, hidden=16, med_labels=student.med_to_label(ds), **kw).eval()
    with torch.no_grad():
        m.out.weight.zero_()
        m.out.bias.zero_()
        m.w_last.fill_(2.0)
        m.w_any.fill_(1.0)
    return m


def test_the_copy_pathway_reads_the_previous_visits_not_the_current_one(dataset_dir):
    ds = data.load(dataset_dir)
    m = _copy_only(ds, wide=False)
    meds = torch.tensor([[[2, 3], [4, 0], [5, 0]]])  # label ids 0, 1 two visits back; 2 last visit; 3 "current"
    dx = torch.ones((1, 3, 1), dtype=torch.long)
    logits, _ = m(dx, dx, meds, torch.tensor([[0]]))
    assert logits[0, 2].item() == pytest.approx(3.0), "last visit: w_last + w_any"
    assert logits[0, 0].item() == pytest.approx(1.0) and logits[0, 1].item() == pytest.approx(1.0), "older visits: w_any"
    assert logits[0, 3].item() == 0.0, "the current visit's row is not history"
    first, _ = m(dx[:, :1], dx[:, :1], meds[:, :1] * 0, torch.tensor([[0]]))
    assert torch.equal(first, torch.zeros_like(first)), "a first visit has no copied medications"


def test_the_lookup_and_the_aligned_copy_pathways_agree(dataset_dir):
    ds = data.load(dataset_dir)
    m = _copy_only(ds, wide=False)
    assert m.labels_follow_vocab
    batch = data.collate([s for s in ds.samples if not s["first_visit"]][:4])
    aligned, _ = m(**batch)
    m.labels_follow_vocab = False
    lookup, _ = m(**batch)
    assert torch.equal(aligned, lookup)


def test_the_wide_pathway_reads_only_the_current_visit(dataset_dir):
    ds = data.load(dataset_dir)
    m = _copy_only(ds, wide=True)
    with torch.no_grad():
        m.w_last.zero_()
        m.w_any.zero_()
        m.wide["diagnoses"].weight[5, 0] = 4.0
    meds = torch.zeros((1, 2, 1), dtype=torch.long)
    px = torch.zeros((1, 2, 1), dtype=torch.long)
    now, _ = m(torch.tensor([[[1], [5]]]), px, meds, torch.tensor([[0]]))
    before, _ = m(torch.tensor([[[5], [1]]]), px, meds, torch.tensor([[0]]))
    assert now[0, 0].item() == pytest.approx(4.0) and before[0, 0].item() == 0.0


def test_each_group_gets_a_threshold_chosen_on_its_validation_visits(dataset_dir, monkeypatch):
    ds = data.load(dataset_dir)
    monkeypatch.setattr(student, "MIN_GROUP", 1)
    r = student.train(ds, ds.indices(fold=0) + ds.indices(fold=1), ds.indices(fold=2), hidden=16, epochs=2, seed=1)
    t = r["config"]["thresholds"]
    assert set(t) == {"first_visit", "with_history"} and all(0.1 <= v <= 0.9 for v in t.values())
    config = {"threshold": 0.5, "thresholds": {"first_visit": 0.99, "with_history": 0.01}}
    idx = [next(i for i, s in enumerate(ds.samples) if s["first_visit"]), next(i for i, s in enumerate(ds.samples) if not s["first_visit"])]
    probs = np.full((2, ds.n_meds), 0.5, dtype=np.float32)
    sets = student.predicted_sets(config, ds, idx, probs)
    assert sets[0] == set() and sets[1] == set(range(ds.n_meds)), "first visit 0.99, with history 0.01"
    assert student.threshold_for({"threshold": 0.3}, True) == 0.3, "older students: the global threshold"


def test_atc_parents_index_every_label_by_level_and_refuse_other_codes():
    assert student.atc_parents(["ATC:A02B", "ATC:A02A", "ATC:A03F", "ATC:N02B"]) == [[0, 0, 1, 2], [0, 0, 0, 1]]
    with pytest.raises(ValueError, match="RXNORM:1"):
        student.atc_parents(["ATC:A02B", "RXNORM:1"])


def test_the_hierarchy_outputs_move_siblings_together():
    vocab = {"diagnoses": 5, "procedures": 3, "medications": 6, "profile": 3}
    m = student.Student(vocab, 4, hidden=8, wide=False, copy_init=0.0, parents=[[0, 0, 1, 1], [0, 0, 0, 0]]).eval()
    x = torch.tensor([[[2, 3]]])
    with torch.no_grad():
        m.out.weight.zero_()
        m.out.bias.zero_()
        base, _ = m(x, x[..., :1], torch.zeros_like(x), torch.tensor([[1]]))
        assert torch.equal(base, torch.zeros_like(base)), "the parent outputs start at zero"
        m.out_parents[0].weight.normal_()
        m.out_parents[1].weight.normal_()
        logits, _ = m(x, x[..., :1], torch.zeros_like(x), torch.tensor([[1]]))
    assert logits[0, 0] == logits[0, 1] and logits[0, 2] == logits[0, 3] and logits[0, 0] != logits[0, 2]


def test_the_transition_pathway_reads_the_previous_visit_only(dataset_dir):
    ds = data.load(dataset_dir)
    m = _copy_only(ds, wide=False, transition=True)
    with torch.no_grad():
        m.w_last.zero_()
        m.w_any.zero_()
        m.transition[0, 3] = 2.5  # label 0 in the previous visit -> label 3 now
    dx = torch.ones((1, 3, 1), dtype=torch.long)
    last, _ = m(dx, dx, torch.tensor([[[4], [2], [0]]]), torch.tensor([[0]]))
    older, _ = m(dx, dx, torch.tensor([[[2], [4], [0]]]), torch.tensor([[0]]))
    assert last[0, 3].item() == pytest.approx(2.5) and older[0, 3].item() == 0.0


def test_the_co_occurrence_prior_reads_the_training_visits_and_leaves_the_diagonal_to_the_copy_pathway(dataset_dir):
    ds = data.load(dataset_dir)
    history = [i for i, s in enumerate(ds.samples) if not s["first_visit"]]
    for n, i in enumerate(history):  # drug 0 before is always followed by drug 1, drug 2 never
        ds.samples[i]["medications"][-2] = [2] if n % 2 else [4]
        ds.samples[i]["labels"] = sorted(set(ds.samples[i]["labels"]) | {1} if n % 2 else set(ds.samples[i]["labels"]) - {1})
    prior = student.transition_prior(ds, list(range(len(ds.samples))))
    assert prior.shape == (ds.n_meds, ds.n_meds) and np.isfinite(prior).all()
    assert np.all(np.diag(prior) == 0.0)
    assert prior[0, 1] > 0 > prior[2, 1], "a drug that always follows gets a positive lift, one that never does a negative one"
    assert np.all(prior[[1, 3, 4, 5]] == 0.0), "drugs never given before carry no evidence"
    assert np.all(student.transition_prior(ds, [i for i in range(len(ds.samples)) if i not in history]) == 0.0)


def test_the_expected_jaccard_decision_takes_the_best_top_k():
    rng = np.random.default_rng(3)
    probs = rng.random((50, 12)) ** 3
    for p, chosen in zip(probs, student.expected_jaccard_sets(probs)):
        order = np.argsort(-p, kind="stable")
        value = [p[order[:k]].sum() / (k + p.sum() - p[order[:k]].sum()) for k in range(1, len(p) + 1)]
        assert chosen == set(order[: int(np.argmax(value)) + 1].tolist())
    assert student.expected_jaccard_sets(np.array([[0.9, 0.8, 0.1, 0.05]])) == [{0, 1}]
    assert student.expected_jaccard_sets(np.array([[0.01, 0.02]])) == [{1}], "never an empty suggestion"
