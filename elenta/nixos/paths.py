"""Where a NixOS machine keeps what it runs, what it booted and what it boots next.

No marker of elenta's own: the system profile's generations (set with `nix-env -p PROFILE --set`,
as nixos-rebuild does), `/run/current-system`, `/run/booted-system`, and the boot loader's
default entry (systemd-boot: `/boot/loader/loader.conf` names an entry whose `init=` is
`<system>/init`), which `switch-to-configuration boot|switch` writes from the profile.
"""

from __future__ import annotations

PROFILES = "/nix/var/nix/profiles"
PROFILE = f"{PROFILES}/system"
CURRENT = "/run/current-system"
BOOTED = "/run/booted-system"
LOADER = "/boot/loader"
# The system of the boot loader's default entry (systemd-boot), or nothing. Shell built-ins only:
# it runs on every host at every deploy and status, where each program started costs the host CPU.
# Succeeds when there is no loader (`|| :`: the lab's boot script runs under `set -e`).
_FIRST_DEFAULT = 'if [ "$k" = default ] && [ -n "$v" ]; then e=$v; break; fi'
_INIT_OF_OPTIONS = (
    'if [ "$k" = options ]; then case "$v" in *init=*/init*) v=${v##*init=}; v=${v%% *}; '
    'case "$v" in */init*) echo "${v%/init*}"; break;; esac;; esac; fi'
)
BOOT_ENTRY_SYSTEM = (
    f'{{ e=; {{ while read -r k v || [ -n "$k" ]; do {_FIRST_DEFAULT}; done < {LOADER}/loader.conf; }} || :; '
    f'if [ -n "$e" ]; then {{ while read -r k v || [ -n "$k" ]; do {_INIT_OF_OPTIONS}; '
    f'done < "{LOADER}/entries/$e"; }} || :; fi; }} 2>/dev/null'
)
