"""The critical-current study's report: fitted pressure exponent, figures, report.json and report.md
with the comparison with Kasemchainan et al. 2019 and the creep-against-stripping scale estimate."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from studies._figures import save_line_plot, series
from studies._literature import KASEMCHAINAN_2019_EXPONENT
from studies._literature import KASEMCHAINAN_2019_LPSCL as PUBLISHED_LPSCL
from studies._report import figures_section, format_number, markdown_table, study_report, write_report_files
from studies.critical_current.cell import creep_to_stripping_ratio, lithium, required_strength_factor, wagner_number
from studies.critical_current.config import LI_MICROMETRE_STRENGTH_FACTOR, CriticalCurrentConfig
from studies.critical_current.supply import LLZO_PUBLISHED, supply_figure, supply_markdown

__all__ = ["fitted_exponent", "write_report"]

# -- report --------------------------------------------------------------------------------------


def _pressure_cases(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cases of the pressure sweep (not the sensitivity cases)."""
    return [r for r in results if not r.get("sensitivity_parameter")]


def _case_label(r: dict[str, Any]) -> str:
    varied = f", {r['sensitivity_parameter']} = {r['sensitivity_value']:g}" if r.get("sensitivity_parameter") else ""
    return f"{r['electrolyte']} {r['stack_pressure_MPa']:g} MPa{varied}"


def fitted_exponent(results: list[dict[str, Any]], electrolyte_name: str) -> float | None:
    """Least-squares m in i_c ~ p^m over the cases with a collapse."""
    points = [
        (r["stack_pressure_MPa"], r["critical_current_mA_cm2"])
        for r in _pressure_cases(results)
        if r["electrolyte"] == electrolyte_name and r["critical_current_mA_cm2"]
    ]
    if len(points) < 2:
        return None
    logp, logi = np.log(np.array(points)).T
    return float(np.polyfit(logp, logi, 1)[0])


def write_report(
    out: Path, cfg: CriticalCurrentConfig, results: list[dict[str, Any]], comm: MPI.Comm, wall: float
) -> dict[str, Any]:
    """report.json, report.md and the figures (rank 0)."""
    everything, results = results, [r for r in results if r.get("supply_model", "creep") == "creep"]
    supplied = [r for r in everything if r.get("supply_model", "creep") != "creep"]
    if results:
        _figures(out, cfg, results)
    if supplied:
        supply_figure(out, supplied, results)
    report = study_report(
        "critical_current",
        cfg,
        comm,
        wall,
        parameters_key="config",
        cases=[{k: v for k, v in r.items() if k != "series"} for r in everything],
        series=[{"label": _case_label(r), **r["series"]} for r in results],
        fitted_pressure_exponent={e: fitted_exponent(results, e) for e in cfg.electrolytes},
        fitted_pressure_exponent_by_model={
            model: {
                e: fitted_exponent([r for r in everything if r["supply_model"].startswith(model)], e)
                for e in cfg.electrolytes
            }
            for model in cfg.supply
        },  # fmt: skip
        published_LLZO=LLZO_PUBLISHED,
        published={
            "LPSCl_Kasemchainan2019": [
                {"stack_pressure_MPa": p, "critical_current_mA_cm2": i} for p, i in PUBLISHED_LPSCL
            ],
            "LPSCl_pressure_exponent": KASEMCHAINAN_2019_EXPONENT,
        },
    )
    text = _markdown(cfg, results, report) if results else "# Critical stripping current vs stack pressure\n"
    text += supply_markdown(cfg, everything, results) + _void_figures_markdown(supplied)
    return write_report_files(out, report, text)


