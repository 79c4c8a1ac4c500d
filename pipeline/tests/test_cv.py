"""The evaluation protocol (leader_pipeline/cv.py): splits, fold roles, pooling, and that no
held-out label is read by any choice."""

import copy

import numpy as np
import pytest

from conftest import make_dataset
from leader_pipeline import cv, data, metrics, report, teacher

TINY_STUDENT = {"hidden": 16, "epochs": 2, "patience": 2}


@pytest.fixture
def ds(tmp_path):
    return data.load(make_dataset(str(tmp_path / "ds"), n_patients=25, n_meds=8, seed=3, interactions=[[1, 0], [2, 5], [5, 2]]))


def test_the_frozen_test_is_a_seeded_fifth_of_the_patients(ds):
    dev, frozen = cv.frozen_split(ds)
    pd, pf = set(ds.patients(dev)), set(ds.patients(frozen))
    assert not pd & pf, "patient-level: no patient on both sides"
    assert len(pf) == 5 and len(pd) == 20
    assert sorted(dev + frozen) == list(range(len(ds.samples)))
    assert cv.frozen_split(ds) == (dev, frozen), "deterministic"
    assert cv.frozen_split(ds, seed=1)[1] != frozen, "the seed decides"


def test_fold_roles_test_each_fold_once_and_validate_inside_the_training_folds(ds):
    dev, _ = cv.frozen_split(ds)
    fold_of = cv.assign_folds(ds, dev, 4, seed=7)
    by_patient = {}
    for i, f in fold_of.items():
        by_patient.setdefault(ds.samples[i]["patient"], set()).add(f)
    assert all(len(f) == 1 for f in by_patient.values()), "a patient's visits share a fold"
    tested, validated = [], []
    for k in range(4):
        train, val, test = cv.fold_roles(fold_of, 4, k)
        assert not set(train) & set(val) and not set(train) & set(test) and not set(val) & set(test)
        assert sorted(train + val + test) == sorted(dev)
        assert not set(ds.patients(train)) & set(ds.patients(test)), "no test patient in training"
        tested += test
        validated += val
    assert sorted(tested) == sorted(dev) and sorted(validated) == sorted(dev), "each visit tested once and validated once"
    assert cv.assign_folds(ds, dev, 4, seed=8) != fold_of, "each seed has its own partition"


def _run(ds, out, **kw):
    args = dict(folds=3, seeds=(1, 2), variant_names=("recipe", "ensemble"), teacher_mode="none", student_kw=TINY_STUDENT, bootstrap=200)
    args.update(kw)
    return cv.run(ds, str(out), **args)


def test_predictions_are_pooled_over_the_test_folds_per_seed(ds, tmp_path):
    r = _run(ds, tmp_path / "cv")
    dev, frozen = cv.frozen_split(ds)
    assert r["protocol"]["development"]["visits"] == len(dev)
    for m in ("recipe", "ensemble", "repeat_previous", "most_frequent"):
        s = r["cv"]["seed_summary"][m]
        assert s["overall"]["visits"] == len(dev), "every development visit is scored once per seed"
        assert s["first_visit"]["visits"] + s["with_history"]["visits"] == len(dev)
        assert len(s["overall"]["prauc"]["per_seed"]) == 2
        assert len(r["cv"]["per_fold"][m]) == 6
        assert s["overall"]["ddi_rate"] is not None, "measured against the dataset's adjacency"
    # The pooled repeat-previous scores are the baseline on the development visits, fold by fold.
    tests = {k: cv.fold_roles(cv.assign_folds(ds, dev, 3, 1), 3, k)[2] for k in range(3)}
    assert sorted(sum(tests.values(), [])) == sorted(dev)
    assert r["frozen_test"]["seed_summary"]["recipe"]["overall"]["visits"] == len(frozen)
    paired = r["cv"]["paired"]["recipe"]
    assert len(paired["prauc"]["per_fold"]) == 6 and paired["prauc"]["bootstrap"]["patients"] == 20
    lo, hi = paired["prauc"]["bootstrap"]["ci95"]
    assert lo <= paired["prauc"]["bootstrap"]["mean"] <= hi
    # The report renders every table from the run, the recipe first, and writes it between markers.
    text = report.render([r])
    assert text.index("| recipe:") < text.index("| repeat the previous visit |") and "Frozen test" in text
    doc = tmp_path / "README.md"
    doc.write_text("intro\n<!-- tables:x begin -->\nstale\n<!-- tables:x end -->\noutro\n")
    report.write_between(str(doc), "x", text)
    assert doc.read_text() == f"intro\n<!-- tables:x begin -->\n{text}<!-- tables:x end -->\noutro\n"
    with pytest.raises(SystemExit, match="markers"):
        report.write_between(str(doc), "missing", text)


def _poison(ds, idx):
    """The same dataset with the labels of `idx` replaced by their complement."""
    bad = copy.deepcopy(ds)
    for i in idx:
        bad.samples[i]["labels"] = [m for m in range(ds.n_meds) if m not in ds.samples[i]["labels"]]
    return bad


