import sys

from inputgen.cli import main

sys.exit(main())
