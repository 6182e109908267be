# SPDX-License-Identifier: GPL-2.0-only
"""libmm.sweep: specs and points, the local pool and a Dask LocalCluster giving
the same table, resuming, failures as rows, the output directory and the
command line.  Tiny workloads and machines keep it fast; the Dask tests share
one two-worker LocalCluster.
"""
import gzip
import json
import os
import stat
import subprocess
import sys
import time

import pytest

import libmm.mmbench
import libmm.sweep as sweep
from libmm.sweep import Spec, comparable
from libmm.sweep import cli as sweep_cli
from mmbench_util import MMBENCH, TRACES

# distributed 2022.12 on Python 3.11 starts its event loop the deprecated way
pytestmark = pytest.mark.filterwarnings("ignore:make_current is deprecated:DeprecationWarning")

TINY = """\
machine cpus=2 DMA=0 DMA32=0 NORMAL=8M
repeat 40 {
  cpu 0
  alloc_pages p$i 0
  kmalloc k$i 96
  cpu 1
  alloc_pages q$i 1
}
repeat 40 {
  free_pages p$i
  kfree k$i
  free_pages q$i
}
"""
TRACE = os.path.join(TRACES, "sort_headers.mtrace.xz")
GRID = {"pcp": ["on", "off"]}


@pytest.fixture
def tiny(tmp_path):
    p = tmp_path / "tiny.mmw"
    p.write_text(TINY)
    return str(p)


@pytest.fixture
def fake_mmbench(tmp_path):
    """mmbench, except that a workload named crash.mmw dies of SIGSEGV and one
    named hang.mmw sleeps: what a broken point looks like.  (The crash is a
    shell without the asan variant's preloaded runtime, which would catch it.)"""
    p = tmp_path / "fake-mmbench"
    p.write_text('#!/bin/sh\ncase "$2" in\n'
                 '  *crash.mmw) exec env -u LD_PRELOAD sh -c "kill -SEGV \\$\\$" ;;\n'
                 '  *hang.mmw) sleep 20 ;;\nesac\n'
                 'exec "%s" "$@"\n' % MMBENCH)
    p.chmod(p.stat().st_mode | stat.S_IXUSR)
    return str(p)


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("distributed")
    client, closers = sweep.engines.connect("local", 2)
    yield client
    for c in closers:
        c.close()


# ---- spec -----------------------------------------------------------------

def test_points_are_the_cross_product_in_table_order(tiny):
    spec = Spec([tiny, TRACE], {"pcp": ["on", "off"], "slub_sheaves": [0, 1]}, [3, 4], 2)
    points = spec.points()
    assert len(points) == 2 * 4 * 2 * 2
    assert [p.grid for p in points[:8:2]] == [
        (("pcp", "on"), ("slub_sheaves", "0")), (("pcp", "on"), ("slub_sheaves", "0")),
        (("pcp", "on"), ("slub_sheaves", "1")), (("pcp", "on"), ("slub_sheaves", "1"))]
    assert [(p.seed, p.run) for p in points[:4]] == [(3, 0), (3, 1), (4, 0), (4, 1)]
    assert points[0].workload == tiny and points[-1].workload == TRACE
    assert len({p.id for p in points}) == len(points)
    assert [p.id for p in spec.points()] == [p.id for p in points]       # stable
    assert points[0].machine_sets() == ["pcp=on", "slub_sheaves=0"]


def test_point_id_follows_the_input_content(tiny):
    before = Spec([tiny]).points()[0].id
    with open(tiny, "a") as f:
        f.write("kmalloc extra 8\n")
    assert Spec([tiny]).points()[0].id != before


def test_patterns_expand():
    spec = Spec([os.path.join(TRACES, "*.mtrace.xz")])
    assert TRACE in spec.workloads and all(w.endswith(".mtrace.xz") for w in spec.workloads)
    with pytest.raises(ValueError, match="matches no file"):
        Spec([os.path.join(TRACES, "*.nothing")])


@pytest.mark.parametrize("make,message", [
    (lambda t: Spec([]), "no workload"),
    (lambda t: Spec([t + ".missing"]), "no such file"),
    (lambda t: Spec([t, t]), "named twice"),
    (lambda t: Spec([t], {"seed": [1, 2]}), "seed is not a grid key"),
    (lambda t: Spec([t], {"pcp": ["on", "on"]}), "repeats a value"),
    (lambda t: Spec([t], {"pcp": []}), "has no values"),
    (lambda t: Spec([t], {"pcp": ["on", "o ff"]}), "bad value"),
    (lambda t: Spec([t], {"pcp": ["on"]}, sets={"pcp": "off"}), "both a grid key and"),
    (lambda t: Spec([t], seeds=[-1]), "non-negative"),
    (lambda t: Spec([t], runs=0), "runs: at least 1"),
])
def test_bad_specs(tiny, make, message):
    with pytest.raises(ValueError, match=message):
        make(tiny).check()


