#!/usr/bin/env bash
# Creates .venv and installs the pinned requirements (idempotent; fast when nothing changed).
# torch is pinned to the CPU wheel; /opt/wheels holds it on these machines.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=${1:-requirements.txt}
python3 -m venv .venv 2>/dev/null || true
find_links=()
[ -d /opt/wheels ] && find_links=(--find-links /opt/wheels)
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$requirements")"
if [ ! -f "$stamp" ]; then
  echo "== installing $requirements into .venv" >&2
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet "${find_links[@]}" -r "$requirements"
  touch "$stamp"
fi
