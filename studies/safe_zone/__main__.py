"""``python -m studies.safe_zone``: the study's command line (``--help`` lists every option)."""

import sys

from studies._cli import run_cli
from studies.safe_zone import main

sys.exit(run_cli(main))
