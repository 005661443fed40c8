"""iPXE scripts for the netboot store, as pure functions of names and hashes (no I/O).

The store (see `elenta.netboot.store`) serves, from one root over TFTP and HTTP:

    boot.ipxe                          top-level: `chain ${mac:hexhyp}/boot.ipxe`
    52-54-00-00-01-05/boot.ipxe     -> current/boot.ipxe (one symlink swap switches the image)
    52-54-00-00-01-05/current       -> generations/<hash>
    52-54-00-00-01-05/generations/<hash>/{bzImage,initrd,netboot.ipxe,boot.ipxe,meta.json}

A generation's `boot.ipxe` names that generation's files (`generations/<hash>/bzImage`), so a
client that fetched it keeps loading the image it started with while a new one is placed.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from elenta.compile.artifacts import Artifact
from elenta.model.lab import Lab
from elenta.model.names import normalise_mac

KERNEL_NAME = "bzImage"
INITRD_NAME = "initrd"
NIX_SCRIPT_NAME = "netboot.ipxe"
SCRIPT_NAME = "boot.ipxe"


@dataclass(frozen=True)
class BootSpec:
    """What an iPXE netboot script loads: kernel file, initrd files, kernel command line."""

    kernel: str
    initrds: tuple[str, ...]
    cmdline: str


def hexhyp(mac: str) -> str:
    """The form iPXE's `${mac:hexhyp}` expands to: `hexhyp("52:54:00:AB:CD:EF") == "52-54-00-ab-cd-ef"`."""
    return normalise_mac(mac).replace(":", "-")


def parse_ipxe_script(text: str) -> BootSpec:
    """Read the `kernel`/`initrd` lines of a NixOS `netboot.ipxe` script.

    `parse_ipxe_script("#!ipxe\\nkernel bzImage init=/x/init initrd=initrd\\ninitrd initrd\\nboot\\n")`
    gives `BootSpec("bzImage", ("initrd",), "init=/x/init initrd=initrd")`. Raises ValueError
    when the script is not iPXE or loads no kernel.
    """
    lines = [line.strip() for line in text.splitlines()]
    if not lines or not lines[0].startswith("#!ipxe"):
        raise ValueError("not an iPXE script (the first line must be #!ipxe)")
    kernel: str | None = None
    cmdline = ""
    initrds: list[str] = []
    for line in lines[1:]:
        if not line or line.startswith("#"):
            continue
        words = line.split()
        verb, args = words[0], [w for w in words[1:] if not w.startswith("--")]
        if verb in ("kernel", "chain", "imgexec") and args:
            kernel, cmdline = args[0], " ".join(args[1:])
        elif verb in ("initrd", "module", "imgfetch") and args:
            initrds.append(args[0])
    if kernel is None:
        raise ValueError("the iPXE script loads no kernel (no `kernel` line)")
    return BootSpec(kernel, tuple(initrds), cmdline)


def generation_script(generation: str, spec: BootSpec, *, title: str = "") -> str:
    """The per-MAC script of one generation, naming only that generation's files.

    `generation_script("1a2b", BootSpec("bzImage", ("initrd",), "init=/x/init initrd=initrd"))`
    loads `generations/1a2b/bzImage` and `generations/1a2b/initrd` (relative to the MAC folder).
    """
    base = f"generations/{generation}"
    lines = ["#!ipxe"]
    if title:
        lines.append(f"# {title}")
    lines.append(f"echo elenta netboot: generation {generation}")
    kernel_line = f"kernel {base}/{spec.kernel}"
    if spec.cmdline:
        kernel_line += f" {spec.cmdline}"
    lines.append(kernel_line)
    lines.extend(f"initrd {base}/{name}" for name in spec.initrds)
    lines.append("boot")
    return "\n".join(lines) + "\n"


def top_script(http_base: str | None = None) -> str:
    """The store's top-level script: every client chains to its own MAC's script.

    `top_script()` chains relative to where it was fetched from (TFTP stays TFTP);
    `top_script("http://${next-server}:8080")` moves the client to HTTP for the big files.
    """
    target = f"{http_base.rstrip('/')}/" if http_base else ""
    return (
        "#!ipxe\n"
        "# elenta netboot store: each machine boots the image placed under its MAC\n"
        f"chain {target}${{mac:hexhyp}}/{SCRIPT_NAME} || goto unknown\n"
        ":unknown\n"
        "echo elenta netboot: no image for ${mac} in this store\n"
        "exit 1\n"
    )


def pixiecore_boot(base_url: str, generation: str, spec: BootSpec) -> dict[str, object]:
    """The pixiecore API answer (`GET /v1/boot/<mac>`) for one MAC's current generation.

    `pixiecore_boot("http://127.0.0.1:8080/52-54-00-00-01-05", "1a2b", spec)` ->
    `{"kernel": ".../generations/1a2b/bzImage", "initrd": [...], "cmdline": "..."}`.
    """
    base = f"{base_url.rstrip('/')}/generations/{generation}"
    cmdline = " ".join(w for w in shlex.split(spec.cmdline) if w != "${cmdline}")
    return {
        "kernel": f"{base}/{spec.kernel}",
        "initrd": [f"{base}/{name}" for name in spec.initrds],
        "cmdline": cmdline,
    }


def netbooting_machines(lab: Lab) -> list[tuple[str, str, str | None]]:
    """(machine, MAC, flake reference) of every machine the cadaster marks `netboot = true`."""
    out = []
    for short, machine in lab.cadaster.machines.items():
        if machine.netboot:
            out.append((short, lab.cadaster.mac(short), lab.host_config(short)))
    return out


def netboot_artifacts(lab: Lab) -> Iterable[Artifact]:
    """The plan's netboot part: the store's top-level script and each netbooting MAC's inputs.

    The image itself is built by `nix build` at deploy time; `inputs.json` names what it is built
    from, so a changed configuration changes the plan hash.
    """
    yield Artifact("netboot", None, f"netboot/{SCRIPT_NAME}", top_script().encode())
    for short, mac, config in netbooting_machines(lab):
        roles = lab.roles_of(short)
        inputs = {"machine": short, "mac": normalise_mac(mac), "config": config, "roles": roles}
        text = json.dumps(inputs, indent=2, sort_keys=True) + "\n"
        yield Artifact("netboot", short, f"netboot/{hexhyp(mac)}/inputs.json", text.encode())
