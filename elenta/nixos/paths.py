"""Where a NixOS machine keeps what it runs, what it booted and what it boots next.

No marker of elenta's own: the system profile's generations (set with `nix-env -p PROFILE --set`,
as nixos-rebuild does), `/run/current-system`, `/run/booted-system`, and the boot loader's
default entry (systemd-boot: `/boot/loader/loader.conf` names an entry whose `init=` is
`<system>/init`), which `switch-to-configuration boot|switch` writes from the profile.
"""

from __future__ import annotations

PROFILE = "/nix/var/nix/profiles/system"
CURRENT = "/run/current-system"
BOOTED = "/run/booted-system"
LOADER = "/boot/loader"
# The system of the boot loader's default entry (systemd-boot), or nothing.
BOOT_ENTRY_SYSTEM = (
    f"e=$(sed -n 's/^default[[:space:]]\\{{1,\\}}//p' {LOADER}/loader.conf 2>/dev/null | head -n 1); "
    f'if [ -n "$e" ]; then sed -n \'s/^options.*init=\\([^ ]*\\)\\/init.*/\\1/p\' "{LOADER}/entries/$e"'
    " 2>/dev/null | head -n 1; fi"
)
