"""A starting lab folder for one's own machines: `write_lab(Path("~/homelab"), machine="toto", …)`.

It holds `elenta.toml` (the lab's settings, all commented), `cadaster.toml` (one machine, its
network, how to reach it), `constellations/homelab.toml` (its NixOS configuration) and
`flake.nix`, which imports the user's existing flake and passes its `nixosConfigurations` on, so
`.#toto` in the constellation is the configuration `nixos-rebuild --flake …#toto` builds today.
Every value is checked for where it goes (TOML strings, a Nix string) before anything is written.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

from elenta.model.errors import ElentaError
from elenta.model.names import check_domain, check_label


class InitError(ElentaError):
    """A value given to `elenta init` cannot be used, or the folder already holds a lab."""

    exit_code = 2


SETTINGS = """\
# This lab's own settings (every key is optional). See docs/your-lab.md.

# [ssh]
# config = "ssh_config"            # an ssh config for elenta (default: your ~/.ssh/config)

# [nix]
# substitute_on_destination = true # hosts fetch from their binary caches what they can
# build_on = "target"              # each host builds its own system (a weak deployer)
# sign_key = "~/.config/elenta/deploy.sec"  # sign copies (`nix key generate-secret`), for a
#                                  # target user the host's Nix does not trust
"""

FLAKE = """\
# The lab's flake: your existing NixOS configurations, passed on as they are.
# `.#{machine}` in constellations/ is `nixosConfigurations.{machine}` of {flake}.
{{
  description = "elenta lab";

  inputs.machines.url = {flake_nix};

  outputs = {{ self, machines }}: {{
    nixosConfigurations = machines.nixosConfigurations;
  }};
}}
"""


def _checked(machine: str, address: str, user: str, flake: str, domain: str) -> ipaddress.IPv4Interface:
    try:
        check_label(machine)
        check_domain(domain)
    except ValueError as exc:
        raise InitError(f"elenta init: {exc}") from None
    if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", user):
        raise InitError(f"elenta init: --user {user!r} is not a user name")
    if not re.fullmatch(r"[A-Za-z0-9+.:/_@?=&~%-]+", flake):
        raise InitError(f"elenta init: --flake {flake!r} is not a flake reference")
    try:
        return ipaddress.IPv4Interface(f"{address}/24")
    except ValueError:
        raise InitError(f"elenta init: --address {address!r} is not an IPv4 address") from None


def lab_files(
    *,
    machine: str,
    address: str,
    user: str = "root",
    flake: str = "git+file:///etc/nixos",
    domain: str = "home",
) -> dict[str, str]:
    """The files of a starting lab, by relative path: `lab_files(machine="toto", address="192.168.1.10")`."""
    iface = _checked(machine, address, user, flake, domain)
    q = json.dumps  # a TOML basic string and a Nix string, for these checked values
    cadaster = "\n".join(
        [
            f"domain = {q(domain)}",
            "",
            "[networks.lan]",
            f"cidr = {q(str(iface.network))}",
            "",
            f"[machines.{machine}]",
            'kind = "nixos"',
            f"ssh = {{ user = {q(user)} }}   # pin the host key with `elenta hostkeys scan`",
            f"[machines.{machine}.interfaces.eth0]",
            'network = "lan"',
            f"ip = {q(str(iface.ip))}",
            "",
        ]
    )
    constellation = "\n".join(
        ['name = "homelab"', "", f"[machines.{machine}]", f"hostConfig = {q('.#' + machine)}", ""]
    )
    return {
        "elenta.toml": SETTINGS,
        "cadaster.toml": cadaster,
        "constellations/homelab.toml": constellation,
        "flake.nix": FLAKE.format(machine=machine, flake=flake, flake_nix=q(flake)),
    }


def write_lab(folder: Path, **values: str) -> list[Path]:
    """Write a starting lab into `folder` (see `lab_files`); refuses to overwrite any file."""
    files = lab_files(**values)
    existing = [folder / name for name in files if (folder / name).exists()]
    if existing:
        raise InitError(f"elenta init: {', '.join(map(str, existing))} already exist; nothing written")
    written = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