def test_no_held_out_label_is_read_by_any_choice(ds, tmp_path, tiny_bert):
    """With a fine-tuned teacher per fold (a tiny BERT), the recipe choosing alpha among 0
    and 1, per-group thresholds and a temperature: every choice there is."""
    teacher_kw = {"model_dir": tiny_bert, "epochs": 1, "max_len": 32, "batch": 8}
    kw = dict(seeds=(1,), variant_names=("recipe",), teacher_mode="finetune", teacher_kw=teacher_kw)
    clean = _run(ds, tmp_path / "clean", **kw)
    dev, frozen = cv.frozen_split(ds)
    # 1. Poisoned frozen-test labels: the whole cross-validation is unchanged, and so is every
    # choice of the final models (alpha, thresholds, temperature, epochs, the teacher's);
    # only the frozen-test scores move.
    poisoned = _run(_poison(ds, frozen), tmp_path / "frozen", **kw)
    assert poisoned["cv"] == clean["cv"]
    assert poisoned["frozen_test"]["choices"] == clean["frozen_test"]["choices"]
    assert poisoned["frozen_test"]["models"] != clean["frozen_test"]["models"], "the poison reached the frozen test"
    # 2. Poisoned labels of one outer test fold: that fold's choices are unchanged (its
    # validation fold and training folds are clean); its scores move.
    test0 = cv.fold_roles(cv.assign_folds(ds, dev, 3, 1), 3, 0)[2]
    fold = _run(_poison(ds, test0), tmp_path / "fold", **kw)
    assert fold["cv"]["choices"][0] == clean["cv"]["choices"][0]
    first = clean["cv"]["choices"][0]
    assert {"teacher", "recipe"} <= set(first) and set(first["recipe"]["val_prauc"]) == {"0", "1"}, "the choices compared are all there"
    assert set(first["recipe"]) >= {"alpha", "thresholds", "threshold", "temperature", "epochs_run"}
    assert fold["cv"]["per_fold"]["recipe"][0] != clean["cv"]["per_fold"]["recipe"][0]
    assert fold["cv"]["choices"][1] != clean["cv"]["choices"][1], "fold 1 validates on fold 2 but trains on the poisoned fold 0"


def test_the_bootstrap_resamples_patients_not_visits():
    # Two patients: one with 3 visits at +1, one with 1 visit at -1. Resampling visits would
    # centre near +0.5; patients (with all their visits) give exactly -1, +0.5 or +1.
    b = cv.bootstrap_interval(["a", "a", "a", "b"], np.array([1.0, 1.0, 1.0, -1.0]), samples=500, seed=1)
    assert b["mean"] == pytest.approx(0.5) and b["patients"] == 2
    lo, hi = b["ci95"]
    assert lo == pytest.approx(-1.0) and hi == pytest.approx(1.0)
    assert not b["excludes_zero"]


def test_temperature_scaling_does_not_reorder_and_calibrates_overconfident_scores():
    rng = np.random.default_rng(0)
    y = (rng.random((200, 10)) < 0.3).astype(float)
    logits = np.where(y > 0, 1.0, -1.0) * 0.5 + rng.normal(0, 1, y.shape)
    over = 1 / (1 + np.exp(-4 * logits))  # four times too confident
    t = cv.fit_temperature(over, y)
    assert t > 2.0
    fixed = cv.apply_temperature(over, t)
    assert (np.argsort(fixed, 1, kind="stable") == np.argsort(over, 1, kind="stable")).all()
    assert metrics.expected_calibration_error(fixed, y) < metrics.expected_calibration_error(over, y)


def test_the_student_command_trains_the_recipe_that_cv_scores():
    """`leader refine` runs `student` with its defaults (plus the recipe's flags): those must be
    the structure the cross-validation's recipe scores, and every variant must name its own."""
    import argparse

    from leader_pipeline.__main__ import _student_args, _student_kw

    p = argparse.ArgumentParser()
    _student_args(p)
    defaults = _student_kw(p.parse_args([]))
    vs = cv.variants()
    recipe = next(iter(vs.values()))
    assert recipe.name == "recipe"
    assert all(defaults[k] == v for k, v in recipe.student.items()), (recipe.student, defaults)
    assert all("transition" in v.student for v in vs.values()), "no variant depends on the command line's default"


def test_the_frozen_teachers_probe_reads_training_and_validation_labels_only(ds):
    """Soft targets from the frozen teacher: a linear head over its features. Features that
    carry the labels make it better than the training frequencies on validation; poisoning
    every other sample's labels changes nothing it returns."""
    rng = np.random.default_rng(0)
    y = ds.labels()
    hidden = np.concatenate([y * 2.0 + rng.normal(0, 0.5, y.shape), rng.normal(0, 1, (len(y), 6))], axis=1).astype(np.float32)
    dev, frozen = cv.frozen_split(ds)
    train, val, rest = dev[: len(dev) // 2], dev[len(dev) // 2: 3 * len(dev) // 4], dev[3 * len(dev) // 4:] + frozen
    q = teacher.linear_probe(hidden, ds, train, val, seed=1)
    assert q.shape == y.shape and np.all((q > 0) & (q < 1))
    freq = np.tile(y[train].mean(0), (len(val), 1))
    assert metrics.score(q[val], y[val])["prauc"] > metrics.score(freq, y[val])["prauc"] + 0.05
    assert np.array_equal(teacher.linear_probe(hidden, _poison(ds, rest), train, val, seed=1), q)
    assert not np.array_equal(teacher.linear_probe(hidden, _poison(ds, val), train, val, seed=1), q), "validation decides when to stop"
