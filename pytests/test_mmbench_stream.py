# SPDX-License-Identifier: GPL-2.0-only
"""mmbench reads its input as a stream: in blocks, decompressed in process
(xz, gzip, zstd, concatenated streams), from stdin, and replays it in
chunks (--buffer sets how many operations are parsed before the replay
starts: an input that does not fit streams).  Streaming must not change
anything: the operations and the results equal the whole-file run's, op
for op, on every checked-in trace.  Damaged input (truncated or corrupt
compressed data, a bad line after the replay began) stops the run with
FILE:LINE and exit 1, and nothing is written.
"""
import glob
import gzip
import lzma
import os
import shutil
import subprocess
import sys

import pytest

from mmbench_util import (TOP, TRACES, WORKLOADS, check_result, dump_ops, run, run_json,
                          strip_timing, write)

TRACE_FILES = sorted(glob.glob(os.path.join(TRACES, "*.mtrace.*")) +
                     glob.glob(os.path.join(TRACES, "*.perf.*")))
BIGTRACE = os.path.join(TOP, "workloads", "gen", "bigtrace.py")


def text_of(path):
    return lzma.open(path, "rb").read() if path.endswith(".xz") else open(path, "rb").read()


def fmt_of(path):
    return "mtrace" if ".mtrace" in path else "perf"


def without_stream_marks(doc):
    """What must not depend on how the input was cut: all but the timeline
    (sampled at other points), the peaks seen at its samples, and
    input.streamed."""
    d = strip_timing(doc)
    d.pop("timeline")
    d["input"].pop("streamed")
    for k in ("used_pages_peak", "slab_pages_peak", "pcp_pages_peak"):
        d["memory"].pop(k, None)
    return d


def same_timeline_points(a, b):
    """Samples taken at the same operation count hold the same state."""
    pa = {s["op"]: s for s in strip_timing(a["timeline"])}
    pb = {s["op"]: s for s in strip_timing(b["timeline"])}
    common = set(pa) & set(pb)
    assert 0 in common and max(pa) in common          # the start and the end
    for op in common:
        assert pa[op] == pb[op], op


@pytest.mark.parametrize("path", TRACE_FILES, ids=os.path.basename)
def test_stream_equals_whole_file_op_for_op(tmp_path, path):
    whole = run("run", path, "--dump-ops", check=0).stdout
    streamed = run("run", path, "--dump-ops", "--buffer", "77", check=0).stdout
    assert whole == streamed and whole.count("\n") > 400
    a = run_json(tmp_path, path, "--validate", name="a.json")
    b = run_json(tmp_path, path, "--validate", "--buffer", "100", name="b.json")
    assert a["input"]["streamed"] is False and b["input"]["streamed"] is True
    assert check_result(a) is None and check_result(b) is None
    assert a["validate"] == "ok" and b["validate"] == "ok"
    assert without_stream_marks(a) == without_stream_marks(b)
    same_timeline_points(a, b)


def test_stream_of_a_workload_equals_whole(tmp_path):
    w = os.path.join(WORKLOADS, "fork_exec_storm.mmw")
    a = run_json(tmp_path, w, name="a.json")
    b = run_json(tmp_path, w, "--buffer", "3000", name="b.json")
    assert without_stream_marks(a) == without_stream_marks(b)
    same_timeline_points(a, b)


def test_stream_timeline_stays_bounded(tmp_path):
    w = write(tmp_path, "repeat 300000 {\nkmalloc a 64\nkfree a\n}\n")
    doc = run_json(tmp_path, w, "--buffer", "1000", "--timeline", "20")
    ops = [s["op"] for s in doc["timeline"]]
    assert 20 <= len(ops) <= 2 * 20 + 2 and ops[0] == 0 and ops[-1] == 600000
    step = ops[1]
    assert all(o % step == 0 for o in ops[:-1])        # evenly spaced, thinned by halves


