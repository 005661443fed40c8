#!/usr/bin/env bash
# Install everything elenta, its demo and its tests need on a fresh Debian 12 (Python 3.11):
# Debian packages (as root, or through sudo), then a virtualenv at .venv with elenta in it.
# Safe to run again: it installs only what is missing. Subsystems add their needs in
# .ci/deps/<subsystem>.apt (packages), .pip (pip lines) and .sh (setup steps).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

base_apt=(python3 python3-venv python3-dev gcc git openssh-server openssh-client iproute2 util-linux
          nix-bin knot knot-dnsutils bind9-utils bind9-dnsutils dnsmasq-base tftpd-hpa busybox
          nfs-kernel-server qemu-system-x86 ipxe-qemu)
mapfile -t extra_apt < <(cat .ci/deps/*.apt 2>/dev/null | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' || true)
missing=()
for pkg in "${base_apt[@]}" "${extra_apt[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  # Packages must not start their daemons (tftpd-hpa, knot, nfs): tests start their own on loopback.
  printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
  as_root chmod +x /usr/sbin/policy-rc.d
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
fi

python=python3.11
command -v "$python" >/dev/null || python=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($python --version)"
  "$python" -m venv .venv
fi
pip_install() { .venv/bin/python -m pip install -q --disable-pip-version-check "$@" 2> >(grep -v "is ignored: it is neither" >&2); }
pip_install -e ".[test]"
# Subsystems' pip lines: the ordinary ones in one resolver run, then the `--no-deps` ones, so that
# pip never re-checks a package installed without its (stale) pins.
mapfile -t pip_lines < <(cat .ci/deps/*.pip 2>/dev/null | sed 's/#.*//' | grep -v '^[[:space:]]*$' || true)
plain=() nodeps=()
for line in "${pip_lines[@]}"; do
  case "$line" in
    *--no-deps*) nodeps+=("$line") ;;
    *) plain+=("$line") ;;
  esac
done
[ "${#plain[@]}" -gt 0 ] && pip_install "${plain[@]}"
for line in "${nodeps[@]}"; do
  # shellcheck disable=SC2086 # the line carries its flag: --no-deps NAME
  pip_install $line
done
for step in .ci/deps/*.sh; do
  [ -e "$step" ] || continue
  echo "setup: $step"
  PATH="$PWD/.venv/bin:$PATH" bash "$step"
done
echo "setup: ready ($(.venv/bin/python --version), elenta in .venv/bin)"