def test_command_line_words():
    assert sweep.parse_grid("pcp=on,off") == ("pcp", ["on", "off"])
    assert sweep.parse_grid("fail_page_alloc=1,0,0,0;10,0,0,0") == \
        ("fail_page_alloc", ["1,0,0,0", "10,0,0,0"])
    assert sweep.parse_set("NORMAL=64M") == ("NORMAL", "64M")
    assert sweep.parse_seeds("1, 2,3") == [1, 2, 3]
    for bad in ("pcp", "pcp=", "pcp=on,,off", "=on"):
        with pytest.raises(ValueError):
            sweep.parse_grid(bad)
    with pytest.raises(ValueError, match="whole numbers"):
        sweep.parse_seeds("1,x")


def test_spec_files(tmp_path, tiny):
    (tmp_path / "s.toml").write_text('workloads = ["tiny.mmw"]\nseeds = [1, 2]\nruns = 3\n'
                                     '[grid]\npcp = ["on", "off"]\n[sets]\nslub_sheaves = 1\n')
    spec = Spec.from_file(tmp_path / "s.toml")
    assert os.path.samefile(spec.workloads[0], tiny)
    assert spec.grid == GRID and spec.seeds == [1, 2] and spec.runs == 3
    assert spec.sets == {"slub_sheaves": "1"}
    (tmp_path / "s.json").write_text(json.dumps(dict(spec.as_dict(), workloads=["tiny.mmw"])))
    assert Spec.from_file(tmp_path / "s.json").points() == spec.points()
    (tmp_path / "bad.json").write_text('{"workload": ["tiny.mmw"]}')
    with pytest.raises(ValueError, match="unknown field"):
        Spec.from_file(tmp_path / "bad.json")


# ---- finding mmbench -------------------------------------------------------

def test_find_mmbench(tmp_path, monkeypatch):
    assert sweep.find_mmbench(MMBENCH) == os.path.abspath(MMBENCH)
    with pytest.raises(FileNotFoundError, match="no such executable"):
        sweep.find_mmbench(str(tmp_path / "nope"))
    monkeypatch.setenv("MMBENCH", MMBENCH)
    assert sweep.find_mmbench() == MMBENCH
    # the build tree: build/V/python/libmm beside build/V/bin/mmbench
    monkeypatch.delenv("MMBENCH")
    monkeypatch.setenv("PATH", str(tmp_path))
    pkg = os.path.dirname(os.path.abspath(libmm.mmbench.__file__))
    beside = os.path.normpath(os.path.join(pkg, "..", "..", "bin", "mmbench"))
    if os.path.exists(beside):
        assert sweep.find_mmbench() == beside
    # the installed layout: PREFIX/lib/python3/dist-packages/libmm and PREFIX/bin
    prefix = tmp_path / "prefix"
    (prefix / "lib" / "python3" / "dist-packages" / "libmm").mkdir(parents=True)
    (prefix / "bin").mkdir()
    os.symlink(MMBENCH, prefix / "bin" / "mmbench")
    monkeypatch.setattr(libmm.mmbench, "_PKG",
                        str(prefix / "lib" / "python3" / "dist-packages" / "libmm"))
    assert sweep.find_mmbench() == str(prefix / "bin" / "mmbench")
    os.unlink(prefix / "bin" / "mmbench")
    with pytest.raises(FileNotFoundError, match="give --mmbench PATH"):
        sweep.find_mmbench()


# ---- running --------------------------------------------------------------

