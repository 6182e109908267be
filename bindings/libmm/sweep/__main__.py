# SPDX-License-Identifier: GPL-2.0-only
"""python3 -m libmm.sweep: the sweep runner's command line (see --help)."""
import sys

from .cli import main

sys.exit(main())
