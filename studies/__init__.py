"""Literature setups: parameter sweeps that write report.json, report.md, figures and fields.

How a study is put together
---------------------------
A study module (``studies/<name>.py``, or a package ``studies/<name>/`` with a
``__main__.py`` when it has separate concerns, like ``stack_pressure`` and
``critical_current``) holds only its physics and its own analysis:

1. The module docstring: the question, the literature setup, the model and
   its limits; its first paragraph is the ``--help`` description.
2. A frozen config dataclass: every parameter in the field's units (units in
   the names: ``current_density_mA_cm2``, ``footprint_um``), ``groups`` (rank
   groups) and ``validate(comm_size)``, which refuses bad input before any work
   with a ParameterError (``fem.validation``; the shared fields through
   ``_cli.check_common_fields``).  Beside it ``ARGUMENT_HELP``: the help text
   of every field, starting from ``_cli.COMMON_HELP``.
3. A frozen ``Case`` dataclass with ``label()`` and ``build_cases(cfg)``.
4. ``run_case(cfg, case, comm, out)``: mesh (geometries/), solve (fem/) and
   post-process one case on its rank group ``comm``, returning a dict of
   global numbers whose keys carry their units; fields go to ``out/fields``.
5. ``write_report(out, cfg, results, comm, wall)`` on rank 0:
   ``_report.study_report`` (the keys every report.json has: ``study``,
   ``parameters``, ``environment``, ``wall_time_s``, plus the study's own
   sections), figures with ``_figures.series`` and ``_figures.save_line_plot``
   (conventions in ``studies._figures``), tables with ``_report.markdown_table``
   (the header says the unit of its key: ``("final_pressure_MPa", "p final
   (MPa)")``), the mesh check with ``_convergence.reference_convergence``,
   published numbers from ``_literature``, then ``_report.write_report_files``.
6. The entry points::

       STUDY = Study("<name>", __doc__, Config, ARGUMENT_HELP, build_cases, run_case, write_report)
       run_study, main = STUDY.run, STUDY.main

       if __name__ == "__main__":   # a package puts this in __main__.py
           sys.exit(run_cli(main))

   ``run_study(cfg, out, comm)`` validates, farms the cases over rank groups
   (``_sweep``), writes into a temporary directory renamed into place on
   completion (``_output``); ``main`` is ``python -m studies.<name> --out DIR``
   with one option per config field (``_cli``).  Cases that share meshes or
   compiled problems get a per-run cache (``Study(..., cache=...)``).

Shared helpers: ``_study`` (Study), ``_cli`` (command line, shared fields),
``_sweep`` (rank groups), ``_output`` (atomic output), ``_report`` (report
skeleton, tables), ``_figures`` (plots, renders), ``_convergence`` (mesh
check), ``_literature`` (published numbers), ``_units`` (unit factors),
``_deposition_common`` (what the two deposition studies share).  Every study
has a test (tests/test_<name>_study.py) that runs it end to end on a tiny
configuration and checks its report.json keys and refusals.
"""