def test_local_sweep_table(tmp_path, tiny):
    out = tmp_path / "out"
    df = sweep.run([tiny, TRACE], GRID, seeds=[1, 2], workers=2, out=out)
    assert len(df) == 8 and list(df["status"]) == ["ok"] * 8
    assert list(df.columns[:8]) == ["point", "workload", "pcp", "seed", "run", "status",
                                    "error", "ops_total"]
    assert list(df["pcp"]) == ["on", "on", "off", "off"] * 2
    assert list(df["seed"]) == [1, 2] * 4 and set(df["run"]) == {0}
    for _, r in df.iterrows():
        assert r["machine_config"].endswith("seed=%d%s prefault=pageblock" % (
            r["seed"], " pcp=off" if r["pcp"] == "off" else ""))
        assert r["git"] and r["variant"] == os.environ.get("LIBMM_VARIANT", r["variant"])
    tiny_rows = df[df["workload"] == tiny]
    assert tiny_rows["machine_config"].str.startswith("cpus=2 nodes=1 DMA=0 DMA32=0 NORMAL=8M").all()
    assert (tiny_rows["alloc_pages.count"] == 80).all() and (tiny_rows["failed_total"] == 0).all()
    # the policy's expected sign: no per-CPU lists, no pcp hits
    assert (df[df["pcp"] == "off"]["vmstat.pcp_alloc_hit"] == 0).all()
    assert (tiny_rows[tiny_rows["pcp"] == "on"]["vmstat.pcp_alloc_hit"] > 0).all()
    # mmbench's memory, host and input sections; the host's figures are not comparable
    assert (tiny_rows["memory.live_bytes_end"] == 0).all()
    assert (tiny_rows["memory.used_pages_peak"] > 0).all()
    assert (df["input.codec"] == ["text"] * 4 + ["xz"] * 4).all()
    assert df["host.minflt"].notna().all() and df["host.prefault_s"].notna().all()
    kept = comparable(df).columns
    assert "memory.live_bytes_peak" in kept and "vmstat.pgfree" in kept
    assert not [c for c in kept if c.startswith("host") or c.endswith("_s") or "rss" in c]
    # the output directory
    assert sweep.load(out).equals(df)
    doc = json.load(gzip.open(out / "points" / (df["point"][0] + ".json.gz")))
    assert doc["schema"] == "mmbench/1" and doc["machine_config"] == df["machine_config"][0]
    with open(out / "results.csv") as f:
        assert f.readline().startswith("point,workload,pcp,seed,run,status,error,")
    assert len((out / "results.jsonl").read_text().splitlines()) == 8
    plots = sorted(os.listdir(out / "plots"))
    assert plots == ["failed_total_vs_pcp.png", "replay_s_vs_pcp.png",
                     "unusable_index_vs_pcp.png"]
    assert all((out / "plots" / p).stat().st_size > 5000 for p in plots)
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["points"] == meta["ran"] == 8 and meta["failed"] == 0


def test_resume_skips_finished_points(tmp_path, tiny):
    out = tmp_path / "out"
    first = sweep.run([tiny], GRID, seeds=[1], out=out, plots=False)
    again = sweep.run([tiny], GRID, seeds=[1], out=out, plots=False)
    assert again.attrs["sweep"]["ran"] == 0 and again.attrs["sweep"]["skipped"] == 2
    assert again.equals(first)                      # the same rows, timings included
    # extended: only the new points run; a line cut short by a crash is ignored
    with open(out / "points.jsonl", "a") as f:
        f.write('{"point": "cut sho')
    more = sweep.run([tiny], GRID, seeds=[1, 2], runs=2, out=out, plots=False)
    assert more.attrs["sweep"]["ran"] == 6 and len(more) == 8
    old = more[(more["seed"] == 1) & (more["run"] == 0)].reset_index(drop=True)
    assert old.equals(first)


def test_failures_are_rows(tmp_path, tiny, fake_mmbench):
    crash = tmp_path / "crash.mmw"
    crash.write_text(TINY)
    hang = tmp_path / "hang.mmw"
    hang.write_text(TINY)
    out = tmp_path / "out"
    df = sweep.run([tiny, str(crash), str(hang)], {"pcp": ["on", "bogus"]}, out=out,
                   mmbench=fake_mmbench, timeout=1)
    by = {(os.path.basename(r["workload"]), r["pcp"]): r for _, r in df.iterrows()}
    assert by[("tiny.mmw", "on")]["status"] == "ok"
    bad = by[("tiny.mmw", "bogus")]
    assert bad["status"] == "error" and bad["exit_code"] == 2
    assert "bad --set: pcp=bogus: expected on or off" in bad["error"]
    for pcp in ("on", "bogus"):
        assert by[("crash.mmw", pcp)]["error"] == "mmbench killed by SIGSEGV"
        assert by[("crash.mmw", pcp)]["exit_code"] == -11
        assert by[("hang.mmw", pcp)]["error"].startswith("timeout: mmbench ran longer than 1s")
    assert df.attrs["sweep"]["failed"] == 5
    # a re-run retries the failed points only
    again = sweep.run([tiny, str(crash), str(hang)], {"pcp": ["on", "bogus"]}, out=out,
                      mmbench=fake_mmbench, timeout=1, plots=False)
    assert again.attrs["sweep"]["ran"] == 5 and again.attrs["sweep"]["skipped"] == 1


