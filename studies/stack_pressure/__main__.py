"""``python -m studies.stack_pressure``: the study's command line (``--help`` lists every option)."""

import sys

from studies._cli import run_cli
from studies.stack_pressure import main

sys.exit(run_cli(main))
