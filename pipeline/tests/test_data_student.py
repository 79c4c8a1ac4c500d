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
