#!/usr/bin/env bash
# The test command of the README: set up what is missing, then run the whole suite.
# Extra arguments go to pytest: `bash scripts/test.sh tests/unit -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
ruff check . && ruff format --check .
python -m elenta.reference --check   # docs/reference.md and docs/schema/ match the models
if [ "$#" -gt 0 ]; then
    exec python -m pytest -q "$@"
fi
# The whole suite: the lab tests one at a time (they bring up hosts, switches and servers on
# the example lab's addresses), then the unit and operation tests on every core (each in its own
# temporary folder). Both parts always run; the suite fails if either does.
status=0
python -m pytest -q tests/lab || status=$?
python -m pytest -q -n auto tests/unit tests/operations || status=$?
exit "$status"