def compressors(tmp_path, text):
    """The same text as plain, gzip (two members), xz, zstd (two frames)."""
    half = text.rfind(b"\n", 0, len(text) // 2) + 1
    out = {"plain": tmp_path / "t.mtrace"}
    out["plain"].write_bytes(text)
    out["gzip"] = tmp_path / "t.mtrace.gz"
    out["gzip"].write_bytes(gzip.compress(text[:half]) + gzip.compress(text[half:]))
    out["xz"] = tmp_path / "t.mtrace.xz"
    out["xz"].write_bytes(lzma.compress(text))
    if shutil.which("zstd"):
        a = subprocess.run(["zstd", "-q", "-c"], input=text[:half], stdout=subprocess.PIPE).stdout
        b = subprocess.run(["zstd", "-q", "-c"], input=text[half:], stdout=subprocess.PIPE).stdout
        out["zstd"] = tmp_path / "t.mtrace.zst"
        out["zstd"].write_bytes(a + b)
    return out


def test_every_compression_and_stdin_agree(tmp_path):
    text = text_of(os.path.join(TRACES, "ls_usr_bin.mtrace.xz"))
    files = compressors(tmp_path, text)
    assert "zstd" in files, "zstd (scripts/bootstrap installs it) is needed for this test"
    ref = dump_ops(files["plain"])
    for name, path in files.items():
        assert dump_ops(path) == ref, name
        doc = run_json(tmp_path, path, name=name + ".json")
        assert doc["input"]["codec"] == ("text" if name == "plain" else name)
        with open(path, "rb") as f:
            p = subprocess.run([os.environ.get("MMBENCH") or os.path.join(
                TOP, "build", "release", "bin", "mmbench"), "run", "-", "--format", "mtrace",
                "--dump-ops"], stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert p.returncode == 0, p.stderr
        assert p.stdout.decode() == run("run", files["plain"], "--dump-ops", check=0).stdout


@pytest.mark.parametrize("codec", ["gzip", "xz", "zstd"])
@pytest.mark.parametrize("buffer", [None, "500"])
def test_truncated_compressed_input(tmp_path, codec, buffer):
    files = compressors(tmp_path, text_of(os.path.join(TRACES, "ls_usr_bin.mtrace.xz")))
    data = files[codec].read_bytes()
    bad = tmp_path / ("cut.mtrace" + files[codec].suffix)
    bad.write_bytes(data[:len(data) * 3 // 5])
    out = tmp_path / "out.json"
    out.write_text("old")
    args = ["run", bad, "--json", out] + (["--buffer", buffer] if buffer else [])
    p = run(*args)
    assert p.returncode == 1, p.stderr
    assert p.stderr.startswith("%s:" % bad) and "truncated %s data" % codec in p.stderr
    assert p.stdout == "" and out.read_text() == "old"        # nothing half-written
    assert not glob.glob(str(tmp_path / ".mmbench-json.*"))


@pytest.mark.parametrize("codec", ["gzip", "xz", "zstd"])
def test_corrupt_compressed_input(tmp_path, codec):
    files = compressors(tmp_path, text_of(os.path.join(TRACES, "ls_usr_bin.mtrace.xz")))
    data = bytearray(files[codec].read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 64):
        data[i] ^= 0x55
    bad = tmp_path / ("bad.mtrace" + files[codec].suffix)
    bad.write_bytes(bytes(data))
    p = run("run", bad, "--json", tmp_path / "out.json")
    assert p.returncode == 1, p.stderr
    first = p.stderr.splitlines()[0]
    assert first.startswith("%s:" % bad) and ("corrupt %s data" % codec in first or
                                             "truncated" in first or "NUL byte" in first
                                             or "mtrace:" in first), first
    assert not (tmp_path / "out.json").exists()


def test_bad_line_after_the_replay_began(tmp_path):
    text = text_of(os.path.join(TRACES, "ls_usr_bin.mtrace.xz")) + b"+ 0x1000\n"
    path = tmp_path / "late.mtrace"
    path.write_bytes(text)
    nlines = text.count(b"\n")
    p = run("run", path, "--buffer", "100", "--json", tmp_path / "o.json")
    assert p.returncode == 1 and p.stderr.startswith("%s:%d: mtrace: expected" % (path, nlines))
    assert p.stdout == "" and not (tmp_path / "o.json").exists()
    # the same file read whole: nothing runs at all
    p = run("run", path, "--json", tmp_path / "o.json")
    assert p.returncode == 1 and p.stdout == ""


def test_threads_on_a_stream(tmp_path):
    from test_mmbench_e2e import CROSS
    w = write(tmp_path, CROSS)
    doc = run_json(tmp_path, w, "--threads", "--validate", "--buffer", "1000")
    assert doc["input"]["streamed"] and doc["validate"] == "ok"
    counts = {k: (v["count"], v["failed"], v["skipped"]) for k, v in doc["ops"].items()}
    assert counts["kfree"] == (4000, 0, 0) and counts["vfree"] == (4000, 0, 0)
    assert counts["cache_free"] == (4000, 0, 0) and counts["free_pages"] == (4000, 0, 0)


def test_handle_table_holds_live_objects_only(tmp_path):
    w = write(tmp_path, "repeat 200000 {\nkmalloc a$i 8\nkfree a$i\n}\n"
                        "repeat 3 {\nkmalloc b$i 8\n}\n")
    _, summary = dump_ops(w)
    assert summary["handles"] == 3 and summary["ops"] == 400003


def test_forgotten_names_still_give_a_clear_error(tmp_path):
    # 100000 dead names: the parser forgets them, and says so
    w = write(tmp_path, "repeat 100000 {\nkmalloc a$i 8\nkfree a$i\n}\nkfree a5\n")
    p = run("run", w)
    assert p.returncode == 1
    assert p.stderr.startswith("%s:5: kfree: handle 'a5' is not live (never allocated, or "
                               "freed long before)" % w)
    w = write(tmp_path, "repeat 10 {\nkmalloc a$i 8\nkfree a$i\n}\nkfree a5\n", "b.mmw")
    assert "is not live (freed at line 3)" in run("run", w).stderr


def generate(path, events):
    subprocess.run([sys.executable, BIGTRACE, "--events", str(events), "-o", str(path)],
                   check=True, stderr=subprocess.DEVNULL)


def test_generated_trace_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "gen.mtrace"
    generate(path, 400000)
    text = path.read_bytes()
    assert text.startswith(b"= Start\n") and text.count(b"\n") == 400002
    generate(tmp_path / "again.mtrace", 400000)
    assert (tmp_path / "again.mtrace").read_bytes() == text          # deterministic
    whole = run_json(tmp_path, path, "--validate", name="w.json")
    stream = run_json(tmp_path, path, "--validate", "--buffer", "4096", name="s.json")
    assert whole["validate"] == stream["validate"] == "ok"
    assert without_stream_marks(whole) == without_stream_marks(stream)
    assert whole["ops_total"] > 380000
    # 380k operations of 40 bytes are not held at once when streaming
    assert stream["host"]["rss_peak_kib"] < whole["host"]["rss_peak_kib"] - 8 * 1024
