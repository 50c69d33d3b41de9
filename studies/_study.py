"""A study put together from its parts: ``run_study`` (validate, run the cases, write the report
atomically) and ``main`` (the command line) from one :class:`Study` record.

A study module defines its physics and analysis and ends with::

    STUDY = Study("constriction", __doc__, ConstrictionConfig, ARGUMENT_HELP, build_cases, run_case, write_report)
    run_study, main = STUDY.run, STUDY.main

    if __name__ == "__main__":
        sys.exit(run_cli(main))

(see the studies package docstring for what each part is).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mpi4py import MPI

from studies._cli import study_command
from studies._sweep import run_config_study

__all__ = ["Study"]


def _case_label(case: Any) -> str:
    return case.label() if hasattr(case, "label") else str(case)


@dataclass(frozen=True)
class Study:
    """The parts of a study and the two entry points built from them.

    ``name`` is the module under studies/ (``python -m studies.<name>``) and report.json's ``study``;
    ``doc`` the module docstring (its first paragraph is the ``--help`` description);
    ``config_type`` the frozen config dataclass (fields in the field's units, ``validate(comm_size)``,
    ``groups``); ``helps`` the help text of every config field; ``build_cases(cfg)`` the cases;
    ``run_case(cfg, case, group_comm, out)`` one case's result (collective on the rank group; ``out``
    the temporary output directory); ``write_report(out, cfg, results, comm, wall_s)`` report.json,
    report.md and figures on rank 0; ``label(case)`` the progress line of a case (default: the case's
    own ``label()``).  ``cache(cfg)``,
    if given, makes one object per run that ``run_case`` gets as a fifth argument (meshes or compiled
    problems the cases of a rank group share) and whose ``close()`` is called at the end.
    ``title`` names the study in progress lines (default: the name in words + " study").
    """

    name: str
    doc: str
    config_type: type
    helps: dict[str, str]
    build_cases: Callable[[Any], Sequence[Any]]
    run_case: Callable[..., dict[str, Any]]
    write_report: Callable[[Path, Any, list[dict[str, Any]], MPI.Comm, float], dict[str, Any]]
    label: Callable[[Any], str] | None = None
    cache: Callable[[Any], Any] | None = None
    title: str = ""

    def run(self, cfg: Any, out: Path, comm: MPI.Comm = MPI.COMM_WORLD) -> dict[str, Any] | None:
        """Validate ``cfg`` (bad input refused before any work), run every case in ``cfg.groups`` rank
        groups, write the report into ``out`` atomically; the report on rank 0, None elsewhere."""
        title = self.title or f"{self.name.replace('_', ' ')} study"
        cache = None if self.cache is None else self.cache(cfg)
        shared = () if cache is None else (cache,)
        run_case = self.run_case
        try:
            return run_config_study(
                title,
                cfg,
                self.build_cases,
                lambda c, case, group, tmp: run_case(c, case, group, tmp, *shared),
                self.write_report,
                out,
                comm,
                self.label or _case_label,
            )
        finally:
            if hasattr(cache, "close"):
                cache.close()

    @property
    def main(self) -> Callable[[list[str] | None], int]:
        """The command line: ``python -m studies.<name> --out DIR`` plus one option per config field."""
        return study_command(f"studies.{self.name}", self.doc, self.config_type, self.helps, self.run)
