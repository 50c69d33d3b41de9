"""Command-line plumbing shared by the studies: the command, the options, the shared fields, the refusal path.

A study's command line is ``main = study_command("studies.<name>", __doc__,
Config, ARGUMENT_HELP, run_study)``: ``--out`` plus one option per field of
the frozen config dataclass (defaults from the class, help texts with units
from ``ARGUMENT_HELP``, which starts from :data:`COMMON_HELP`), run under
:func:`run_cli` so that bad input exits with status 2 and a message naming the
parameter.  :func:`check_common_fields` refuses bad values of the fields
studies share (degree, mesh-refinement check, rank groups).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import traceback
from collections.abc import Callable
from typing import Any

from mpi4py import MPI

from fem.validation import ParameterError, check_choice, check_range

__all__ = [
    "float_list",
    "int_list",
    "string_list",
    "run_cli",
    "add_config_arguments",
    "config_from_namespace",
    "check_common_fields",
    "study_main",
    "study_command",
    "COMMON_HELP",
]


#: Help texts of the options several studies share (a study's ARGUMENT_HELP starts from these and
#: overrides what it means differently).
COMMON_HELP: dict[str, str] = {
    "degree": "Lagrange degree, 1 or 2",
    "refinement_levels": "mesh levels of the convergence check (0 = none, else 2 to 5)",
    "refinement_ratio": "element-size ratio between levels, 1.1 to 2",
    "convergence_tolerance_percent": "stated tolerance of the convergence check, %%",
    "groups": "MPI rank groups that run cases concurrently (1 to the number of ranks)",
    "fields": "skip the VTX/XDMF field output",
    "electrolyte": "electrolyte parameter set (fem/data/materials.toml)",
    "interface": "interface kinetics parameter set (fem/data/materials.toml)",
    "current_density_mA_cm2": "applied current density, mA/cm2, in (0, 100)",
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


def check_common_fields(cfg: Any, comm_size: int) -> None:
    """Refuse bad values of the shared fields ``cfg`` has (ParameterError names the field): ``degree``
    1 or 2; ``refinement_levels`` 0 (no check) or 2 to 5; ``refinement_ratio`` 1.1 to 2; ``groups``
    1 to the number of ranks."""
    names = {field.name for field in dataclasses.fields(cfg)}
    if "degree" in names:
        check_choice("degree", str(cfg.degree), ("1", "2"))
    if "refinement_levels" in names:
        check_range("refinement_levels", cfg.refinement_levels, 0, 5, low_inclusive=True, high_inclusive=True)
        if cfg.refinement_levels == 1:
            raise ParameterError("refinement_levels = 1: use 0 (no check) or at least 2 levels")
    if "refinement_ratio" in names:
        check_range("refinement_ratio", cfg.refinement_ratio, 1.1, 2.0, low_inclusive=True, high_inclusive=True)
    check_range("groups", cfg.groups, 1, comm_size, low_inclusive=True, high_inclusive=True)


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


def study_command(
    module: str, doc: str, config_type: type, helps: dict[str, str], run_study: Callable[[Any, Any], Any]
) -> Callable[[list[str] | None], int]:
    """``main(argv)`` of the study ``module`` (``studies.<name>``): :func:`study_main` with the program
    name ``python -m <module>`` and the first paragraph of the module docstring ``doc`` as description."""

    def main(argv: list[str] | None = None) -> int:
        return study_main(f"python -m {module}", doc.split("\n\n")[0], config_type, helps, run_study, argv)

    main.__doc__ = f"The command line of {module}: --out DIR and one option per config field (see --help)."
    return main
