#!/usr/bin/env bash
# The whole test suite on a fresh machine: system packages, the locked env, lint, types, tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Debian packages the tests start for real: PostgreSQL, Redis, headless Chromium; docker-compose
# only parses deploy/compose (no daemon); Java and npm for the web audits (the W3C Nu checker,
# Lighthouse), whose versions tests/audit/package-lock.json pins; newsboat reads the feeds.
need=()
command -v /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver fonts-noto-cjk)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v newsboat >/dev/null 2>&1 || need+=(newsboat)
# A Latin-only font: the favicon test needs a font that lacks the publication's character.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test: installing ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "test: missing ${need[*]}: install them (sudo apt-get install ${need[*]})" >&2
    exit 2
  fi
fi
source "$ROOT/scripts/bootstrap.sh"
echo "== audit tools (tests/audit)"
npm ci --prefix "$ROOT/tests/audit" --loglevel=error --no-audit --no-fund >/dev/null
echo "== ruff" && uv run ruff check src tests dags benchmarks
echo "== mypy" && uv run mypy
echo "== pytest" && uv run pytest "$@"
