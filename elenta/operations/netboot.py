"""Placing a netboot image into a store on a remote host: `netboot.image(store=…, mac=…, files=…)`.

The same layout and guarantees as the local store (`elenta.netboot.store`): the files are uploaded
into `generations/.partial-<hash>`, renamed to `generations/<hash>` once complete, and only then is
`current` swapped with `mv -T` (rename(2)). An upload killed half-way leaves `current` on the old
image. The generation is computed from the local files, so an image already on the host is not
uploaded again, and an image already current yields no command at all.
"""

from __future__ import annotations

import io
import json
import posixpath
import shlex
from pathlib import Path
from typing import Any

from pyinfra import host
from pyinfra.api import FileUploadCommand, OperationValueError, operation

from elenta.facts.netboot import NetbootStoreState
from elenta.model.names import normalise_mac
from elenta.netboot.errors import NetbootError
from elenta.netboot.render import NIX_SCRIPT_NAME, SCRIPT_NAME, generation_script, hexhyp
from elenta.netboot.store import ACTIVATED, CURRENT, GENERATIONS, META, RETIRED, check_image, image_generation


def _q(path: str) -> str:
    return shlex.quote(path)


@operation()
def image(store: str, mac: str, files: dict[str, str], meta: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    """Make the image of `files` (name -> local path, incl. `netboot.ipxe`) current for `mac`.

    `netboot.image(name="hermes", store="/srv/netboot", mac="52:54:00:00:01:05",
    files={"bzImage": "/nix/store/…/bzImage", "initrd": …, "netboot.ipxe": …})`
    """
    try:
        mac = normalise_mac(mac)
    except ValueError as exc:
        raise OperationValueError(str(exc)) from None
    if NIX_SCRIPT_NAME not in files:
        raise OperationValueError(f"{mac}: an image needs {NIX_SCRIPT_NAME}")
    paths = {name: Path(p) for name, p in files.items()}
    try:
        spec = check_image(paths, paths[NIX_SCRIPT_NAME].read_text(), files[NIX_SCRIPT_NAME])
        generation = image_generation(paths)
    except NetbootError as exc:
        raise OperationValueError(str(exc)) from None
    folder = posixpath.join(store, hexhyp(mac))
    final = posixpath.join(folder, GENERATIONS, generation)
    state = host.get_fact(NetbootStoreState, store=store, mac_folder=hexhyp(mac))
    changed = False
    if generation not in state["generations"]:
        changed = True
        partial = posixpath.join(folder, GENERATIONS, f".partial-{generation}")
        yield f"rm -rf {_q(partial)} && mkdir -p {_q(partial)}"
        for name in sorted(files):
            yield FileUploadCommand(files[name], posixpath.join(partial, name))
        record = {"mac": mac, "generation": generation, **(meta or {})}
        title = f"{record.get('machine', '?')} ({mac}), role {record.get('role', '?')}"
        script = generation_script(generation, spec, title=title)
        yield FileUploadCommand(io.BytesIO(script.encode()), posixpath.join(partial, SCRIPT_NAME))
        meta_text = json.dumps(record, indent=2, sort_keys=True) + "\n"
        yield FileUploadCommand(io.BytesIO(meta_text.encode()), posixpath.join(partial, META))
        yield f"chmod 0644 {_q(partial)}/* && chmod 0755 {_q(partial)} && mv -T {_q(partial)} {_q(final)}"
    if not state["script_link"]:
        changed = True
        link = posixpath.join(folder, SCRIPT_NAME)
        staged = posixpath.join(folder, f".{SCRIPT_NAME}.new")
        yield f"ln -sfn {CURRENT}/{SCRIPT_NAME} {_q(staged)} && mv -T {_q(staged)} {_q(link)}"
    if state["current"] != generation:
        changed = True
        current = posixpath.join(folder, CURRENT)
        staged = posixpath.join(folder, f".{CURRENT}.new")
        yield (
            f"date +%s > {_q(posixpath.join(final, ACTIVATED))} && "
            f"ln -sfn {GENERATIONS}/{generation} {_q(staged)} && mv -T {_q(staged)} {_q(current)}"
        )
        if state["current"]:
            retired = posixpath.join(folder, GENERATIONS, state["current"], RETIRED)
            yield f"if [ -d {_q(posixpath.dirname(retired))} ]; then date +%s > {_q(retired)}; fi"
    if not changed:
        host.noop(f"netboot image of {mac} is current ({generation[:12]})")
