import sys

from inputgen.platform.cli import main

sys.exit(main())
