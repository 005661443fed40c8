#!/usr/bin/env bash
# The demo of the README: set up what is missing, then bring the example lab up on loopback,
# plan it and deploy it end to end. Run as root (the lab's hosts are sshd processes in their
# own mount namespaces on 127.0.x.y).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
export ELENTA_LAB="$PWD/examples/lab"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "elenta check examples/lab"
elenta check examples/lab
step "elenta machines"
elenta machines
