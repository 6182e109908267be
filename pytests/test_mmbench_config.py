# SPDX-License-Identifier: GPL-2.0-only
"""Machine config that adds, not replaces: `mmbench run --set KEY=VALUE`
merges single keys into the workload's machine line (or into --machine, or
the default machine for traces); --machine still replaces the whole line and
says so on stderr.  Python: libmm.workload_machine(path) reads the same line
and Machine(base, **overrides) changes single keys of it.
"""
import gzip
import os

import pytest

import libmm
from libmm import Machine, mmbench, workload_machine
from mmbench_util import TRACES, WORKLOADS, run, run_json, write

OOM = os.path.join(WORKLOADS, "towards_oom.mmw")
OOM_LINE = "cpus=2 nodes=1 DMA=16M DMA32=16M NORMAL=32M"
TRACE = os.path.join(TRACES, "sort_headers.mtrace.xz")


def failures(doc):
    return sum(op["failed"] for op in doc["ops"].values())


def test_set_keeps_the_workload_machine(tmp_path):
    base = run_json(tmp_path, OOM, name="base.json")
    doc = run_json(tmp_path, OOM, "--set", "slub_sheaves=1", name="set.json")
    assert base["machine_config"].startswith(OOM_LINE)
    assert doc["machine_config"] == base["machine_config"] + " slub_sheaves=1"
    # the small machine still runs out of memory: the leak fails as before
    assert failures(base) > 100 and failures(doc) > 100


def test_machine_replaces_and_says_so(tmp_path):
    out = tmp_path / "m.json"
    p = run("run", OOM, "--quiet", "--json", out, "--machine", "slub_sheaves=1", check=0)
    assert "--machine replaces the machine line of %s:" % OOM in p.stderr
    assert OOM_LINE in p.stderr and "--set" in p.stderr
    doc = run_json(tmp_path, OOM, "--machine", "slub_sheaves=1", name="m2.json")
    assert doc["machine"]["cpus"] == 4 and failures(doc) == 0     # the default 1 GiB machine


def test_machine_on_a_workload_without_a_line_is_silent(tmp_path):
    w = write(tmp_path, "kmalloc a 8\n")
    p = run("run", w, "--quiet", "--machine", "cpus=2 NORMAL=64M", check=0)
    assert p.stderr == ""
    p = run("run", OOM, "--quiet", "--set", "pcp=off", check=0)
    assert p.stderr == ""


def test_machine_note_once_over_runs(tmp_path):
    p = run("run", OOM, "--quiet", "--runs", "2", "--warmup", "--machine", "NORMAL=64M",
            check=0)
    assert p.stderr.count("--machine replaces the machine line") == 1


def test_set_replaces_a_key_once_last_wins(tmp_path):
    doc = run_json(tmp_path, OOM, "--set", "NORMAL=64M", "--set", "cpus=1", "--set", "cpus=2",
                   "--set", "NORMAL=48M")
    cfg = doc["machine_config"].split()
    assert "NORMAL=48M" in cfg and "cpus=2" in cfg
    assert sum(w.startswith("NORMAL=") for w in cfg) == 1
    assert doc["zones"][2]["spanned"] == (48 << 20) // 4096


def test_set_on_a_trace_merges_into_the_default(tmp_path):
    doc = run_json(tmp_path, TRACE, "--set", "pcp=off", "--set", "NORMAL=128M")
    assert doc["machine_config"] == ("cpus=4 nodes=1 DMA=16M DMA32=240M NORMAL=128M MOVABLE=0 "
                                     "max_page_order=10 seed=1 pcp=off prefault=pageblock")
    assert doc["vmstat"]["pcp_alloc_hit"] == 0


@pytest.mark.parametrize("args,mode,config_tail", [
    ((), "pageblock", "seed=1 prefault=pageblock"),
    (("--set", "prefault=none"), "none", "seed=1"),
    (("--set", "backing=none"), "none", "seed=1 backing=none"),
    (("--set", "prefault=boot", "--set", "NORMAL=64M"), "boot", "seed=1 prefault=boot"),
    (("--machine", "prefault=boot", "--set", "prefault=none"), "none", "seed=1"),
    # the final config decides: a later --set takes backing=none back
    (("--set", "backing=none", "--set", "backing=memfd"), "pageblock",
     "seed=1 prefault=pageblock"),
])
def test_default_prefault_follows_the_merged_config(tmp_path, args, mode, config_tail):
    doc = run_json(tmp_path, TRACE, *args)
    assert doc["machine"]["prefault"]["mode"] == mode
    assert doc["machine_config"].endswith(config_tail)


def test_words_split_as_the_library_splits_them(tmp_path):
    # commas between KEY=VALUEs separate words: each key stays given once
    doc = run_json(tmp_path, TRACE, "--machine", "cpus=2,NORMAL=64M,prefault=none",
                   "--set", "NORMAL=48M", "--set", "fail_page_alloc=10,100,0,3")
    assert doc["machine"]["cpus"] == 2 and doc["machine"]["prefault"]["mode"] == "none"
    assert "NORMAL=48M" in doc["machine_config"].split()
    assert "fail_page_alloc=10,100,0,3" in doc["machine_config"].split()
    # vmalloc= is vmalloc_size= to the library
    doc = run_json(tmp_path, TRACE, "--machine", "vmalloc_size=128M", "--set", "vmalloc=64M")
    assert doc["vmalloc"]["total"] == 64 << 20
    p = run("run", OOM, "--quiet", "--set", "cpus=2,NORMAL=64M", check=2)
    assert "bad --set 'cpus=2,NORMAL=64M' (expected KEY=VALUE)" in p.stderr


