#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Build the cffi extension module ``libmm._libmm`` (API mode) from the real headers.

One source of truth: the declarations handed to ``ffi.cdef`` are the public
headers themselves, run through the C preprocessor, never a hand-copied list.

1. ``gcc -E`` preprocesses ``<libmm/mm.h>`` (and everything it includes) with
   GNU extensions defined away; the line markers tell which lines come from
   libmm's own headers, and only those are kept (system headers such as
   ``<stddef.h>`` are cffi built-ins already).
2. pycparser parses that text; declarations are regenerated from the AST
   (``static inline`` bodies become plain prototypes, ``_Static_assert`` and
   other things cffi cannot take are dropped).
3. Every object-like ``#define NAME <integer expression>`` in those headers is
   declared as ``#define NAME ...`` so the C compiler fills the value in.
4. ``set_source`` includes the real header, so any declaration that drifted
   from it fails to compile: API mode checks every type and signature.

Usage (what the SCons build runs):
    build_cffi.py --include build/V/include --lib build/V/lib/libmm.a \\
                  --out build/V/python/libmm --tmp build/V/cffi --cflags "-O2"
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys

import cffi
import pycparser
from pycparser import c_ast, c_generator

MODULE = "libmm._libmm"
ROOT_HEADER = "libmm/mm.h"

# GNU spellings pycparser does not know, defined away before parsing.
GNU_DEFINES = [
    "-D__attribute__(x)=", "-D__extension__=", "-D__inline__=inline",
    "-D__inline=inline", "-D__restrict=", "-D__restrict__=", "-D__asm__(x)=",
    "-D__asm(x)=", "-D__volatile__=volatile", "-D__const=const",
    "-D__signed__=signed", "-D__builtin_va_list=void *",
    "-DLIBMM_CFFI_CDEF=1",
]

