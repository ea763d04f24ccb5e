"""`python -m local.console ...`, what the `adsync` script runs."""

import sys

from local.console.cli import main

sys.exit(main())
