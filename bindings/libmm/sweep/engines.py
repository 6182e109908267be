# SPDX-License-Identifier: GPL-2.0-only
"""Where the points run.  Both engines take the same tasks (task.run_point on
a Point) and yield (point, result) as each finishes; the order of the table
is the caller's business.

local   a pool of `workers` threads, each waiting on one mmbench process at a
        time: at most `workers` replays run at once, each in its own process.
dask    a Dask distributed cluster: a scheduler address ("tcp://host:8786"),
        a distributed.Client the caller made, or "local" for a LocalCluster
        of `workers` single-threaded worker processes started here and shut
        down at the end.  Dask does the scheduling, data movement and
        retries of lost workers; nothing here is a scheduler or a queue.
        Inputs are shipped by default: each distinct workload file is read
        once here and scattered to the workers (hashed, so a re-used input
        is sent once), and a worker writes it to a local cache file before
        running mmbench (task.materialize).  With shared=True the workers
        instead read the workloads at their absolute paths here, which must
        then be the same on every worker (a shared file system).

Points are handed out longest first (by input size), so that a long replay
does not start last and leave the other workers idle at the end.
"""
import concurrent.futures
import logging
import os

from . import task
from ..mmbench import kill_running


def _longest_first(points):
    return sorted(points, key=lambda p: -os.path.getsize(p.workload))


def local(points, workers, mmbench=None):
    """Yields (point, result) from a pool of `workers` concurrent mmbench runs.
    Stopped early (an exception in the caller, Ctrl-C), it hands out no more
    points and kills the running ones."""
    ex = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    try:
        futures = {ex.submit(task.run_point, p, None, None, mmbench): p
                   for p in _longest_first(points)}
        for f in concurrent.futures.as_completed(futures):
            yield futures[f], f.result()
    finally:
        ex.shutdown(wait=False, cancel_futures=True)
        kill_running()
        ex.shutdown(wait=True)


def _lost(point, exc):
    """The result of a task Dask could not finish (e.g. its workers died)."""
    return {"id": point.id, "doc_gz": None,
            "row": {"status": "error", "error": "dask: %s: %s" % (type(exc).__name__, exc),
                    "exit_code": None, "host": None, "wall_s": None}}


# The LocalCluster's housekeeping, turned down: with no dashboard nobody reads
# the workers' statistical profiler (a 10 ms sampling thread) or the system
# monitor, and a 20 ms event-loop tick only times blocked loops.  On a small
# machine they took CPU from the replays themselves (about 0.1 CPU-second a
# second for two workers, a third of that with these settings).
_QUIET_CLUSTER = {"distributed.worker.profile.enabled": False,
                 "distributed.admin.tick.interval": "1s",
                 "distributed.admin.system-monitor.interval": "5s"}


def connect(scheduler, workers):
    """(client, things to close after the sweep) for a scheduler address,
    "local" (a LocalCluster of `workers` processes, one thread each, ready
    when this returns) or a distributed.Client the caller owns."""
    import dask
    import distributed

    if isinstance(scheduler, distributed.Client):
        return scheduler, []
    if scheduler == "local":
        with dask.config.set(_QUIET_CLUSTER):
            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                               processes=True, dashboard_address=None,
                                               silence_logs=logging.ERROR)
        client = distributed.Client(cluster)
        return client, [client, cluster]
    client = distributed.Client(scheduler, timeout="30s")
    return client, [client]


def dask(points, client, mmbench=None, shared=False):
    """Yields (point, result) from a Dask cluster's client (see the module text)."""
    import distributed

    shipped = {}
    futures = {}
    for p in _longest_first(points):
        if shared:
            args = (os.path.abspath(p.workload), None)
        else:
            if p.digest not in shipped:
                with open(p.workload, "rb") as f:
                    shipped[p.digest] = client.scatter(f.read(), hash=True, broadcast=True)
            args = (None, shipped[p.digest])
        futures[client.submit(task.run_point, p, *args, mmbench, pure=False)] = p
    for f in distributed.as_completed(futures):
        p = futures[f]
        try:
            yield p, f.result()
        except Exception as e:      # noqa: BLE001 - lost worker, cancelled: an error row
            yield p, _lost(p, e)