def _figures(out: Path, cfg: CriticalCurrentConfig, results: list[dict[str, Any]]) -> None:
    """The figures report.md shows, beside it (not in figures/: report.md names them)."""
    curves = []
    for name in cfg.electrolytes:
        rows = [r for r in _pressure_cases(results) if r["electrolyte"] == name]
        collapsed = [r for r in rows if r["critical_current_mA_cm2"]]
        bounded = [r for r in rows if not r["critical_current_mA_cm2"] and r["highest_sustained_current_mA_cm2"]]
        pressures = [r["stack_pressure_MPa"] for r in collapsed]
        if collapsed:
            curves.append(series(pressures, [r["critical_current_mA_cm2"] for r in collapsed], f"model {name}"))
        if bounded:
            label = f"model {name}: no collapse up to (lower bound)"
            sustained = [r["highest_sustained_current_mA_cm2"] for r in bounded]
            curves.append(series([r["stack_pressure_MPa"] for r in bounded], sustained, label, "^"))
    pressures, currents = zip(*PUBLISHED_LPSCL, strict=True)
    curves.append(series(list(pressures), list(currents), "Kasemchainan 2019 (LPSCl)", "ks--"))
    pressure, title = "stack pressure [MPa]", "Critical stripping current vs stack pressure"
    ylabel = "critical stripping current [mA/cm2]"
    save_line_plot(out, "critical_current.png", curves, pressure, ylabel, title, True, True, folder="")
    curves = [
        series([r["stack_pressure_MPa"] for r in rows], [statistic(r) for r in rows], f"{name}: {label}", style)
        for name in cfg.electrolytes
        if (rows := [r for r in _pressure_cases(results) if r["electrolyte"] == name and r["series"]["time_s"]])
        for label, statistic, style in (
            ("mean over the ramp", _mean_contact_fraction, "o-"),
            ("lowest", lambda r: min(r["series"]["contact_fraction"]), "v--"),
        )
    ]
    title = "Contact kept during the current ramp vs stack pressure"
    save_line_plot(
        out, "contact_fraction_vs_pressure.png", curves, pressure, "contact fraction", title, True, folder=""
    )
    ramp = f"during the current ramp (x{cfg.current_factor:g} per {cfg.stage_capacity_mAh_cm2:g} mAh/cm2)"
    for key, ylabel in (
        ("contact_fraction", "contact fraction"),
        ("voltage_V", "working electrode potential [V]"),
        ("void_gap_p90_um", "void depth, 90th percentile over the void area [um]"),
        ("peak_current_density_mA_cm2", "peak local current density [mA/cm2]"),
    ):
        curves = [series(r["series"]["capacity_mAh_cm2"], r["series"][key], _case_label(r), "-") for r in results]
        xlabel = "stripped capacity [mAh/cm2]"
        save_line_plot(out, f"{key}_vs_capacity.png", curves, xlabel, ylabel, f"{ylabel} {ramp}", folder="")


def _markdown(cfg: CriticalCurrentConfig, results: list[dict[str, Any]], report: dict[str, Any]) -> str:
    rows = []
    for r in _pressure_cases(results):
        stages = r["stages"]
        rows.append(
            {
                "electrolyte": r["electrolyte"],
                "p": r["stack_pressure_MPa"],
                "sustained": r["highest_sustained_current_mA_cm2"],
                "failed": r["first_failed_current_mA_cm2"],
                "critical": r["critical_current_mA_cm2"],
                "end": r["end_reason"],
                "contact_mean": _mean_contact_fraction(r),
                "contact_min": min(r["series"]["contact_fraction"], default=None),
                "s_step": sum(s["wall_time_s"] for s in stages) / max(1, sum(s["steps"] for s in stages)),
                "newton": sum(s["mechanics_newton_per_step"] * s["steps"] for s in stages)
                / max(1, sum(s["steps"] for s in stages)),
            }
        )
    table = markdown_table(
        rows,
        [
            ("electrolyte", "electrolyte"),
            ("p", "stack pressure [MPa]"),
            ("sustained", "highest sustained [mA/cm2]"),
            ("failed", "first failed [mA/cm2]"),
            ("critical", "critical (geometric mid) [mA/cm2]"),
            ("end", "end"),
            ("contact_mean", "mean contact fraction"),
            ("contact_min", "lowest contact fraction"),
            ("s_step", "wall s / coupled step"),
            ("newton", "creep Newton its / step"),
        ],
    )
    exponents = ", ".join(f"{k}: {format_number(v)}" for k, v in report["fitted_pressure_exponent"].items())
    m_published = report["published"]["LPSCl_pressure_exponent"]
    published = ", ".join(f"{i:g} mA/cm2 at {p:g} MPa" for p, i in PUBLISHED_LPSCL)
    scale = _scale_markdown(cfg, results)
    return (
        _pressure_markdown(cfg, table, exponents, m_published, published, scale)
        + _sensitivity_markdown(cfg, results)
        + _void_figures_markdown(results)
    )


def _mean_contact_fraction(result: dict[str, Any]) -> float | None:
    """Mean contact fraction over a run's steps (None without steps)."""
    fractions = result["series"]["contact_fraction"]
    return float(np.mean(fractions)) if fractions else None


