# SPDX-License-Identifier: GPL-2.0-only
"""A sweep's specification and its points.

A Spec is what to run: workloads (files; shell patterns are expanded), a
grid (machine key -> values, the cross product over keys in order), seeds
(None = each workload's own), runs per point, fixed machine keys (``sets``)
applied to every point, and a per-point timeout.  ``Spec.points()`` lists
every point in table order: workload, then grid combination, then seed,
then run.  A point's id hashes everything that decides its result - the
workload's name and content, the machine keys, seed and run - so an output
directory can tell finished points from new ones when a sweep is re-run or
extended.

Specs come from keywords (``Spec(workloads=[...], grid={...})``), from a
TOML or JSON file with the same field names (``Spec.from_file``), and from
command-line words (``parse_grid("pcp=on,off")``, ``parse_list``).
FIELDS names a spec's fields, in the order a spec file lists them.
"""
import dataclasses
import glob
import hashlib
import itertools
import json
import os

FIELDS = ("workloads", "grid", "seeds", "runs", "sets", "timeout")


def _word_ok(word):
    return bool(word) and not any(c.isspace() for c in word)


def _check_key(key, what):
    key = str(key)
    if not _word_ok(key) or "=" in key:
        raise ValueError("%s: bad machine key %r" % (what, key))
    if key == "seed":
        raise ValueError("%s: seed is not a grid key: give the seeds with --seeds" % what)
    return key


def _check_value(key, value):
    if isinstance(value, bool):
        value = int(value)
    value = str(value)
    if not _word_ok(value):
        raise ValueError("%s: bad value %r (no blanks, not empty)" % (key, value))
    return value


def parse_list(text, what="list"):
    """"1,2,3" -> ["1", "2", "3"]; ";" separates instead when the text has one
    (for values that hold commas)."""
    sep = ";" if ";" in text else ","
    items = [t.strip() for t in text.split(sep)]
    if not text.strip() or any(not t for t in items):
        raise ValueError("%s: empty item in %r" % (what, text))
    return items


def parse_grid(word):
    """"KEY=V1,V2" -> ("KEY", ["V1", "V2"])."""
    key, eq, values = word.partition("=")
    if not eq:
        raise ValueError("--grid %r: expected KEY=V1,V2,..." % word)
    key = _check_key(key.strip(), "--grid")
    return key, [_check_value(key, v) for v in parse_list(values, "--grid " + key)]


def parse_set(word):
    """"KEY=VALUE" -> ("KEY", "VALUE")."""
    key, eq, value = word.partition("=")
    if not eq:
        raise ValueError("--set %r: expected KEY=VALUE" % word)
    key = _check_key(key.strip(), "--set")
    return key, _check_value(key, value.strip())


def parse_seeds(text):
    """The seeds of --seeds text ("1,2,3") as ints; ValueError otherwise."""
    try:
        seeds = [int(s) for s in parse_list(text, "--seeds")]
    except ValueError as e:
        raise ValueError("--seeds %r: expected whole numbers like 1,2,3 (%s)" % (text, e)) \
            from None
    if any(s < 0 for s in seeds):
        raise ValueError("--seeds %r: seeds are non-negative" % text)
    return seeds


def _expand(pattern):
    if os.path.exists(pattern) or not glob.has_magic(pattern):
        return [pattern]
    found = sorted(glob.glob(pattern))
    if not found:
        raise ValueError("workload pattern %r matches no file" % pattern)
    return found


def file_digest(path):
    """sha256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclasses.dataclass(frozen=True)
class Point:
    """One mmbench run of the sweep."""
    workload: str           # the name as given (after pattern expansion)
    digest: str             # sha256 of the workload file
    grid: tuple             # ((key, value), ...) in grid order
    sets: tuple             # fixed ((key, value), ...)
    seed: object            # int, or None = the workload's own
    run: int                # 0 .. runs-1
    timeout: object = None  # seconds, or None

    @property
    def id(self):
        """16 hex digits hashing the workload's name and content, the machine
        keys, seed and run: the point's name in the output directory."""
        ident = json.dumps([os.path.normpath(self.workload), self.digest, list(self.sets),
                            list(self.grid), self.seed, self.run])
        return hashlib.sha256(ident.encode()).hexdigest()[:16]

    def machine_sets(self):
        """The --set words: fixed keys, then this point's grid values."""
        return ["%s=%s" % kv for kv in self.sets + self.grid]

    def label(self):
        """A readable name: workload, grid values, seed and run."""
        words = [os.path.basename(self.workload)] + ["%s=%s" % kv for kv in self.grid]
        if self.seed is not None:
            words.append("seed=%d" % self.seed)
        return " ".join(words + ["run=%d" % self.run])


