"""``python -m kefu.cli`` (the tests and the benchmarks start the server this way)."""

import sys

from kefu.cli import main

sys.exit(main())
