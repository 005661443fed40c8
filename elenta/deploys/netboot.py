"""The netboot subsystem's deploy: on a host that serves a netboot store, every netbooting
machine's image is built (`nix build`, on the deployer) and placed under its MAC.

Host data (or the machine's placement `data` in the constellation): `elenta_netboot_store`, the
store folder on that host (a host without it is not a netboot server); `elenta_netboot_http_base`
(optional), where the top-level script sends clients for HTTP, e.g. `http://${next-server}:8080`.
Only images whose content changed are uploaded; only a changed image moves `current`.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.operations import files, python

from elenta.facts.netboot import NetbootStoreState
from elenta.model.lab import load_lab
from elenta.netboot.build import BuiltImage, build_image
from elenta.netboot.errors import NetbootError
from elenta.netboot.place import role_of_config
from elenta.netboot.render import SCRIPT_NAME, hexhyp, netbooting_machines, top_script
from elenta.netboot.store import image_generation
from elenta.operations import netboot as netboot_ops
from elenta.pipeline.deploy_settings import ENV_DEPLOY_DIR
from elenta.pipeline.record import host_events, note

_BUILT: dict[str, BuiltImage] = {}


def _setting(key: str, source: Any = None) -> Any:
    """Host data first (inventory, `--data`), then the machine's constellation placement data."""
    data = (host if source is None else source).data
    value = data.get(key)
    if value is None:
        value = (data.get("elenta_data") or {}).get(key)
    return value


def wanted(host: Any) -> bool:
    """True for hosts that serve a netboot store (`elenta_netboot_store` in their data)."""
    return bool(_setting("elenta_netboot_store", host))


def _built(config: str, flake_dir: Any) -> BuiltImage:
    """Each configuration is built once per deploy, whichever hosts serve it."""
    if config not in _BUILT:
        _BUILT[config] = build_image(config, flake_dir)
    return _BUILT[config]


@deploy("Netboot images")
def apply() -> None:
    """Place every netbooting machine's current image in this host's store."""
    lab = load_lab(host.data.get("elenta_lab"))
    store = str(_setting("elenta_netboot_store")).rstrip("/")
    files.directory(name="Netboot store", path=store, mode="755")
    files.put(
        name="Netboot top-level script (chains by MAC)",
        src=io.BytesIO(top_script(_setting("elenta_netboot_http_base")).encode()),
        dest=f"{store}/{SCRIPT_NAME}",
        mode="644",
    )
    placed = []
    for machine, mac, config in netbooting_machines(lab):
        if not config:
            raise NetbootError(f"{lab.cadaster_file}: machines.{machine}: netboot = true but no hostConfig")
        built = _built(config, lab.flake_dir)
        generation = image_generation(built.files)
        state = host.get_fact(NetbootStoreState, store=store, mac_folder=hexhyp(mac))
        if state["current"] != generation:
            placed.append(f"{machine} {generation[:12]}")
        netboot_ops.image(
            name=f"Netboot image of {lab.canon(machine)} ({mac})",
            store=store,
            mac=mac,
            files={name: str(path) for name, path in built.files.items()},
            meta={"machine": machine, "role": role_of_config(config), **built.meta()},
        )
    # The deploy record (`elenta deploy --only netboot`): written once the operations above ran.
    python.call(
        name="Record the netboot result",
        function=record_result,
        host_name=host.name,
        detail=f"placed {', '.join(placed)}" if placed else "every netboot image current",
        changed=bool(placed),
    )


def record_result(host_name: str, detail: str, changed: bool) -> None:
    """Add netboot's outcome to the deploy record without hiding another subsystem's change:
    "unchanged" is the host's result only if nothing earlier in this deploy changed it."""
    folder = os.environ.get(ENV_DEPLOY_DIR)
    earlier = [e["result"] for e in host_events(Path(folder), host_name) if "result" in e] if folder else []
    if changed or all(r == "unchanged" for r in earlier):
        note(host_name, "netboot", detail, result="changed" if changed else "unchanged")
    else:
        note(host_name, "netboot", detail)