@dataclasses.dataclass
class Spec:
    """What a sweep runs: workloads, grid, seeds, runs, sets, timeout (the
    module docstring says what each means)."""
    workloads: list = dataclasses.field(default_factory=list)
    grid: dict = dataclasses.field(default_factory=dict)
    seeds: list = None
    runs: int = 1
    sets: dict = dataclasses.field(default_factory=dict)
    timeout: float = None

    def __post_init__(self):
        self.workloads = [w for p in self.workloads for w in _expand(str(p))]
        self.grid = {_check_key(k, "grid"): [_check_value(k, v) for v in
                                            (vs if isinstance(vs, (list, tuple)) else [vs])]
                     for k, vs in dict(self.grid).items()}
        if isinstance(self.sets, (list, tuple)):
            self.sets = dict(parse_set(w) for w in self.sets)
        self.sets = {_check_key(k, "set"): _check_value(k, v) for k, v in self.sets.items()}
        if self.seeds is not None:
            self.seeds = [int(s) for s in self.seeds]
            if any(s < 0 for s in self.seeds) or not self.seeds:
                raise ValueError("seeds: a non-empty list of non-negative integers")
        self.runs = int(self.runs)
        if self.runs < 1:
            raise ValueError("runs: at least 1")
        if self.timeout is not None and not float(self.timeout) > 0:
            raise ValueError("timeout: seconds, more than 0")

    def check(self):
        """ValueError unless the spec can run: workloads exist, keys unambiguous."""
        if not self.workloads:
            raise ValueError("no workload: give at least one (--workload W)")
        for w in self.workloads:
            if not os.path.isfile(w):
                raise ValueError("workload %r: no such file" % w)
        if len(set(self.workloads)) != len(self.workloads):
            raise ValueError("a workload is named twice: %s" % " ".join(self.workloads))
        for k, vs in self.grid.items():
            if not vs:
                raise ValueError("grid key %s has no values" % k)
            if len(set(vs)) != len(vs):
                raise ValueError("grid key %s repeats a value: %s" % (k, ",".join(vs)))
            if k in self.sets:
                raise ValueError("%s is both a grid key and a fixed --set" % k)

    @classmethod
    def from_file(cls, path):
        """A spec from TOML (.toml) or JSON: the fields workloads, grid, seeds,
        runs, sets, timeout; relative workload paths are relative to the file."""
        if str(path).endswith(".toml"):
            import tomllib
            with open(path, "rb") as f:
                doc = tomllib.load(f)
        else:
            with open(path) as f:
                doc = json.load(f)
        unknown = set(doc) - set(FIELDS)
        if unknown:
            raise ValueError("%s: unknown field(s) %s (known: %s)"
                             % (path, ", ".join(sorted(unknown)), ", ".join(FIELDS)))
        base = os.path.dirname(os.path.abspath(path))
        doc["workloads"] = [w if os.path.isabs(w) else
                            os.path.relpath(os.path.join(base, w))
                            for w in doc.get("workloads", [])]
        return cls(**doc)

    def as_dict(self):
        """The fields as a dict (what sweep.json records)."""
        return {f: getattr(self, f) for f in FIELDS}

    def points(self):
        """Every Point in table order: workload, grid combination, seed, run."""
        keys = list(self.grid)
        sets = tuple(self.sets.items())
        seeds = self.seeds if self.seeds is not None else [None]
        digests = {w: file_digest(w) for w in self.workloads}
        return [Point(w, digests[w], tuple(zip(keys, combo)), sets, seed, run, self.timeout)
                for w in self.workloads
                for combo in itertools.product(*(self.grid[k] for k in keys))
                for seed in seeds
                for run in range(self.runs)]