def test_stopping_early_kills_running_points(tmp_path, tiny, fake_mmbench):
    hang = tmp_path / "hang.mmw"
    hang.write_text(TINY)
    points = Spec([tiny, str(hang)], seeds=[1, 2]).points()
    t0 = time.monotonic()
    results = sweep.engines.local(points, 4, fake_mmbench)
    first = [next(results), next(results)]
    assert {p.workload for p, _ in first} == {tiny}
    results.close()                     # the caller stops: the hanging two are killed
    assert time.monotonic() - t0 < 10 and not libmm.mmbench._running


def test_one_sweep_at_a_time_per_directory(tmp_path, tiny):
    held = sweep.store.OutDir(tmp_path / "out")
    held.lock()
    with pytest.raises(ValueError, match="another sweep is writing this directory"):
        sweep.run([tiny], out=tmp_path / "out")
    held.unlock()
    assert len(sweep.run([tiny], out=tmp_path / "out", plots=False)) == 1
    with pytest.raises(FileNotFoundError):
        sweep.load(tmp_path / "nothing")


def test_missing_mmbench_is_an_error_row_on_a_worker(tiny):
    p = Spec([tiny]).points()[0]
    result = sweep.run_point(p, mmbench="/nonexistent/mmbench")
    assert result["doc_gz"] is None and result["row"]["status"] == "error"
    assert "FileNotFoundError: mmbench '/nonexistent/mmbench'" in result["row"]["error"]
    result = sweep.run_point(p, data=b"not the file")
    assert "does not match its digest" in result["row"]["error"]
    with open(tiny, "rb") as f:                 # shipped: the whole JSON, compressed
        result = sweep.run_point(p, data=f.read())
    assert result["row"]["status"] == "ok"
    assert json.loads(gzip.decompress(result["doc_gz"]))["ops_total"] == result["row"]["ops_total"]


def test_dask_table_equals_local(tmp_path, tiny, fake_mmbench, dask_client):
    crash = tmp_path / "crash.mmw"
    crash.write_text(TINY)
    args = ([tiny, TRACE, str(crash)], GRID)
    kw = dict(seeds=[1, 2], mmbench=fake_mmbench, plots=False)
    local = sweep.run(*args, workers=2, out=tmp_path / "local", **kw)
    shipped = sweep.run(*args, scheduler=dask_client, out=tmp_path / "dask", **kw)
    shared = sweep.run(*args, scheduler=dask_client, shared=True, **kw)
    assert (local["status"] == "ok").sum() == 8 and (local["status"] != "ok").sum() == 4
    assert comparable(shipped).equals(comparable(local))
    assert comparable(shared).equals(comparable(local))
    assert shipped.attrs["sweep"]["engine"] == "dask"
    assert sorted(os.listdir(tmp_path / "dask" / "points")) == \
        sorted(os.listdir(tmp_path / "local" / "points"))


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "libmm.sweep"] + [str(a) for a in args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_cli_on_a_scheduler_address(tmp_path, tiny, dask_client):
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "libmm.sweep", "--workload", tiny,
                        "--grid", "pcp=on,off", "--runs", "2", "--scheduler",
                        dask_client.scheduler.address, "--out", str(out), "--no-plots"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 0, p.stderr
    assert "sweep: 4 points (4 run now, 0 already done), 0 failed" in p.stdout
    assert p.stderr.count(" ok (") == 4
    local = sweep.run([tiny], GRID, runs=2, workers=1)
    assert comparable(sweep.load(out)).equals(comparable(local))


def test_cli_exit_status_and_errors(tmp_path, tiny, capsys):
    out = tmp_path / "out"
    assert sweep_cli.main(["-q", "-w", tiny, "-g", "pcp=on,bogus", "--out", str(out),
                           "--metric", "ops_total"]) == 1
    assert "1 failed" in capsys.readouterr().out
    assert os.listdir(out / "plots") == ["ops_total_vs_pcp.png"]
    for args, message in [
            (["-w", tiny, "-g", "pcp", "-o", out], "expected KEY=V1,V2"),
            (["-w", tiny + ".no", "-o", out], "no such file"),
            (["-w", tiny, "-g", "pcp=on", "-g", "pcp=off", "-o", out], "--grid pcp given twice"),
            (["-w", tiny, "--seeds", "a", "-o", out], "--seeds 'a'"),
            (["-w", tiny, "--spec", tmp_path / "none.toml", "-o", out], "No such file"),
            (["-w", tiny, "--mmbench", tmp_path / "none", "-o", out], "no such executable")]:
        assert sweep_cli.main([str(a) for a in args]) == 2, args
        assert message in capsys.readouterr().err, args
    with pytest.raises(SystemExit) as e:
        sweep_cli.main(["-w", tiny])
    assert e.value.code == 2
    assert "the following arguments are required: --out" in capsys.readouterr().err