def _sensitivity_markdown(cfg: CriticalCurrentConfig, results: list[dict[str, Any]]) -> str:
    """The sensitivity table (empty without sensitivity cases)."""
    rows = [r for r in results if r.get("sensitivity_parameter")]
    if not rows:
        return ""
    table = markdown_table(
        [
            {
                "parameter": r["sensitivity_parameter"],
                "value": r["sensitivity_value"],
                "sustained": r["highest_sustained_current_mA_cm2"],
                "failed": r["first_failed_current_mA_cm2"],
                "critical": r["critical_current_mA_cm2"],
                "end": r["end_reason"],
                "contact": _mean_contact_fraction(r),
            }
            for r in rows
        ],
        [
            ("parameter", "parameter"),
            ("value", "value"),
            ("sustained", "highest sustained [mA/cm2]"),
            ("failed", "first failed [mA/cm2]"),
            ("critical", "critical [mA/cm2]"),
            ("end", "end"),
            ("contact", "mean contact fraction"),
        ],
    )
    return f"""
## Sensitivity

{rows[0]["electrolyte"]} at {cfg.sensitivity_pressure_MPa:g} MPa, first stage {cfg.sensitivity_first_current_mA_cm2:g}
mA/cm2, one parameter changed from the configuration above per case (i0_scale multiplies the exchange current
density; temperature changes both the creep rate, Arrhenius, and the kinetics):

{table}
"""


def _void_figures_markdown(results: list[dict[str, Any]]) -> str:
    figures = [f for r in results for f in r.get("void_figures", [])]
    if not figures:
        return ""
    return "\n" + "\n".join(figures_section(figures, "## Voids on the Li surface (3D, depth exaggerated)"))


def _scale_markdown(cfg: CriticalCurrentConfig, results: list[dict[str, Any]]) -> str:
    """Creep against stripping at the published points and at the model's collapses (the scale estimate)."""
    points = [("Kasemchainan 2019", p, i) for p, i in PUBLISHED_LPSCL] + [
        (f"model {r['electrolyte']}", r["stack_pressure_MPa"], r["critical_current_mA_cm2"])
        for r in _pressure_cases(results)
        if r["critical_current_mA_cm2"]
    ]
    rows = [
        {
            "point": name,
            "p": p,
            "i": i,
            "ratio": creep_to_stripping_ratio(cfg, p, i),
            "S": required_strength_factor(cfg, p, i),
        }
        for name, p, i in points
    ]
    table = markdown_table(
        rows,
        [
            ("point", "critical point"),
            ("p", "stack pressure [MPa]"),
            ("i", "critical current [mA/cm2]"),
            ("ratio", "creep / stripping velocity"),
            ("S", "Li strength factor for ratio 1"),
        ],
    )
    n = lithium(cfg.li_strength_factor).creep.stress_exponent
    published = rows[: len(PUBLISHED_LPSCL)]
    orders = " to ".join(f"10^{math.log10(r['ratio']):.1f}" for r in published)
    factors = " and ".join(f"{r['S']:.3g} ({r['p']:g} MPa)" for r in published)
    return f"""Scale estimate: creep under the stack pressure p closes a void of radius a = {cfg.void_radius_um:g} um at
about a p_dot(p) (Norton, strength factor {cfg.li_strength_factor:g} x bulk), stripping recedes the surface at
i Omega / F. Their ratio at each critical point, and the factor S by which Li would have to be stronger than
here for the two to balance (p_dot ~ (p / S)^n, n = {n:g}):

{table}

- At the published points the creep-to-stripping velocity ratio is {orders}; a balance (ratio 1) needs Li
  {factors} times stronger than here, two different factors because the published exponent is far
  below n. Micrometre-sized Li is about {LI_MICROMETRE_STRENGTH_FACTOR:.0f}
  times stronger than bulk (Xu et al., PNAS 114 (2017) 57): if creep against stripping set the collapse, a
  size effect could set its pressure scale but not its exponent. What the runs show:
{_mechanism_markdown(cfg, results)}
"""


