"""Netboot tasks: `elenta build-image …` and `elenta netboot list|gc|place|serve …`."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from invoke import Context, task

from elenta.command.flags import DRY_RUN_HELP, JSON_HELP
from elenta.command.output import emit_json, note
from elenta.command.spec import command
from elenta.model.errors import ElentaError
from elenta.netboot import DEFAULT_GRACE
from elenta.tasks._common import checked_lab, lab_path, open_lab, reports_errors

if TYPE_CHECKING:
    from elenta.netboot.introspect import SshTarget

# The netboot code (and pyinfra) is imported inside the tasks: `elenta --help` stays quick.


def _ssh_target(
    lab_dir: str, machine: str, address: str, port: int, user: str, key: str, known: str
) -> SshTarget:
    """Where to reach a machine: explicit options first, then a running lab host's record."""
    record_key = record_known = None
    if not port:
        try:
            from elenta.lab.state import lab_state

            state = lab_state(open_lab(lab_dir or None))
            record = state.records().get(machine)
            if record:
                port, address = record.port, address or record.address
                record_key, record_known = state.key, state.known_hosts
        except ImportError:
            pass
    from elenta.netboot.introspect import SshTarget

    return SshTarget(
        address,
        port or 22,
        user,
        Path(key) if key else record_key,
        Path(known) if known else record_known,
    )


@task(
    name="build-image",
    auto_shortflags=False,
    help={
        "config": "the role's flake reference, e.g. '.#netboot' (default with --canon: its hostConfig)",
        "out": "place kernel, initrd and netboot.ipxe in this folder",
        "mac": "place the image in --store under this MAC",
        "canon": "place the image in --store under this machine's MAC (from the cadaster)",
        "store": "the netboot store folder (with --mac or --canon)",
        "introspect": "with --canon: ask the live machine over SSH for its MAC",
        "ssh_address": "with --introspect: connect here instead of the cadaster address",
        "ssh_port": "with --introspect: SSH port (default: the lab host's, else 22)",
        "ssh_user": "with --introspect: SSH user (default root)",
        "ssh_key": "with --introspect: private key file",
        "known_hosts": "with --introspect: known_hosts file to use (new keys accepted)",
        "dry-run": DRY_RUN_HELP + ": check the arguments, name what would be built and where; build nothing",
        "lab": "the lab folder holding flake.nix and the cadaster",
    },
)
@reports_errors
@command(
    examples=[
        "elenta build-image --config '.#netboot' --out ./image",
        "elenta build-image --canon hermes.canon --store /srv/netboot",
        "elenta build-image --mac 52:54:00:00:01:05 --config '.#netboot' --store /srv/netboot --dry-run",
    ]
)
def build_image(
    c: Context,
    config: str = "",
    out: str = "",
    mac: str = "",
    canon: str = "",
    store: str = "",
    introspect: bool = False,
    ssh_address: str = "",
    ssh_port: int = 0,
    ssh_user: str = "root",
    ssh_key: str = "",
    known_hosts: str = "",
    dry_run: bool = False,
    lab: str = "",
) -> None:
    """Build a role's netboot image (kernel, initrd, iPXE script) and place it at a path or by MAC."""
    from elenta.netboot.build import build_image as nix_build_image
    from elenta.netboot.build import write_image_dir
    from elenta.netboot.errors import NetbootError
    from elenta.netboot.place import boot_target, machine_of_mac, place_built, role_of_config
    from elenta.netboot.store import NetbootStore

    forms = [bool(out), bool(mac), bool(canon)]
    if sum(forms) != 1:
        raise NetbootError(
            "build-image: give exactly one of --out PATH, --mac MAC --store S, --canon C --store S"
        )
    if (mac or canon) and not store:
        raise NetbootError("build-image: --mac and --canon need --store PATH")
    if introspect and not canon:
        raise NetbootError("build-image: --introspect goes with --canon")
    machine = ""
    if mac:
        try:
            machine = machine_of_mac(open_lab(lab or None), mac)
        except (ElentaError, ValueError):
            machine = ""  # a store outside any lab: the MAC alone is enough
    if canon:
        loaded = open_lab(lab or None)
        target = boot_target(loaded, canon)
        machine = target.machine
        if not config and not loaded.cadaster.machines[machine].netboot:
            raise NetbootError(
                f"{loaded.cadaster_file}: machines.{machine}.netboot: {canon} does not boot from the "
                "network, so its host configuration builds no netboot image; set netboot = true, "
                "or give the image's role with --config '.#netboot'"
            )
        config = config or loaded.host_config(machine) or ""
        mac = target.mac
        if introspect:
            address = ssh_address or str(loaded.cadaster.address(canon))
            ssh = _ssh_target(lab, machine, address, ssh_port, ssh_user, ssh_key, known_hosts)
            from elenta.netboot.introspect import introspect_mac

            mac = introspect_mac(ssh, target.interface, canon)
            if mac != target.mac:
                note(f"note: {canon} reports MAC {mac}; the cadaster says {target.mac}")
    if not config:
        raise NetbootError("build-image: --config is required (e.g. --config '.#netboot')")
    if dry_run:
        where = f"in {out}" if out else f"in {store} under {mac} ({machine or 'no machine of the lab'})"
        print(
            f"dry run: would build {config} and place kernel, initrd and netboot.ipxe {where}; "
            "nothing is built"
        )
        return
    image = nix_build_image(config, lab_path(lab))
    if out:
        path = write_image_dir(image, Path(out))
        print(f"built {config}: {', '.join(sorted(image.files))} in {path}")
        return
    placed = place_built(image, NetbootStore(Path(store)), mac, machine, role_of_config(config))
    what = "placed" if placed.switched else "unchanged"
    print(f"{what}: {placed.mac} {machine or '-'} {role_of_config(config)} generation {placed.generation}")


