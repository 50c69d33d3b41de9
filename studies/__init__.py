"""Literature setups: parameter sweeps that write report.json, report.md, figures and fields."""
