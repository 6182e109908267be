# SPDX-License-Identifier: GPL-2.0-only
"""The JSON Schema files of schemas/ (draft 2020-12, python3-jsonschema):
up to date with schemas/gen.py, and real outputs valid against them -
workloads and traces, libmm and malloc backends, --threads, --runs,
page_owner=1, Machine.report() and mmbench diff --json.  And the CSV
tables of --csv DIR."""
import csv
import json
import os
import subprocess
import sys

import jsonschema
import pytest

from libmm import Machine
from mmbench_util import TOP, TRACES, WORKLOADS, run, run_json

SCHEMAS = os.path.join(TOP, "schemas")


def schema(name):
    with open(os.path.join(SCHEMAS, name + ".schema.json")) as f:
        return json.load(f)


def validate(doc, name):
    s = schema(name)
    jsonschema.Draft202012Validator.check_schema(s)
    jsonschema.Draft202012Validator(s).validate(doc)


def test_files_match_the_generator(tmp_path):
    before = {n: open(os.path.join(SCHEMAS, n)).read() for n in os.listdir(SCHEMAS)
              if n.endswith(".json")}
    subprocess.run([sys.executable, os.path.join(SCHEMAS, "gen.py")], check=True)
    after = {n: open(os.path.join(SCHEMAS, n)).read() for n in os.listdir(SCHEMAS)
             if n.endswith(".json")}
    assert before == after, "run python3 schemas/gen.py and commit the files"


@pytest.mark.parametrize("workload,args", [
    ("towards_oom.mmw", ["--machine", "cpus=2 DMA=16M DMA32=16M NORMAL=32M page_owner=1"]),
    ("towards_oom.mmw", ["--runs", "2", "--label", "x"]),
    ("traces/kernel_tar_usr_include.perf.xz", []),
    ("traces/ls_usr_bin.mtrace.xz", ["--threads"]),
    ("traces/ls_usr_bin.mtrace.xz", ["--backend", "malloc"]),
])
def test_mmbench_results_valid(tmp_path, workload, args):
    doc = run_json(tmp_path, os.path.join(WORKLOADS, workload), *args)
    validate(doc, "mmbench-1")


def test_report_and_diff_valid(tmp_path):
    with Machine(NORMAL="64M", page_owner=1) as m:
        m.kmalloc(100, site="x")
        validate(m.report(), "libmm-report-1")
    a = run_json(tmp_path, os.path.join(TRACES, "ls_usr_bin.mtrace.xz"), name="a.json")
    b = run_json(tmp_path, os.path.join(TRACES, "ls_usr_bin.mtrace.xz"), "--machine",
                 "pcp=off", name="b.json")
    assert a and b
    doc = json.loads(run("diff", tmp_path / "a.json", tmp_path / "b.json", "--json", "-",
                         check=0).stdout)
    validate(doc, "mmbench-diff-1")


def test_invalid_documents_are_caught():
    doc = {"schema": "mmbench/1"}
    with pytest.raises(jsonschema.ValidationError):
        validate(doc, "mmbench-1")
    with pytest.raises(jsonschema.ValidationError):
        validate({"schema": "mmbench-diff/1", "runs": [], "rows": [{"section": 1}]},
                 "mmbench-diff-1")


# ---- --csv DIR ------------------------------------------------------------------

def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_csv_tables(tmp_path):
    out = tmp_path / "csv"
    doc = run_json(tmp_path, os.path.join(WORKLOADS, "towards_oom.mmw"), "--csv", out,
                   "--timeline", "10")
    ops = {r["op"]: r for r in rows(out / "ops.csv")}
    assert set(ops) == set(doc["ops"])
    for k, r in ops.items():
        assert int(r["count"]) == doc["ops"][k]["count"]
        assert int(r["failed"]) == doc["ops"][k]["failed"]
    tl = rows(out / "timeline.csv")
    assert len(tl) == sum(len(s["zones"]) for s in doc["timeline"])
    first = tl[0]
    assert first["zone"] == "DMA" and int(first["free"]) == doc["timeline"][0]["zones"][0]["free"]
    assert int(first["min"]) == doc["timeline"][0]["zones"][0]["min"]
    pages = rows(out / "page_ops.csv")
    assert sum(int(r["count"]) for r in pages) == doc["ops"]["alloc_pages"]["count"]
    assert {r["gfp"] for r in pages} >= {"GFP_KERNEL", "GFP_ATOMIC"}
    slab = rows(out / "slab_ops.csv")
    assert {r["cache"] for r in slab} == {r["name"] for r in doc["breakdown"]["slab_ops"]}


def test_csv_malloc_backend(tmp_path):
    out = tmp_path / "m"
    run("run", os.path.join(TRACES, "ls_usr_bin.mtrace.xz"), "--backend", "malloc", "--csv",
        out, "--quiet", check=0)
    assert sorted(os.listdir(out)) == ["ops.csv", "timeline.csv"]
    tl = rows(out / "timeline.csv")
    assert tl and tl[0]["zone"] == "" and int(tl[-1]["live_bytes"]) >= 0


def test_csv_bad_directory(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    p = run("run", os.path.join(TRACES, "ls_usr_bin.mtrace.xz"), "--csv", f, "--quiet",
            check=2)
    assert "is not a directory" in p.stderr