ACTIONS = ("list", "gc", "place", "serve", "deploy", "rollback")


def _entry_json(entry) -> dict:
    """One row of `netboot list --json`."""
    return {
        "mac": entry.mac,
        "machine": entry.machine,
        "role": entry.role,
        "generation": entry.generation,
        "age_seconds": round(entry.age, 1),
        "generations": entry.generations,
    }


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds / 86400:.0f}d"


@task(
    positional=["action"],
    auto_shortflags=False,
    help={
        "action": "list | gc | place | serve | deploy | rollback",
        "mac": "rollback: the MAC whose image to roll back",
        "generation": "rollback: the generation (or a prefix) to make current (default: the one before)",
        "store": "the netboot store folder (deploy: on the serving host; default its elenta_netboot_store)",
        "on": "deploy: the hosts serving the store, canon names, @role, #tag or globs "
        "(default: those with a store in their data)",
        "no_dns": "deploy: reach hosts by their cadaster address, not through the lab's DNS",
        "keep": "gc: generations to keep per MAC, the current one included (default 3)",
        "grace": f"gc: never remove a generation in use less than this many seconds ago "
        f"({DEFAULT_GRACE:.0f})",
        "lab": "place: the lab whose netbooting machines to build and place",
        "address": "serve: address to listen on (default 127.0.0.1)",
        "dry-run": DRY_RUN_HELP + " (gc, place, rollback, deploy)",
        "json": "list: " + JSON_HELP,
        "http_port": "serve: HTTP port (default 8080)",
        "tftp_port": "serve: TFTP port (default 6969)",
    },
)
@reports_errors
@command(
    choices={"action": ACTIONS},
    examples=[
        "elenta netboot list --store /srv/netboot --json",
        "elenta netboot gc --store /srv/netboot --keep 2 --dry-run",
        "elenta netboot place --store /srv/netboot",
        "elenta netboot deploy --on archimedes.canon",
    ],
)
def netboot(
    c: Context,
    action: str,
    store: str = "",
    keep: int = 3,
    grace: float = DEFAULT_GRACE,
    lab: str = "",
    address: str = "127.0.0.1",
    http_port: int = 8080,
    tftp_port: int = 6969,
    on: str = "",
    no_dns: bool = False,
    mac: str = "",
    generation: str = "",
    dry_run: bool = False,
    json_: bool = False,
) -> None:
    """Look after a netboot store: list its images, collect old generations, place, serve, deploy."""
    from elenta.netboot.errors import NetbootError
    from elenta.netboot.place import place_lab
    from elenta.netboot.store import NetbootStore

    if action == "deploy":
        loaded = checked_lab(lab or None)
        from elenta.selectors import expand_on

        servers = expand_on(loaded, [on]) if on else None
        from elenta.netboot.push import deploy as netboot_deploy

        if dry_run:
            from elenta.netboot.push import store_servers

            chosen = servers or store_servers(loaded)
            print(
                f"dry run: would place the netboot images on {', '.join(chosen) or 'no host'}; "
                "nothing is changed"
            )
            return
        print(netboot_deploy(loaded, servers, no_dns=no_dns, store=store).rstrip())
        return
    if not store:
        raise NetbootError(f"netboot {action}: --store PATH is required")
    root = Path(store)
    nb = NetbootStore(root)
    if action == "list":
        if json_:
            emit_json([_entry_json(e) for e in nb.entries()])
            return
        rows = [("MAC", "MACHINE", "ROLE", "GENERATION", "AGE", "GENS")]
        for e in nb.entries():
            rows.append((e.mac, e.machine, e.role, e.generation[:12], _age(e.age), str(e.generations)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    elif action == "gc":
        report = nb.gc(keep=keep, grace=grace, dry_run=dry_run)
        for path in report.removed:
            print(f"{'would remove' if dry_run else 'removed'} {path}")
        for path in report.kept_young:
            print(f"kept {path} (in use less than {grace:.0f}s ago)")
        verb = "would remove" if dry_run else "removed"
        print(f"gc: {verb} {len(report.removed)}, kept {len(report.kept_young)} inside the grace period")
    elif action == "rollback":
        if not mac:
            raise NetbootError("netboot rollback: --mac is required")
        if dry_run:
            earlier = [g.name for g in nb.generations(mac) if not g.current]
            target = generation or (earlier[0] if earlier else "no earlier generation")
            print(f"dry run: {mac} would go back to {target}; nothing is changed")
            return
        placed = nb.rollback(mac, generation)
        print(f"{placed.mac}: current is {'now' if placed.switched else 'already'} {placed.generation}")
    elif action == "place":
        for item in place_lab(open_lab(lab or None), root, dry_run=dry_run):
            t = item.target
            state = f"placed {item.placed.generation}" if item.placed else "unchanged (same inputs)"
            state = "would place a new generation (dry run)" if item.would_place else state
            print(f"{t.machine} {t.mac} {item.config}: {state}")
    elif action == "serve":
        from elenta.lab.netboot_server import start_tftpd
        from elenta.netboot.http import serve_http

        nb.init()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop both servers on TERM too
        tftpd, tport = start_tftpd(root.absolute(), address, tftp_port)
        http = serve_http(root.absolute(), address, http_port)
        print(
            f"serving {root}: tftp://{address}:{tport}/boot.ipxe http://{address}:{http.server_port}/boot.ipxe"
        )
        try:
            while tftpd.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            http.shutdown()
            tftpd.terminate()
            tftpd.wait()
    else:
        raise NetbootError(f"netboot: unknown action {action!r} (list, gc, place, serve, deploy, rollback)")
