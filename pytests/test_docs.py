# SPDX-License-Identifier: GPL-2.0-only
"""The documentation in the repository: README.md and docs/*.md.

- every public Python name of the libmm package has a docstring (a constant:
  a "#:" comment or its module's docstring), and docs/python-api.md is what
  scripts/apidocs.py generates from them today;
- docs/c-api.md is what the script generates from the public headers, and
  names every mm_* function they declare;
- every relative link (and #anchor) in README.md and docs/*.md resolves;
- the docs cite nothing outside the repository.
"""
import os
import re
import sys

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "scripts"))
import apidocs  # noqa: E402

DOCS = [os.path.join(TOP, "README.md")] + sorted(
    os.path.join(TOP, "docs", f) for f in os.listdir(os.path.join(TOP, "docs"))
    if f.endswith(".md"))
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _prose(text):
    """The text without fenced code blocks and inline code spans."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def _anchors(path):
    """GitHub's heading anchors of a markdown file (duplicates get -1, -2, ...)."""
    seen, out = {}, set()
    with open(path) as f:
        text = re.sub(r"^```.*?^```", "", f.read(), flags=re.S | re.M)
    for line in text.splitlines():
        mo = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not mo:
            continue
        base = apidocs.slug(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", mo.group(1)))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else "%s-%d" % (base, n))
    return out


def test_every_public_python_name_has_a_docstring():
    assert apidocs.missing_docstrings() == []


def test_python_api_md_is_current():
    with open(apidocs.PY_DOC) as f:
        assert f.read() == apidocs.python_api(), \
            "docs/python-api.md is stale: run scripts/apidocs.py"


def test_c_api_md_is_current():
    with open(apidocs.C_DOC) as f:
        assert f.read() == apidocs.c_api(), "docs/c-api.md is stale: run scripts/apidocs.py"


def test_c_api_md_names_every_public_function():
    with open(apidocs.C_DOC) as f:
        doc = f.read()
    declared = []
    for h in os.listdir(apidocs.HEADERS):
        with open(os.path.join(apidocs.HEADERS, h)) as f:
            declared += apidocs.header_functions(f.read())
    assert len(declared) > 120
    missing = [fn for fn in declared if "[`%s`](#" % fn not in doc]
    assert missing == []


def test_header_functions_sees_declarations_only():
    text = ("/* mm_in_comment(m) */\nint mm_one(struct mm *m);\n"
            "static inline int two(void)\n{\n\treturn mm_three(mm_current());\n}\n"
            "#define four(x) mm_four(x)\nvoid\t\t*mm_five(struct mm *m, size_t n);\n")
    assert apidocs.header_functions(text) == ["mm_one", "mm_five"]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: os.path.relpath(p, TOP))
def test_relative_links_resolve(path):
    with open(path) as f:
        text = _prose(f.read())
    bad = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):          # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) \
            if file_part else path
        if not dest.startswith(TOP + os.sep) and dest != TOP:
            bad.append("%s: outside the repository" % target)
        elif not os.path.exists(dest):
            bad.append("%s: no such file" % target)
        elif anchor and dest.endswith(".md") and anchor not in _anchors(dest):
            bad.append("%s: no heading #%s in %s" % (target, anchor,
                                                     os.path.relpath(dest, TOP)))
    assert bad == []


def test_link_checker_finds_broken_links(tmp_path):
    """The checker's own parts: slugs as GitHub makes them, links found in
    prose and not in code."""
    assert apidocs.slug("Call sites: page_owner and allocation tags") == \
        "call-sites-page_owner-and-allocation-tags"
    assert apidocs.slug("`<libmm/mm.h>`") == "libmmmmh"
    md = tmp_path / "x.md"
    md.write_text("# One\n## One\n[a](x.md#one-1) `[b](nowhere.md)`\n"
                  "```\n[c](nowhere.md)\n```\n![d](pic.png \"title\")\n")
    assert _anchors(str(md)) == {"one", "one-1"}
    assert LINK.findall(_prose(md.read_text())) == ["x.md#one-1", "pic.png"]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: os.path.relpath(p, TOP))
