"""``python -m nas``: the ``nas`` command, for environments where its script is not on PATH."""

import sys

from nas.cli.main import main

sys.exit(main())
