"""Command-line plumbing shared by the studies: list parsing and the refusal path."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable

from mpi4py import MPI

from fem.validation import ParameterError

__all__ = ["float_list", "int_list", "run_cli"]


def float_list(text: str) -> list[float]:
    """Parse '0.1,0.2,0.5' into floats (argparse type)."""
    try:
        return [float(item) for item in text.split(",") if item.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def int_list(text: str) -> list[int]:
    """Parse '1,4,16' into ints (argparse type)."""
    try:
        return [int(item) for item in text.split(",") if item.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from None


def run_cli(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Run ``main``; a ParameterError is reported on rank 0 and exits with status 2.

    Any other exception in a parallel run aborts every rank (MPI_Abort) after
    printing its traceback, instead of leaving the other ranks waiting forever
    in a collective.
    """
    comm = MPI.COMM_WORLD
    try:
        return main(argv)
    except ParameterError as error:
        if comm.rank == 0:
            print(f"error: {error}", file=sys.stderr, flush=True)
        return 2
    except Exception:
        traceback.print_exc()
        sys.stderr.flush()
        if comm.size > 1:
            comm.Abort(1)
        return 1
