"""The README's library example runs as printed (keeps the documentation honest)."""

import os
import re
from pathlib import Path

from mpi4py import MPI


def test_readme_python_example_runs(comm, shared_tmp_path, capsys):
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks, "README has no python example"
    cwd = os.getcwd()
    os.chdir(shared_tmp_path)
    try:
        exec(compile(blocks[0], "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert "ohm cm2; hot-spot factor" in capsys.readouterr().out
    comm.barrier()
    assert (shared_tmp_path / "results" / "mesh" / "markers.json").exists()  # written by rank 0, shared path


def test_readme_deposition_example_runs(capsys):
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "ResolvedDepositionProblem" in b)
    exec(compile(block, "README.md", "exec"), {})
    assert "bottom-up index +" in capsys.readouterr().out or MPI.COMM_WORLD.rank != 0
