#!/usr/bin/env bash
# The demo of the README: set up what is missing, bring the example lab up on loopback (one sshd
# per NixOS machine in its own mount namespace, and the switch emulator), plan it, deploy it end to
# end (NixOS, DNS, NFS, netboot, switch), show it in compliance, then take it down.
# Run as root. Everything listens on 127.0.x.y; nothing leaves this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
export ELENTA_LAB="$PWD/examples/lab"
export ELENTA_STATE_DIR="${ELENTA_STATE_DIR:-$(mktemp -d /tmp/elenta-demo.XXXXXX)}"
export ELENTA_SW1_PASSWORD=demo            # the cadaster names this variable for sw1's password
export SOURCE_DATE_EPOCH=1767225600        # reproducible zone serials in the demo's output
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

emulator=""
cleanup() {
  step "elenta lab down --purge"
  elenta lab down --purge || true
  [ -n "$emulator" ] && kill "$emulator" 2>/dev/null || true
}
trap cleanup EXIT

step "elenta check examples/lab"
elenta check examples/lab
step "elenta machines"
elenta machines

step "elenta lab up   (the lab's NixOS machines as SSH hosts on their loopback addresses)"
elenta lab up
step "sw1: the fake-switches Cisco emulator on its cadaster address 127.0.1.250:2222"
# It serves the host key `lab up` made for sw1 in the lab state: elenta checks it before the password.
python elenta/lab/switch_emulator.py --host 127.0.1.250 --port 2222 --password "$ELENTA_SW1_PASSWORD" \
  --host-key "$ELENTA_STATE_DIR/lab/switches/sw1_ed25519_key" >"$ELENTA_STATE_DIR/sw1.log" 2>&1 &
emulator=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.1.250/2222) 2>/dev/null && break; sleep 0.2; done

step "elenta plan   (checks, artifacts, content hash; the diff against the last applied plan)"
elenta plan | tail -n 25
step "elenta nixos show archimedes   (the container and the VM its constellation declares, as NixOS options)"
elenta nixos show archimedes --attr containers
elenta nixos show archimedes --attr microvm.vms
elenta nixos show toto --attr networking.firewall
step "elenta firewall check   (the firewall of the system each machine will really run, per interface)"
elenta firewall check
step "elenta net plan --live   (what the switch step will push, read from the switch)"
elenta net plan --live >"$ELENTA_STATE_DIR/net-plan.txt"   # whole, then shortened (no pipe closed under it)
head -n 20 "$ELENTA_STATE_DIR/net-plan.txt"
step "elenta net ports; elenta topology   (the port map; the picture of the lab)"
elenta net ports
elenta topology --out "$ELENTA_STATE_DIR/topology.svg"
step "elenta dhcp plan   (ifrit's Kea: reservations from the cadaster, hermes' iPXE options)"
elenta dhcp plan

step "elenta switch --no-dns --only all   (NixOS, host data, DNS, DHCP, NFS, netboot, then the switch)"
elenta switch --no-dns --only all

step "elenta lookup toto.canon   (answered by the lab's own DNS server, Knot on toto)"
elenta lookup toto.canon
elenta lookup home.ifrit.canon
step "elenta status   (addresses through the lab's DNS: every machine in compliance)"
elenta status
step "elenta deploy --only all   (a second run: nothing to do anywhere)"
elenta deploy --only all
step "elenta history"
elenta history
step "elenta drift   (what the hosts report against the applied plan)"
elenta drift
step "pyinfra inventories/lab.py debug-inventory   (the same inventory and groups, seen by pyinfra)"
pyinfra inventories/lab.py debug-inventory 2>&1 | grep -E '^\[|Groups' || true
step "elenta build-image --config '.#netboot' --out $ELENTA_STATE_DIR/image"
elenta build-image --config '.#netboot' --out "$ELENTA_STATE_DIR/image"
step "demo done"
