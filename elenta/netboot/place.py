"""Putting built images where machines boot from: by MAC, by canon name, or for the whole lab."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elenta.model.lab import Lab
from elenta.model.names import normalise_mac
from elenta.netboot.build import BuiltImage, build_image
from elenta.netboot.errors import NetbootError
from elenta.netboot.store import NetbootStore, Placed


@dataclass(frozen=True)
class BootTarget:
    """A machine that boots from the store: which one, by which MAC and interface."""

    machine: str
    mac: str
    interface: str | None


def role_of_config(config: str) -> str:
    """The role a flake reference names: `role_of_config(".#netboot") == "netboot"`."""
    attr = config.split("#", 1)[-1]
    return attr.removeprefix("nixosConfigurations.").split(".", 1)[0]


def boot_target(lab: Lab, canon: str) -> BootTarget:
    """Find a machine's booting MAC in the cadaster: `boot_target(lab, "hermes.canon")`.

    Raises NetbootError naming the cadaster file when the name is unknown or has no MAC.
    """
    try:
        ref = lab.cadaster.resolve(canon)
        mac = normalise_mac(lab.cadaster.mac(canon))
    except KeyError as exc:
        raise NetbootError(f"{lab.cadaster_file}: machines: {exc.args[0]}") from None
    machine = lab.cadaster.machines[ref.machine]
    interface = next(
        (name for name, i in machine.interfaces.items() if i.mac and normalise_mac(i.mac) == mac), None
    )
    return BootTarget(ref.machine, mac, interface)


def machine_of_mac(lab: Lab, mac: str) -> str:
    """The machine with an interface of this MAC, or "" : `machine_of_mac(lab, "52:54:…:05")`."""
    wanted = normalise_mac(mac)
    for short, machine in lab.cadaster.machines.items():
        if any(i.mac and normalise_mac(i.mac) == wanted for i in machine.interfaces.values()):
            return short
    return ""


def place_built(
    image: BuiltImage, store: NetbootStore, mac: str, machine: str = "", role: str = ""
) -> Placed:
    """Place a built image in the store under a MAC: `place_built(img, store, "52:54:…", "hermes")`."""
    meta = {**image.meta(), "machine": machine or "-", "role": role or role_of_config(image.config)}
    return store.place(mac, image.files, meta)


def image_unchanged(store: NetbootStore, mac: str, image: BuiltImage) -> bool:
    """True when the MAC's current generation was built from the same Nix store paths."""
    current = next((g for g in store.generations(mac) if g.current), None)
    return bool(current) and current.meta.get("store_paths") == list(image.store_paths)


@dataclass(frozen=True)
class LabPlacement:
    """What `place_lab` did for one machine (`placed` is None when its inputs had not changed)."""

    target: BootTarget
    config: str
    placed: Placed | None
    would_place: bool = False
    """A dry run: the image differs from the current one and would be placed."""


def place_lab(lab: Lab, store_root: Path, dry_run: bool = False) -> list[LabPlacement]:
    """Build and place every netbooting machine's image; skip those whose inputs did not change.

    `place_lab(load_lab("examples/lab"), Path("/srv/netboot"))`: each distinct configuration is
    built once; a machine whose current generation came from the same store paths is left alone.
    `dry_run=True` builds and compares, and places nothing.
    """
    store = NetbootStore(store_root)
    built: dict[str, BuiltImage] = {}
    out = []
    for short, machine in lab.cadaster.machines.items():
        if not machine.netboot:
            continue
        config = lab.host_config(short)
        if not config:
            raise NetbootError(
                f"{lab.cadaster_file}: machines.{short}: netboot = true, "
                "but no constellation gives it a hostConfig"
            )
        target = boot_target(lab, short)
        if config not in built:
            built[config] = build_image(config, lab.flake_dir)
        image = built[config]
        if image_unchanged(store, target.mac, image):
            out.append(LabPlacement(target, config, None))
            continue
        if dry_run:
            out.append(LabPlacement(target, config, None, would_place=True))
            continue
        out.append(LabPlacement(target, config, place_built(image, store, target.mac, short)))
    return out
