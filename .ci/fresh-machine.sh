#!/usr/bin/env bash
# The README's first command as a newcomer runs it: a new clone, an empty HOME, no uv on PATH, and
# the system Python (/usr/bin/python3) as the only Python. Exit status: the command's.
set -uo pipefail
top=$(git rev-parse --show-toplevel) || exit 2
cmd=$(awk '/^```/{n++; next} n==1 && NF && $1 !~ /^#/ {sub(/[[:space:]]+#.*/, ""); print; exit}' \
  "$top/README.md")
[ -n "$cmd" ] || { echo "fresh-machine: no command in the README's first code block" >&2; exit 2; }
[ -x /usr/bin/python3 ] || { echo "fresh-machine: no /usr/bin/python3" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$top" "$work/clone" || exit 2
mkdir "$work/home" "$work/bin"
# Only system folders on PATH: no pyenv, no virtualenv, no uv, whatever this machine has.
path=""
IFS=: read -ra dirs <<< "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
for d in "${dirs[@]}"; do
  [ -x "$d/uv" ] && continue
  path="${path:+$path:}$d"
done
for py in /usr/local/bin/python3 /usr/local/bin/python; do
  # a python3 in /usr/local/bin (a hand-built one) would not be the system's: shadow it
  [ -e "$py" ] && ln -sf /usr/bin/python3 "$work/bin/$(basename "$py")"
done
path="$work/bin:$path"
echo "fresh-machine: '$cmd' in a new clone, HOME empty, python3 = $(PATH=$path command -v python3)" >&2
(
  cd "$work/clone" || exit 2
  env -u VIRTUAL_ENV -u UV_CACHE_DIR -u UV_PYTHON -u PYENV_VERSION -u PYENV_ROOT -u PYENV_SHELL \
    -u XDG_DATA_HOME -u XDG_CACHE_HOME HOME="$work/home" PATH="$path" bash -c "$cmd"
)
rc=$?
echo "fresh-machine: exit $rc" >&2
exit $rc
