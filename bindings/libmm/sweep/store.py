# SPDX-License-Identifier: GPL-2.0-only
"""A sweep's output directory: what makes it resumable and the table.

    DIR/points.jsonl          journal: one row a finished point (ok or
                              error), appended and fsync'ed as each point
                              finishes, in completion order
    DIR/points/ID.json.gz     each successful point's whole mmbench JSON
    DIR/sweep.json            the last run's spec and how it ran
    DIR/results.csv           the table: one row a point of the spec, in
    DIR/results.jsonl         spec order (the same rows as JSON lines)
    DIR/plots/*.png           summary plots (plots.py)

A point counts as done when its latest journal row has status "ok": a
re-run skips it and runs the others (new points, and points that failed
before).  Rows of points the current spec does not name stay in the
journal but not in the table.  A journal line cut short by a crash is
ignored (that point runs again).  Only the process driving the sweep writes
here, never the workers; it holds an flock on DIR/.lock meanwhile, so a
second sweep into the same directory is refused instead of interleaving.
"""
import fcntl
import gzip
import json
import os


class OutDir:
    """The output directory at path (the files the module docstring lists)."""

    def __init__(self, path):
        self.path = str(path)
        self.journal = os.path.join(self.path, "points.jsonl")

    def lock(self):
        """Creates the directory and takes it for this sweep (ValueError if
        another has it); released by unlock() or when the process ends."""
        os.makedirs(os.path.join(self.path, "points"), exist_ok=True)
        self._lock = open(self.file(".lock"), "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise ValueError("%s: another sweep is writing this directory" % self.path) \
                from None

    def unlock(self):
        """Release the directory lock()."""
        self._lock.close()

    def file(self, name):
        """The path of file name inside the directory."""
        return os.path.join(self.path, name)

    def rows(self):
        """{point id: its latest journal row}."""
        latest = {}
        try:
            with open(self.journal) as f:
                for line in f:
                    try:
                        row = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(row, dict) and "point" in row:
                        latest[row["point"]] = row
        except FileNotFoundError:
            pass
        return latest

    def done(self):
        """{point id: row} of the points that finished ok."""
        return {k: r for k, r in self.rows().items() if r.get("status") == "ok"}

    def _write_atomic(self, name, write, mode="w"):
        path = self.file(name)
        tmp = path + ".tmp"
        with open(tmp, mode) as f:
            write(f)
        os.replace(tmp, path)
        return path

    def record(self, row, doc_gz):
        """Keeps a finished point: its JSON document (gzip-compressed bytes),
        then its journal row."""
        if doc_gz is not None:
            self._write_atomic(os.path.join("points", row["point"] + ".json.gz"),
                               lambda f: f.write(doc_gz), "wb")
        with open(self.journal, "a") as f:
            f.write(json.dumps(row) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def document(self, point_id):
        """The mmbench JSON of a successful point (dict), or None."""
        try:
            with gzip.open(self.file(os.path.join("points", point_id + ".json.gz"))) as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    def write_meta(self, meta):
        """Write sweep.json (the spec and how the sweep ran); its path."""
        return self._write_atomic("sweep.json",
                                  lambda f: f.write(json.dumps(meta, indent=2) + "\n"))

    def write_table(self, df):
        """results.csv and results.jsonl; returns the CSV's path."""
        self._write_atomic("results.jsonl",
                           lambda f: df.to_json(f, orient="records", lines=True))
        return self._write_atomic("results.csv", lambda f: df.to_csv(f, index=False))
