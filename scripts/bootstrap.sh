#!/usr/bin/env bash
# Sourced by the other scripts: make sure uv exists and the locked environment is installed.
#
# Works with the system Python of Debian/Ubuntu (PEP 668 refuses `pip install` there): uv goes
# into a private virtual environment under ~/.local/share/distro, never into the system's Python.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
tools="${XDG_DATA_HOME:-$HOME/.local/share}/distro/tools"
export PATH="$tools/bin:$HOME/.local/bin:$PATH"

say() { echo "bootstrap: $*" >&2; }

find_python() {
  local py
  for py in python3 python3.13 python3.12 python3.11; do
    if command -v "$py" >/dev/null 2>&1 \
      && "$py" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))' 2>/dev/null; then
      command -v "$py"
      return 0
    fi
  done
  return 1
}

install_uv() {
  local py
  py="$(find_python)" || { say "need Python 3.11-3.13 (python3) on PATH"; exit 2; }
  # Debian splits venv/ensurepip into python3-venv; install it when we may.
  if ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      local ver
      ver="$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
      say "installing python3-venv (Debian package) so uv gets a private environment"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "python$ver-venv" >/dev/null 2>&1 \
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
          python3-venv >/dev/null
    else
      say "$py has no venv module: install it (sudo apt-get install python3-venv) and rerun"
      exit 2
    fi
  fi
  say "installing uv into $tools (a private virtual environment, from PyPI)"
  rm -rf "$tools"
  "$py" -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet --disable-pip-version-check uv
}

if ! command -v uv >/dev/null 2>&1; then
  install_uv
fi
if [ ! -x .venv/bin/python ]; then
  say "installing the locked environment (uv.lock) into .venv"
fi
# Only the scripts' own flags: never the caller's arguments (they belong to the command run next).
uv sync --locked --quiet
