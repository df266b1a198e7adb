"""MockFlow's app: `python app.py [--host H] [--port P] [--share]` (a Space runs this file).

The composition root is mockflow/ui/launch.py; installed, it is `mockflow app`."""

from __future__ import annotations

import sys

from mockflow.ui.launch import main

if __name__ == "__main__":
    sys.exit(main())
