"""`python -m recouvra ...` is the same as the `recouvra` command."""

import sys

from recouvra.cli import main

sys.exit(main())
