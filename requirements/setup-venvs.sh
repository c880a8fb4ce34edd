#!/usr/bin/env bash
# Creates the project's Python virtual environments under .venv/<name>, one per requirements file:
#   clients  — the stock mlflow 3.x client, scikit-learn, a notebook runner, dvc + dvc-s3, build
#   mlflow2  — the last mlflow 2.x client with scikit-learn and the notebook runner
#   tools    — cfn-lint and checkov for the synthesized template
# Each environment installs `<name>.txt` under the constraints of `<name>.lock` (every transitive
# version pinned) and is rebuilt only when either file changes, so later runs take a second.
# Usage: bash requirements/setup-venvs.sh [name ...]   (default: all of them)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(clients mlflow2 tools)

for name in "${names[@]}"; do
  spec="requirements/$name.txt" lock="requirements/$name.lock" venv=".venv/$name"
  [ -f "$spec" ] || { echo "no such environment: $name (requirements/$name.txt)" >&2; exit 2; }
  stamp=$(cat "$spec" "$lock" | sha256sum | cut -c1-16)
  if [ -f "$venv/.stamp" ] && [ "$(cat "$venv/.stamp")" = "$stamp" ] && [ -x "$venv/bin/python" ]; then
    echo "== python env $name: up to date"
    continue
  fi
  echo "== python env $name: installing $spec"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip setuptools
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$spec" -c "$lock"
  echo "$stamp" > "$venv/.stamp"
done
