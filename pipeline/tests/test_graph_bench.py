"""`bench-graph`: the graphs it times are the students they claim to be."""

import json

import torch

from conftest import make_dataset
from leader_pipeline import data, graph_bench
from leader_pipeline.data import collate


def test_the_ensemble_graph_returns_the_logit_of_its_members_mean_probability(tmp_path):
    ds = data.load(make_dataset(str(tmp_path / "ds"), n_patients=10, n_meds=6, seed=1))
    g = graph_bench.graphs(ds, members=3)
    ens = list(g.values())[2]
    assert len(ens.members) == 3 and all(m.transition is not None for m in ens.members)
    x = collate(ds.samples[:5])
    with torch.no_grad():
        p = torch.stack([torch.sigmoid(m(**x)[0]) for m in ens.members]).mean(0)
        got = torch.sigmoid(ens(**x)[0])
        distinct = not torch.equal(ens.members[0](**x)[0], ens.members[1](**x)[0])
    assert torch.allclose(got, p, atol=1e-6)
    assert distinct, "members of different seeds"
    assert list(g.values())[0].transition is None and list(g.values())[1].transition is not None


def test_bench_graph_exports_checks_and_times_each_graph(tmp_path):
    ds = data.load(make_dataset(str(tmp_path / "ds"), n_patients=8, n_meds=5, seed=2))
    r = graph_bench.run(ds, str(tmp_path / "out"), members=2, rounds=1, batch=4, threads=1)
    assert json.loads((tmp_path / "out" / "graph_bench.json").read_text()) == r
    assert len(r["graphs"]) == 3 and r["visits"] == len(ds.samples)
    for g in r["graphs"].values():
        assert g["parity_max_abs_diff"] < 1e-4
        assert 0 < g["batch1_p50_us"] <= g["batch1_p99_us"] and g["batched_visits_per_s"] > 0
    first = next(iter(r["graphs"].values()))
    assert first["batch1_p50_ratio"] == 1.0 and first["throughput_ratio"] == 1.0
    sizes = [g["onnx_bytes"] for g in r["graphs"].values()]
    assert sizes[2] > 1.9 * sizes[1] and sizes[1] > sizes[0], "two members are two students' weights; the matrix adds weights"
    assert "| recipe 2, 2 seeds in one graph |" in graph_bench.table(r)
