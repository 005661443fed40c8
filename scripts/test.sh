#!/usr/bin/env bash
# The test command of the README: set up what is missing, then run the whole suite.
# Extra arguments go to pytest: `bash scripts/test.sh tests/unit -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
ruff check . && ruff format --check .
python -m elenta.reference --check   # docs/reference.md and docs/schema/ match the models
exec python -m pytest -q "${@:-tests}"
