# SPDX-License-Identifier: GPL-2.0-only
"""--runs N and --warmup: N replays of the same operations on fresh
machines (the parsed program again when it fitted the buffer, the input
read again when it streamed), replay time mean +- sd and per-operation
percentiles of every run; and the same from Python (libmm.mmbench).
"""
import json
import os
import statistics

import pytest

from libmm import mmbench
from mmbench_util import TRACES, WORKLOADS, check_result, run, run_json, strip_timing, write

DEFAULT = os.path.join(WORKLOADS, "default.mmw")


def counts(doc):
    return {k: (v["count"], v["failed"], v["skipped"]) for k, v in doc["ops"].items()}


@pytest.mark.parametrize("extra", [[], ["--buffer", "5000"]], ids=["parsed", "streamed"])
def test_runs_report_every_run(tmp_path, extra):
    one = run_json(tmp_path, DEFAULT, *extra, name="one.json")
    doc = run_json(tmp_path, DEFAULT, "--runs", "3", "--warmup", *extra, name="three.json")
    assert check_result(doc) is None
    r = doc["runs"]
    assert r["count"] == 3 and r["warmup"] is True and len(r["replay_runs_s"]) == 3
    assert doc["replay_s"] == pytest.approx(statistics.mean(r["replay_runs_s"]), rel=1e-3)
    assert r["replay_mean_s"] == pytest.approx(doc["replay_s"], rel=1e-3)
    assert r["replay_stddev_s"] == pytest.approx(statistics.stdev(r["replay_runs_s"]),
                                                 rel=1e-2, abs=1e-6)
    assert set(r["ops"]) == set(doc["ops"])
    for k, v in r["ops"].items():
        assert len(v["ns_p50_runs"]) == len(v["ns_p99_runs"]) == len(v["ns_mean_runs"]) == 3
    # each run replays the same operations on a fresh machine: counts are one run's,
    # and the end state is the single run's
    assert counts(doc) == counts(one) and doc["ops_total"] == one["ops_total"]
    a, b = strip_timing(one), strip_timing(doc)
    b.pop("runs")
    assert a == b


def test_one_run_has_no_runs_object(tmp_path):
    assert "runs" not in run_json(tmp_path, DEFAULT)


def test_runs_summary(tmp_path):
    p = run("run", DEFAULT, "--runs", "2", check=0)
    assert "runs: 2 on fresh machines; replay" in p.stdout and "+- " in p.stdout


def test_runs_of_a_trace_with_malloc(tmp_path):
    path = os.path.join(TRACES, "sort_headers.mtrace.xz")
    doc = run_json(tmp_path, path, "--runs", "2", "--backend", "malloc")
    assert doc["runs"]["count"] == 2 and doc["backend"] == "malloc"


def test_runs_need_a_file_not_stdin(tmp_path):
    p = run("run", "-", "--runs", "2", input_text="kmalloc a 8\n")
    assert p.returncode == 2 and "give a file, not stdin" in p.stderr
    p = run("run", "-", "--warmup", input_text="kmalloc a 8\n")
    assert p.returncode == 2
    assert run("run", "-", "--quiet", input_text="kmalloc a 8\n").returncode == 0


@pytest.mark.parametrize("bad", ["0", "x", "-1", "10001"])
def test_bad_runs(bad):
    p = run("run", DEFAULT, "--runs", bad)
    assert p.returncode == 2 and "bad --runs" in p.stderr


def test_python_runs_mmbench(tmp_path):
    doc = mmbench.run(DEFAULT, runs=2, warmup=True, seed=3)
    assert doc["runs"]["count"] == 2 and doc["seed"] == 3 and check_result(doc) is None
    doc = mmbench.run(b"machine cpus=1 NORMAL=64M\nkmalloc a 8\nkfree a\n", validate=True)
    assert doc["ops_total"] == 2 and doc["validate"] == "ok"
    trace = os.path.join(TRACES, "ls_usr_bin.mtrace.xz")
    a = mmbench.run(trace)
    b = mmbench.run(open(trace, "rb").read(), fmt="mtrace")
    assert counts(a) == counts(b)
    raw = mmbench.run(trace, raw=True)          # the JSON as mmbench wrote it
    assert isinstance(raw, bytes) and counts(json.loads(raw)) == counts(a)
    with pytest.raises(mmbench.MmbenchError) as e:
        mmbench.run(b"kmalloc a\n")
    assert e.value.returncode == 1 and "-:1: kmalloc: expected" in e.value.stderr
    m = mmbench.run(trace, backend="malloc")
    assert m["backend"] == "malloc" and m["memory"]["live_bytes_peak"] == \
        a["memory"]["live_bytes_peak"]