def _mechanism_markdown(cfg: CriticalCurrentConfig, results: list[dict[str, Any]]) -> str:
    """What the runs show about why the contact does (not) collapse, from their own series."""
    runs = [r for r in results if r["series"]["contact_fraction"]]
    if not runs:
        return ""
    collapsed = sorted({r["stack_pressure_MPa"] for r in _pressure_cases(results) if r["critical_current_mA_cm2"]})
    lowest = min(min(r["series"]["contact_fraction"]) for r in runs)
    deepest = max(max(r["series"]["max_void_gap_um"]) for r in runs)
    hotspot = max(
        peak / current
        for r in runs
        for peak, current in zip(r["series"]["peak_current_density_mA_cm2"], r["series"]["current_mA_cm2"], strict=True)
    )
    numbers = {name: wagner_number(cfg, name) for name in cfg.electrolytes}
    wagner = ", ".join(f"{name} {value:.3g}" for name, value in numbers.items())
    size = "large" if min(numbers.values()) > 1.0 else "below 1 here"
    summary = f"""Over all runs (sensitivity cases included) the contact fraction never fell below
  {lowest:.2f}, the deepest void was {deepest:.3f} um (seeded {cfg.void_depth_um:g} um), and the peak local
  current density stayed within {hotspot:.2f} x the nominal one."""
    if collapsed:
        pressures = ", ".join(f"{p:g}" for p in collapsed)
        return f"""- The contact collapsed at {pressures} MPa (table above). {summary}
- Wagner number over a void radius at the exchange current (kappa R_ct / a): {wagner}.
"""
    return f"""- No run collapsed. {summary}
- Why, in this model: Li that loses contact is not lost. The slab translates as the contacts strip, so
  every void's gap shrinks at the mean stripping rate whatever creep does, and a void widens only if its rim
  strips faster than the mean by more than that. Rim crowding stays bounded: the Wagner number over a void
  radius at the exchange current (kappa R_ct / a: {wagner}) is {size}, and although it falls in the Tafel
  regime of the highest stages, the peak stayed within the factor above (which includes the 1 / contact
  fraction of the current squeezed onto the contact). So the contact settles at a steady fraction instead
  of collapsing, with creep or without it (li_strength_factor, a sensitivity parameter, switches creep
  practically off): creep sets how much contact remains, not whether it collapses.
- What the published collapse needs and the model lacks: a limit on how fast Li reaches the interface.
  Stripping leaves vacancies in the Li that must diffuse away or be annihilated by creep (Kasemchainan
  et al. 2019; Shishvan et al., Acta Mater. 196 (2020) 444; Yan et al., Adv. Energy Mater. 12 (2022)
  2102283); a continuum that lets the Li follow rigidly treats the interface as a perfect vacancy sink.
  The low-stress creep regime (n ~ 1-2) would also lower the pressure exponent.
"""


def _pressure_markdown(
    cfg: CriticalCurrentConfig, table: str, exponents: str, m_published: float, published: str, scale: str
) -> str:
    return f"""# Critical stripping current vs stack pressure

Protocol: stripping stages of {cfg.stage_capacity_mAh_cm2:g} mAh/cm2 each, current x{cfg.current_factor:g} per
stage from {cfg.first_current_mA_cm2:g} mA/cm2; collapse = mean contact fraction of the last
{cfg.settings(1.0, 1.0, 1).collapse_window_steps} steps below {cfg.collapse_contact_fraction:g};
voltage cut-off {cfg.voltage_cutoff_V:g} V. Cell: {cfg.footprint_um:g} um square, Li {cfg.li_thickness_um:g} um
(Norton creep, Masias 2019), electrolyte {cfg.sse_thickness_um:g} um, {cfg.cells_xy}x{cfg.cells_xy}x{cfg.cells_z}
boxes, P2 displacement. Seeded heterogeneity: void fraction {cfg.void_fraction:g} (radius {cfg.void_radius_um:g} um,
depth {cfg.void_depth_um:g} um), log-normal i0 factor (std of ln {cfg.i0_log_std:g}, wavelength
{cfg.i0_wavelength_um:g} um), seed {cfg.seed}.

{table}

Fitted pressure exponent m (i_c ~ p^m, cases with a collapse): {exponents}.
Published (Kasemchainan et al. 2019, Li | LPSCl): {published}, i.e. m = {m_published:.2f}.

![critical current](critical_current.png)

![contact fraction](contact_fraction_vs_capacity.png)

![contact vs pressure](contact_fraction_vs_pressure.png)

![voltage](voltage_V_vs_capacity.png)

![void depth](void_gap_p90_um_vs_capacity.png)

![peak current](peak_current_density_mA_cm2_vs_capacity.png)

## What sets the model's numbers, and the comparison

{scale}
The electrolyte is rigid and the contact weights are explicit and relaxed (theta =
{cfg.settings(1.0, 1.0, 1).contact_relaxation:g} per step, fem.coupling.stripping), which damps the step-to-step chatter
of edge nodes at low stack pressure.

Fields (ParaView): fields/<case>/lithium_interface.bp (stripped depth, gap, contact pressure, local
stripping current), lithium_displacement.bp, electrolyte.bp (potential, contact state), one frame per stage.
"""
