#!/usr/bin/env bash
# The main job end to end on the embedded defaults: bundled wire copy in, every channel out.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec uv run distro demo "$@"
