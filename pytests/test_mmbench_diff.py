# SPDX-License-Identifier: GPL-2.0-only
"""mmbench diff and run labels: one real trace under two configs, the diff's
sign of change asserted; column headings from the config difference or
--label; three results; bad inputs; the overlay plots."""
import json
import lzma
import os

import pytest

from mmbench_util import TRACES, run, run_json

TAR = os.path.join(TRACES, "kernel_tar_usr_include.perf.xz")


@pytest.fixture(scope="module")
def tar_runs(tmp_path_factory):
    """The tar trace with the per-CPU lists on (the default) and off."""
    d = tmp_path_factory.mktemp("diff")
    on = run_json(d, TAR, "--timeline", "20", name="on.json")
    off = run_json(d, TAR, "--timeline", "20", "--machine", "pcp=off", name="off.json")
    return d, on, off


def rows(doc):
    return {(r["section"], r["path"]): r for r in doc["rows"]}


def test_diff_pcp_off_signs(tar_runs):
    """pcp=off: every pcp_* event goes to zero and no page waits on a
    per-CPU list; the operations are the same trace's."""
    d, on, off = tar_runs
    p = run("diff", d / "on.json", d / "off.json", "--json", "-", check=0)
    doc = json.loads(p.stdout)
    assert doc["schema"] == "mmbench-diff/1"
    assert [r["heading"] for r in doc["runs"]] == ["pcp=default", "pcp=off"]
    rs = rows(doc)
    # the same operations in both
    for kind in ("kmalloc", "cache_alloc", "alloc_pages"):
        r = rs[("ops", kind + ".count")]
        assert r["values"][0] == r["values"][1] == on["ops"][kind]["count"]
        assert r["change"] == [0]
    # every pcp_ counter that was non-zero falls to zero
    pcp = [r for (sec, path), r in rs.items() if sec == "vmstat" and path.startswith("pcp_")]
    assert pcp, "the pcp counters differ"
    for r in pcp:
        assert r["values"][0] > 0 and r["values"][1] == 0 and r["change"][0] < 0
    assert off["vmstat"]["pcp_alloc_hit"] == 0 < on["vmstat"]["pcp_alloc_hit"]
    peak = rs[("memory", "pcp_pages_peak")]
    assert peak["values"] == [on["memory"]["pcp_pages_peak"], 0]
    # without pages parked on per-CPU lists, more stays free
    free_on = sum(z["free"] for z in on["zones"])
    free_off = sum(z["free"] for z in off["zones"])
    assert free_off > free_on


def test_diff_text_table(tar_runs):
    d, _, _ = tar_runs
    p = run("diff", d / "on.json", d / "off.json", check=0)
    lines = p.stdout.splitlines()
    assert lines[0].startswith("mmbench diff: 2 results")
    heads = [l for l in lines if l.startswith("ops ")]
    assert heads and "pcp=default" in heads[0] and "pcp=off" in heads[0]
    hit = [l for l in lines if l.startswith("pcp_alloc_hit ")]
    assert hit and "(-100.0%)" in hit[0]


def test_diff_labels_and_three_results(tar_runs, tmp_path):
    """--label heads the column; three results: two change columns."""
    d, _, _ = tar_runs
    c = tmp_path / "c.json.xz"
    run_json(tmp_path, TAR, "--machine", "pcp=off page_alloc_policy=6.5", "--label",
             "old kernel", name="c.json")
    with open(tmp_path / "c.json", "rb") as f:
        c.write_bytes(lzma.compress(f.read()))
    p = run("diff", d / "on.json", d / "off.json", c, "--json", "-", check=0)
    doc = json.loads(p.stdout)
    # the labelled run's config still counts for the others' headings
    assert [r["heading"] for r in doc["runs"]] == [
        "pcp=default page_alloc_policy=default", "pcp=off page_alloc_policy=default",
        "old kernel"]
    for r in doc["rows"]:
        assert len(r["values"]) == 3 and len(r["change"]) == 2


def test_diff_writes_json_file(tar_runs, tmp_path):
    d, _, _ = tar_runs
    out = tmp_path / "diff.json"
    p = run("diff", d / "on.json", d / "off.json", "--json", out, check=0)
    assert "pcp_alloc_hit" in p.stdout
    assert json.loads(out.read_text())["schema"] == "mmbench-diff/1"


def test_diff_same_run_only_ops(tar_runs):
    """A result against itself: nothing but the ops rows, every change 0."""
    d, _, _ = tar_runs
    doc = json.loads(run("diff", d / "on.json", d / "on.json", "--json", "-", check=0).stdout)
    assert {r["section"] for r in doc["rows"]} == {"ops"}
    assert all(r["change"] == [0] for r in doc["rows"])
    assert [r["heading"] for r in doc["runs"]] == ["run 1", "run 2"]


@pytest.mark.parametrize("args,code,msg", [
    (["one.json"], 2, "at least two"),
    (["--bogus", "a", "b"], 2, "unknown option"),
    (["missing.json", "missing2.json"], 2, "cannot read"),
])
def test_diff_usage_errors(tmp_path, args, code, msg):
    p = run("diff", *args, check=code)
    assert msg in p.stderr


def test_diff_not_a_result(tar_runs, tmp_path):
    d, _, _ = tar_runs
    bad = tmp_path / "bad.json"
    bad.write_text('{"ops": [1, 2,')
    p = run("diff", d / "on.json", bad, check=1)
    assert "bad.json: not JSON" in p.stderr
    other = tmp_path / "other.json"
    other.write_text('{"schema": "something/2"}')
    p = run("diff", d / "on.json", other, check=1)
    assert "not an mmbench result" in p.stderr


def test_run_label_in_json(tmp_path):
    doc = run_json(tmp_path, os.path.join(TRACES, "ls_usr_bin.mtrace.xz"), "--label", "my run")
    assert doc["label"] == "my run"
    doc = run_json(tmp_path, os.path.join(TRACES, "ls_usr_bin.mtrace.xz"))
    assert doc["label"] is None


def test_python_diff_and_labels(tar_runs):
    from libmm import mmbench, plot
    d, on, off = tar_runs
    doc = mmbench.diff(d / "on.json", d / "off.json")
    assert doc["runs"][1]["heading"] == "pcp=off"
    assert plot.labels([on, off]) == ["pcp=default", "pcp=off"]
    assert plot.labels([on, off], ["a", None]) == ["a", "pcp=off"]
    with pytest.raises(mmbench.MmbenchError) as e:
        mmbench.diff(d / "on.json")
    assert e.value.returncode == 2


def test_overlay_plots(tar_runs, tmp_path):
    from libmm import plot
    d, on, off = tar_runs
    assert plot.main([str(d / "on.json"), str(d / "off.json"), "-o", str(tmp_path),
                      "--label", "pcp on", "--label", "pcp off"]) == 0
    names = sorted(os.listdir(tmp_path))
    for suffix in ("_overlay.png", "_latency_cdf.png", "_memory.png"):
        assert any(n.endswith(suffix) for n in names), names
    assert plot.plot_overlay([on], str(tmp_path / "x.png")) is None      # one run: nothing