def test_docs_cite_nothing_outside_the_repository(path):
    with open(path) as f:
        text = f.read()
    pattern = re.compile(r"\bSPEC\b(?!\.json)|ARCHITECTURE\.md|\.\./shared|§|\([Ii]ssue \d+\)|"
                         r"\b[Ii]ssue \d+\b|reference/")
    assert [m.group(0) for m in pattern.finditer(text)] == []


def _mmw_examples():
    with open(os.path.join(TOP, "docs", "workloads.md")) as f:
        return re.findall(r"^```mmw\n(.*?)^```", f.read(), flags=re.S | re.M)


@pytest.mark.parametrize("index", range(len(_mmw_examples())))
def test_workload_examples_run(index):
    """Every ```mmw block of docs/workloads.md replays and validates."""
    import subprocess
    mmbench = os.environ.get("MMBENCH") or os.path.join(TOP, "build", "release", "bin",
                                                        "mmbench")
    r = subprocess.run([mmbench, "run", "-", "--format", "mmw", "--quiet", "--validate"],
                       input=_mmw_examples()[index], text=True, capture_output=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr


def test_call_table_is_current():
    """docs/architecture.md's who-calls-whom table matches the release objects."""
    import callgraph
    if os.environ.get("LIBMM_VARIANT", "release") != "release" or not callgraph.objects():
        pytest.skip("the table is read from the release build's objects")
    with open(callgraph.DOC) as f:
        text = f.read()
    assert callgraph.updated_doc(text, callgraph.table(callgraph.graph(callgraph.objects()))) \
        == text, "docs/architecture.md: the call table is stale: run scripts/callgraph.py"


def test_json_md_names_every_field(tmp_path):
    """Every member name of a real mmbench result (and so of the library report
    inside it) appears in docs/json.md - counters named by the kernel (vmstat,
    slab statistics) and operation names excepted."""
    import json
    import subprocess
    mmbench = os.environ.get("MMBENCH") or os.path.join(TOP, "build", "release", "bin",
                                                        "mmbench")
    out = tmp_path / "r.json"
    r = subprocess.run([mmbench, "run", os.path.join(TOP, "workloads", "towards_oom.mmw"),
                        "--quiet", "--json", str(out), "--set", "cma=8M", "--set", "page_owner=1",
                        "--label", "docs", "--timeline", "5",
                        "--runs", "2", "--warmup", "--validate"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    names = set()

    def walk(x, parent):
        if isinstance(x, dict):
            for k, v in x.items():
                if parent not in ("vmstat", "stats", "ops"):
                    names.add(k)
                walk(v, k)
        elif isinstance(x, list):
            for v in x[:1]:
                walk(v, parent)
    walk(json.loads(out.read_text()), "")
    with open(os.path.join(TOP, "docs", "json.md")) as f:
        doc = f.read()
    assert sorted(n for n in names if not re.search(r"`%s(\[\])?`" % re.escape(n), doc)) == []


def _python_blocks(path):
    with open(path) as f:
        return re.findall(r"^```python\n(.*?)^```", f.read(), flags=re.S | re.M)


@pytest.mark.parametrize("path", [os.path.join(TOP, "README.md"),
                                  os.path.join(TOP, "docs", "python-guide.md"),
                                  os.path.join(TOP, "docs", "tutorial-student.md")],
                         ids=lambda p: os.path.relpath(p, TOP))
def test_tour_python_runs(path):
    """The README's tour, the Python guide's example and the student
    tutorial run as written (a page's blocks in order, as one session)."""
    import subprocess
    code = "\n".join(_python_blocks(path))
    r = subprocess.run([sys.executable, "-c", code], cwd=TOP, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
