import sys

from bench.consistency.cli import main

sys.exit(main())
