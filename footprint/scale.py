"""Scale-out on Dask distributed: the same work function, run here or on a cluster's workers.

`--scheduler local` starts a LocalCluster on 127.0.0.1 (dashboard off, one thread per worker
process); any other value is a scheduler address (tcp://host:8786) whose workers run this
package and can read the snapshot folder (a shared volume, or the same image with the same
CARBONLABEL_HOME contents). Work is split into fixed units by the caller (chunks of JSONL lines,
blocks of Monte Carlo draws) and results are gathered in submission order, so the output does
not depend on the number of workers.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from itertools import chain
from typing import Any, TypeVar
from collections.abc import Callable, Iterable, Iterator

from footprint.errors import SchedulerError as SchedulerError  # defined with the package's errors; re-exported

Item = TypeVar("Item", bound=tuple)
LOCAL = "local"


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int | None = None) -> Iterator[Any]:
    """A distributed.Client for `scheduler` ("local" or an address), closed on exit."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise SchedulerError("--scheduler needs dask[distributed] installed") from exc
    if scheduler == LOCAL:
        count = workers or min(os.cpu_count() or 1, 8)
        with LocalCluster(n_workers=count, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, silence_logs=40) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
    try:
        yield client
    finally:
        client.close()


def ordered_map(func: Callable[..., Any], items: Iterable[Item], args: tuple, scheduler: str | None,
                workers: int | None = None, jobs: int = 1) -> Iterator[tuple[Item, Any]]:
    """(item, func(*item, *args)) for each item, in the order of `items`.

    Without a scheduler, `jobs` > 1 runs the items on that many forked processes of this
    machine (started only once there is a second item). On a scheduler or a pool, at most two
    tasks per worker are in flight, so a million-BOM file streams through instead of being held
    in memory at once.
    """
    if scheduler is None:
        yield from _local_map(func, items, args, jobs)
        return
    with dask_client(scheduler, workers) as client:
        limit = 2 * max(1, len(client.scheduler_info().get("workers", {})))
        yield from _in_order(lambda item: client.submit(func, *item, *args, pure=False), items, limit)


def _in_order(submit: Callable[[Item], Any], items: Iterable[Item], limit: int) -> Iterator[tuple[Item, Any]]:
    """Submit items, at most `limit` in flight, and yield (item, result) in submission order."""
    pending: deque[tuple[Item, Any]] = deque()
    for item in items:
        pending.append((item, submit(item)))
        if len(pending) >= limit:
            done, future = pending.popleft()
            yield done, future.result()
    while pending:
        done, future = pending.popleft()
        yield done, future.result()


def default_jobs() -> int:
    """Processes for local work without a scheduler: the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _local_map(func: Callable[..., Any], items: Iterable[Item], args: tuple, jobs: int) -> Iterator[tuple[Item, Any]]:
    iterator = iter(items)
    first = next(iterator, None)
    if first is None:
        return
    second = next(iterator, None)
    if second is None or jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for item in (first,) if second is None else chain((first, second), iterator):
            yield item, func(*item, *args)
        return
    # fork: the children start with this process's imports and loaded snapshot, in milliseconds
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from _in_order(lambda item: pool.submit(func, *item, *args), chain((first, second), iterator), 2 * jobs)
