import sys

from dte.policy.cli import main

sys.exit(main())
