"""The agent process from a checkout: `python agent_entry.py [worker]` is
`python -m mockflow.agent [worker]` (see mockflow/agent/__main__.py)."""

from __future__ import annotations

import sys

from mockflow.agent.__main__ import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