LINEMARK = re.compile(r'^#\s*(?:line\s+)?\d+\s+"([^"]*)"')
DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(?!\()\s+(.+?)\s*$")


def preprocess(include_dir, cc=os.environ.get("CC", "gcc"), extra=()):
    """Preprocessed text of ROOT_HEADER keeping only lines from include_dir.

    Returns (text, header_paths) where header_paths lists libmm's headers
    that were reached, for the #define scan."""
    src = "#include <%s>\n" % ROOT_HEADER
    cmd = [cc, "-E", "-std=gnu11", "-I", include_dir] + list(extra) + GNU_DEFINES \
        + ["-x", "c", "-"]
    out = subprocess.run(cmd, input=src, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("build_cffi: preprocessing failed:\n" + out.stderr)
    inc = os.path.realpath(include_dir)
    keep, headers, current_ok = [], [], False
    for line in out.stdout.splitlines():
        m = LINEMARK.match(line)
        if m:
            path = os.path.realpath(m.group(1)) if m.group(1)[:1] != "<" else ""
            current_ok = path.startswith(inc + os.sep)
            if current_ok and path not in headers:
                headers.append(path)
            continue
        if not current_ok or line.lstrip().startswith("#"):
            continue                        # system header, #pragma, ...
        keep.append(line)
    return "\n".join(keep) + "\n", headers


class _DeclOnly(c_generator.CGenerator):
    """Turns a parsed translation unit into cffi-acceptable declarations."""

    def declarations(self, ast):
        parts = []
        for ext in ast.ext:
            if isinstance(ext, c_ast.FuncDef):
                ext = ext.decl              # static inline body -> prototype
            if type(ext).__name__ in ("StaticAssert", "Pragma"):
                continue
            if isinstance(ext, c_ast.Decl):
                ext.storage = [s for s in ext.storage if s not in ("static", "extern")]
                ext.funcspec = [f for f in ext.funcspec if f != "inline"]
            parts.append(self.visit(ext) + ";")
        return "\n".join(parts) + "\n"


def cdef_declarations(text):
    # size_t and friends are cffi built-ins; tell the parser they are types.
    prelude = "".join("typedef int %s;\n" % t for t in _BUILTIN_TYPES)
    ast = pycparser.CParser().parse(prelude + text, "<libmm headers>")
    ast.ext = ast.ext[len(_BUILTIN_TYPES):]
    return _DeclOnly().declarations(ast)


_BUILTIN_TYPES = [
    "size_t", "ssize_t", "ptrdiff_t", "uintptr_t", "intptr_t", "bool",
    "int8_t", "int16_t", "int32_t", "int64_t",
    "uint8_t", "uint16_t", "uint32_t", "uint64_t", "va_list", "FILE",
]


def header_defines(paths):
    """Names of object-like integer #defines in libmm's headers, in order."""
    names = []
    for path in paths:
        with open(path) as f:
            text = re.sub(r"\\\n", " ", f.read())
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        for line in text.splitlines():
            m = DEFINE.match(line.split("//")[0])
            if not m:
                continue
            name, value = m.group(1), m.group(2).strip()
            if not value or re.search(r"[\"']|__attribute__|\{", value):
                continue                    # guards, strings, attributes
            if name not in names:
                names.append(name)
    return names


def integer_constants(names, include_dir, cc=os.environ.get("CC", "gcc")):
    """The names whose expansion is an integer constant expression (what
    cffi's "#define NAME ..." can take); macros expanding to strings, calls
    or types are left out.  One compile: each candidate is put in a
    _Static_assert on its own line and the lines gcc rejects are dropped."""
    lines = ["#include <%s>" % ROOT_HEADER]
    first = len(lines) + 1
    lines += ['_Static_assert((%s) || 1, "");' % n for n in names]
    cmd = [cc, "-fsyntax-only", "-std=gnu11", "-fmax-errors=0", "-w",
           "-I", include_dir, "-x", "c", "-"]
    out = subprocess.run(cmd, input="\n".join(lines) + "\n",
                         capture_output=True, text=True)
    bad = {int(m.group(1)) - first for m in
           re.finditer(r"^<stdin>:(\d+):\d+: error", out.stderr, re.M)}
    return [n for i, n in enumerate(names) if i not in bad]


def build_ffi(include_dir, lib, cflags):
    # the headers must read the same to cdef as to the compiler
    ppflags = [f for f in cflags if f.startswith(("-D", "-U", "-std"))]
    text, headers = preprocess(include_dir, extra=ppflags)
    ffi = cffi.FFI()
    ffi.cdef(cdef_declarations(text))
    defines = integer_constants(header_defines(headers), include_dir)
    ffi.cdef("".join("#define %s ...\n" % n for n in defines))
    ffi.set_source(
        MODULE, "#include <%s>\n" % ROOT_HEADER,
        include_dirs=[include_dir],
        extra_objects=[lib] if lib else [],
        extra_compile_args=cflags,
        libraries=["pthread"],
    )
    return ffi, defines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--include", required=True, help="dir holding libmm/mm.h")
    ap.add_argument("--lib", required=True, help="static libmm.a to link in")
    ap.add_argument("--out", required=True, help="package dir for the module")
    ap.add_argument("--tmp", required=True, help="scratch dir for C and objects")
    ap.add_argument("--cflags", default="", help="extra compiler flags")
    ap.add_argument("--print-cdef", action="store_true",
                    help="print the generated declarations and exit")
    args = ap.parse_args(argv)

    if args.print_cdef:
        text, headers = preprocess(args.include)
        print(cdef_declarations(text))
        print("".join("#define %s ...\n" % n for n in
                      integer_constants(header_defines(headers), args.include)))
        return 0
    # ffi.compile() runs the compiler inside tmp: every path made absolute.
    ffi, _ = build_ffi(os.path.abspath(args.include), os.path.abspath(args.lib),
                       shlex.split(args.cflags))
    os.makedirs(args.tmp, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    try:
        built = ffi.compile(tmpdir=os.path.abspath(args.tmp), verbose=False)
    except cffi.VerificationError as e:
        sys.exit("build_cffi: compiling the extension failed "
                 "(a declaration drifted from the header?): %s" % e)
    dest = os.path.join(args.out, os.path.basename(built))
    shutil.copy2(built, dest)
    warn_unresolved(dest)
    print("build_cffi: wrote", dest)
    return 0


def warn_unresolved(so):
    """Name declared mm_ functions that libmm.a does not define: importing
    the module would fail with 'undefined symbol'."""
    out = subprocess.run(["nm", "-u", "-D", so], capture_output=True, text=True)
    missing = sorted({l.split()[-1] for l in out.stdout.splitlines()
                      if l.split() and l.split()[-1].startswith("mm_")})
    if missing:
        print("build_cffi: WARNING: declared but not in the library "
              "(import will fail): " + " ".join(missing), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
