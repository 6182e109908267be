# SPDX-License-Identifier: GPL-2.0-only
"""The JSON writer (libmm/src/json_writer.c) as users see it: the library's
report and mmbench's result parse whatever names they carry (quotes,
backslashes, control characters are escaped), and keep the layout rules -
the top-level members one a line, each zone / per-CPU list / slab cache /
timeline point on a line of its own, the closing bracket of such a list on
its own line, no blank line, a newline at the end.  The writer's rules
text for text (commas, nesting, escapes, NaN/inf as null, misuse refused)
are checked by libmm/tests/test_json_writer.c."""
import json
import re

from libmm import Machine
from libmm import _lowlevel as ll

import mmbench_util as mb

ODD = 'q"b\\s\tn\nc\x01 \u00e9'


def top_level_lines(text):
    """The keys of the lines holding a top-level member."""
    return [m.group(1) for m in re.finditer(r'^  "([a-z_0-9]+)": ', text, re.M)]


def check_layout(text, doc):
    assert text.endswith("}\n") and text.startswith("{\n")
    assert "\n\n" not in text
    assert top_level_lines(text) == list(doc)


def test_report_escapes_names_and_keeps_layout():
    with Machine(cpus=2, NORMAL="64M") as m:
        c = m.kmem_cache_create(ODD, 96, flags="SLAB_POISON")      # a cache of its own
        alias = m.kmem_cache_create(ODD + "2", 96)                  # merged: an alias
        objs = [c.alloc() for _ in range(3)]
        text = ll.report_json(m.handle)
        doc = json.loads(text)
        check_layout(text, doc)
        assert [s for s in doc["slab"] if s["name"] == ODD][0]["active_objs"] == 3
        assert [s for s in doc["slab"] if ODD + "2" in s["aliases"]]
        assert '"name": "q\\"b\\\\s\\tn\\nc\\u0001 \u00e9"' in text
        # one zone, per-CPU list, slab cache, compaction zone a line
        for key, n in (("zones", len(doc["zones"])), ("pcp", len(doc["pcp"])),
                       ("slab", len(doc["slab"])), ("compaction", len(doc["compaction"]))):
            block = text[text.index('\n  "%s": [\n' % key):]
            block = block[:block.index("\n  ]") + 4]
            assert len(block.strip("\n").splitlines()) == n + 2, key
        for o in objs:
            c.free(o)
        c.destroy()
        alias.destroy()


def test_mmbench_result_escapes_workload_and_keeps_layout(tmp_path):
    name = tmp_path / 'odd "name" \\ \t.mmw'
    name.write_text("machine NORMAL=64M\nalloc_pages p0 0 GFP_KERNEL\nkmalloc k0 64 GFP_KERNEL\n"
                    "kfree k0\nfree_pages p0\n")
    out = tmp_path / "out.json"
    mb.run("run", name, "--quiet", "--json", out, "--timeline", "2", "--runs", "2", check=0)
    text = out.read_text()
    doc = json.loads(text)
    check_layout(text, doc)
    assert doc["workload"] == str(name)
    assert doc["report_schema"] == "libmm-report/1"
    points = text[text.index('\n  "timeline": [\n'):]
    assert points.index("\n  ]") > 0 and len(doc["timeline"]) >= 2
    # runs.ops: one op a line, the closing brace on its own line
    runs = text[text.index('\n  "runs": '):]
    runs = runs[:runs.index("\n  }}")]
    assert len(runs.strip("\n").splitlines()) == 1 + len(doc["runs"]["ops"])


def test_mmbench_result_without_machine_or_timeline(tmp_path):
    w = mb.write(tmp_path, "kmalloc k0 64 GFP_KERNEL\nkfree k0\n")
    out = tmp_path / "out.json"
    mb.run("run", w, "--quiet", "--json", out, "--backend", "malloc", "--timeline", "0",
           check=0)
    text = out.read_text()
    doc = json.loads(text)
    check_layout(text, doc)
    assert '\n  "timeline": [],\n' in text and '\n  "machine": null\n}\n' in text
    assert doc["machine"] is None
