"""``python -m studies.critical_current``: the study's command line (``--help`` lists every option)."""

import sys

from studies._cli import run_cli
from studies.critical_current import main

sys.exit(run_cli(main))
