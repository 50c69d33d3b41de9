"""Results of each (mechanism, case) cached as JSON, keyed by a hash of exactly the inputs it reads.

A second map that shares a host, an electrolyte or a pressure with an earlier one re-runs only the
mechanisms whose inputs changed: the voiding boundary reads the stack pressure, the dendrite
boundary does not, so adding a pressure re-runs voiding and stress only.  Rank 0 owns the files;
every rank gets the same result (broadcast), and computations are collective.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mpi4py import MPI

__all__ = ["MechanismCache", "input_key"]

#: Bump when a model changes so that old cache entries are not reused.
CACHE_VERSION = 1


def input_key(name: str, inputs: dict[str, Any]) -> str:
    """The cache key of ``name`` with ``inputs``: sha256 of their canonical JSON (first 16 hex digits)."""
    text = json.dumps({"name": name, "version": CACHE_VERSION, "inputs": inputs}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class MechanismCache:
    """JSON cache in ``directory`` (None: in memory only) with counters of what was computed.

    ``computed[name]`` counts the computations of ``name`` in this process (cache misses) and
    ``seconds[name]`` their wall time; ``reused[name]`` the hits.
    """

    def __init__(self, directory: Path | None, comm: MPI.Comm) -> None:
        self.directory = directory
        self.comm = comm
        self.memory: dict[str, Any] = {}
        self.computed: Counter[str] = Counter()
        self.reused: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        if directory is not None and comm.rank == 0:
            directory.mkdir(parents=True, exist_ok=True)

    def _load(self, path: Path | None) -> Any:
        data = None
        if self.comm.rank == 0 and path is not None and path.exists():
            data = json.loads(path.read_text())
        return self.comm.bcast(data, root=0)

    def get(self, name: str, inputs: dict[str, Any], compute: Callable[[], Any]) -> Any:
        """The cached result of ``name`` for ``inputs``, or ``compute()`` (collective) stored for next time."""
        key = f"{name}_{input_key(name, inputs)}"
        if key in self.memory:
            self.reused[name] += 1
            return self.memory[key]
        path = None if self.directory is None else self.directory / f"{key}.json"
        data = self._load(path)
        if data is not None:
            self.reused[name] += 1
            self.memory[key] = data["result"]
            return data["result"]
        start = time.perf_counter()
        result = compute()
        self.seconds[name] += time.perf_counter() - start
        self.computed[name] += 1
        self.memory[key] = result
        if path is not None and self.comm.rank == 0:
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps({"name": name, "inputs": inputs, "result": result}, default=str))
            tmp.rename(path)
        return result

    def statistics(self) -> dict[str, Any]:
        names = sorted(set(self.computed) | set(self.reused))
        return {
            name: {"computed": self.computed[name], "reused": self.reused[name], "seconds": self.seconds[name]}
            for name in names
        }