def test_set_merges_into_machine_option(tmp_path):
    doc = run_json(tmp_path, TRACE, "--machine", "cpus=2 NORMAL=64M", "--set", "cpus=3")
    assert doc["machine"]["cpus"] == 3 and "NORMAL=64M" in doc["machine_config"]


def test_seed_is_a_set_of_seed(tmp_path):
    w = write(tmp_path, "machine cpus=2 NORMAL=64M seed=9\nkmalloc a 8\n")
    doc = run_json(tmp_path, w, "--set", "seed=7")
    assert doc["seed"] == 7 and "seed=7" in doc["machine_config"].split()
    doc = run_json(tmp_path, w, "--set", "seed=7", "--seed", "3")     # --seed comes last
    assert doc["seed"] == 3


@pytest.mark.parametrize("word,message", [
    ("foo", "bad --set 'foo' (expected KEY=VALUE)"),
    ("=1", "bad --set '=1' (expected KEY=VALUE)"),
    ("pcp=", "bad --set 'pcp=' (expected KEY=VALUE)"),
    ("pcp=on NORMAL=1G", "bad --set 'pcp=on NORMAL=1G' (expected KEY=VALUE)"),
    ("foo=1", "bad --set: unknown machine option 'foo'"),
    ("pcp=maybe", "bad --set: pcp=maybe: expected on or off"),
    ("NORMAL=1000", "bad --set: NORMAL=1000: size is not a multiple"),
])
def test_bad_set_is_a_usage_error(tmp_path, word, message):
    p = run("run", OOM, "--quiet", "--set", word, check=2)
    assert message in p.stderr


def test_set_needs_a_value():
    p = run("run", OOM, "--set", check=2)
    assert "option '--set' needs a value" in p.stderr
    p = run("run", OOM, "--machine", check=2)
    assert "option '--machine' needs a value" in p.stderr


def test_bad_machine_line_is_blamed_not_the_set(tmp_path):
    w = write(tmp_path, "# leading comment\nmachine cpus=2 NORMAL=1000\nkmalloc a 8\n")
    p = run("run", w, "--quiet", "--set", "pcp=off", check=1)
    assert "%s:2: bad machine config: NORMAL=1000" % w in p.stderr
    # ... unless the --set is what repairs it
    assert run_json(tmp_path, w, "--set", "NORMAL=64M")["machine"]["cpus"] == 2


def test_help_documents_set():
    p = run("run", "--help", check=0)
    assert "--set KEY=VALUE" in p.stdout and "merged into the workload's machine line" in p.stdout
    assert "[--set KEY=VALUE ...]" in p.stdout.splitlines()[0]      # the synopsis


# ---- Python ---------------------------------------------------------------

def test_workload_machine_reads_the_line(tmp_path):
    assert workload_machine(OOM) == OOM_LINE
    assert workload_machine(TRACE) is None
    assert workload_machine(write(tmp_path, "kmalloc a 8\n")) is None
    w = write(tmp_path, "\n# comment\n   machine  cpus=2\tNORMAL=64M # why\nkmalloc a 8\n", "c.mmw")
    assert workload_machine(w) == "cpus=2 NORMAL=64M"
    gz = tmp_path / "z.mmw.gz"
    gz.write_bytes(gzip.compress(b"machine cpus=3 NORMAL=64M\nkmalloc a 8\n"))
    assert workload_machine(gz) == "cpus=3 NORMAL=64M"
    assert libmm.input_format(TRACE) == "mtrace" and libmm.input_format(OOM) == "mmw"
    with pytest.raises(OSError):
        workload_machine(tmp_path / "missing.mmw")


def test_machine_with_overrides_matches_mmbench_set(tmp_path):
    doc = run_json(tmp_path, OOM, "--set", "slub_sheaves=1", "--set", "NORMAL=64M")
    # mmbench adds prefault=pageblock (the config says no prefault=)
    with Machine(workload_machine(OOM), slub_sheaves=1, NORMAL="64M",
                 prefault="pageblock") as m:
        assert m.config == doc["machine_config"]
        assert m.nr_cpus == 2


def test_python_runner_takes_sets(tmp_path):
    want = run_json(tmp_path, OOM, "--set", "slub_sheaves=1", "--set", "NORMAL=64M",
                    "--seed", "5")["machine_config"]
    assert mmbench.run(OOM, sets={"slub_sheaves": True, "NORMAL": "64M"},
                       seed=5)["machine_config"] == want
    assert mmbench.run(OOM, sets=["slub_sheaves=1", "NORMAL=64M", "seed=5"])["machine_config"] \
        == want
    with pytest.raises(mmbench.MmbenchError) as e:
        mmbench.run(OOM, sets={"pcp": "maybe"})
    assert e.value.returncode == 2 and e.value.status == "mmbench exited 2"
    assert "bad --set: pcp=maybe: expected on or off" in str(e.value)


def test_build_config_overrides_replace_words():
    assert libmm.build_config("cpus=2 NORMAL=32M seed=4", NORMAL="64M", pcp="off") == \
        "cpus=2 seed=4 NORMAL=64M pcp=off"
    assert libmm.build_config("cpus=2", cpus=None) == "cpus=2"
    assert libmm.build_config("cpus=2,NORMAL=64M,fail_page_alloc=1,100,0,3", NORMAL="32M",
                              vmalloc="64M") == \
        "cpus=2 fail_page_alloc=1,100,0,3 NORMAL=32M vmalloc=64M"
    assert libmm.build_config("vmalloc_size=128M", vmalloc="64M") == "vmalloc=64M"
    assert libmm.build_config(None) is None
