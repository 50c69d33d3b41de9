"""Command-line plumbing shared by the studies: list parsing and the refusal path."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import traceback
from collections.abc import Callable
from typing import Any

from mpi4py import MPI

from fem.validation import ParameterError

__all__ = [
    "float_list",
    "int_list",
    "string_list",
    "run_cli",
    "add_config_arguments",
    "config_from_namespace",
    "study_main",
]


#: Help texts of the options every study shares.
COMMON_HELP: dict[str, str] = {
    "degree": "Lagrange degree, 1 or 2",
    "refinement_levels": "mesh levels of the convergence check (0 = none, else 2 to 5)",
    "refinement_ratio": "element-size ratio between levels, 1.1 to 2",
    "convergence_tolerance_percent": "stated tolerance of the convergence check, %%",
    "groups": "MPI rank groups that run cases concurrently (1 to the number of ranks)",
    "fields": "skip the VTX/XDMF field output",
}


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


def string_list(text: str) -> list[str]:
    """Parse 'a,b' into strings (argparse type)."""
    return [item.strip() for item in text.split(",") if item.strip()]


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


def _argument_type(default: Any, annotation: str) -> Callable[[str], Any]:
    if isinstance(default, tuple):
        if "str" in annotation:
            return string_list
        return int_list if "int" in annotation else float_list
    if "int" in annotation and "float" not in annotation:
        return int
    if "float" in annotation:
        return float
    return str


def add_config_arguments(parser: argparse.ArgumentParser, config_type: type, helps: dict[str, str]) -> None:
    """One ``--field-name`` option per field of the frozen config dataclass, default from the class.

    Tuples take comma-separated lists; a boolean field defaulting to True becomes
    ``--no-field-name``, one defaulting to False ``--field-name``.  ``helps`` gives each
    field's help text (with units).
    """
    for field in dataclasses.fields(config_type):
        default = field.default
        flag = "--" + field.name.replace("_", "-")
        if isinstance(default, bool):
            switch = f"--no-{field.name.replace('_', '-')}" if default else flag
            action = "store_false" if default else "store_true"
            parser.add_argument(switch, dest=field.name, action=action, help=helps[field.name])
            continue
        parser.add_argument(
            flag,
            dest=field.name,
            type=_argument_type(default, str(field.type)),
            default=default,
            help=helps[field.name],
        )


def config_from_namespace(config_type: type, args: argparse.Namespace) -> Any:
    """Build the config dataclass from parsed arguments (lists become tuples)."""
    values = {}
    for field in dataclasses.fields(config_type):
        value = getattr(args, field.name)
        values[field.name] = tuple(value) if isinstance(value, list) else value
    return config_type(**values)


def study_main(
    prog: str,
    description: str,
    config_type: type,
    helps: dict[str, str],
    run_study: Callable[[Any, Any], Any],
    argv: list[str] | None = None,
) -> int:
    """The command line of every study: ``--out`` plus one option per config field."""
    from pathlib import Path

    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="output directory (replaced when the run completes)")
    add_config_arguments(parser, config_type, helps)
    args = parser.parse_args(argv)
    run_study(config_from_namespace(config_type, args), args.out)
    return 0
