"""pyinfra operation installing zones and the Knot config on a DNS host, reloading and verifying.

Order, so that nothing is half-applied: on the deployer, stamp serials against the served files,
run `named-checkzone -i local`, show the record-level diff, refuse >30% churn without `force`; on
the host, upload `*.new`, check with `knotc conf-check` (and `kzonecheck` where installed), keep
the old files as `*.prev`, swap, reload (or start Knot), then query every record set from the
deployer. A zone that fails the check is rolled back to its `.prev` file and the server reloaded again.
"""

from __future__ import annotations

import io
import shlex
from pathlib import Path

from dns.exception import DNSException
from pyinfra import host, logger
from pyinfra.api import FileUploadCommand, FunctionCommand, Host, OperationError, operation

from elenta.dns.check import check_zone_texts
from elenta.dns.diff import check_safety, diff_zone, format_diffs
from elenta.dns.knot import DEFAULT_DIR, layout
from elenta.dns.serial import serial_date, stamp
from elenta.dns.verify import verify_zone
from elenta.facts.dns import FileText, KnotRunning, ZoneFiles
from elenta.model.errors import ElentaError
from elenta.pipeline.record import note


def reload_command(paths: dict[str, str]) -> str:
    """Reload a running Knot (config, then every zone, blocking), or start it: `reload_command(layout(d))`."""
    s, conf, run = (shlex.quote(paths[k]) for k in ("socket", "conf", "run"))
    return (
        f"if knotc -s {s} status >/dev/null 2>&1; then knotc -s {s} reload && knotc -s {s} -b zone-reload; "
        f"else knotd -d -c {conf} </dev/null >>{run}/knotd.log 2>&1; "
        f"for i in $(seq 100); do knotc -s {s} status >/dev/null 2>&1 && break; sleep 0.1; done; "
        f"knotc -s {s} status; fi"
    )


def swap_command(path: str) -> str:
    """Put `path.new` in place, keeping the old file as `path.prev` (or no `.prev` if there was none)."""
    p = shlex.quote(path)
    return f"if [ -f {p} ]; then cp -p {p} {p}.prev; else rm -f {p}.prev; fi && mv -f {p}.new {p}"


def restore_command(path: str) -> str:
    """Put `path.prev` back (or remove `path` if it did not exist before)."""
    p = shlex.quote(path)
    return f"if [ -f {p}.prev ]; then mv -f {p}.prev {p}; else rm -f {p}; fi"


def _verify_or_roll_back(
    state: object,
    host: Host,
    server: str,
    texts: dict[str, str],
    changed: list[str],
    paths: dict[str, str],
    conf_changed: bool,
    record_to: str | None,
    wait: float,
) -> None:
    problems: list[str] = []
    for zone, text in texts.items():
        problems = verify_zone(server, zone, text, wait=wait)
        if problems:  # one zone failing is enough to roll back: don't wait on the others
            break
    if problems:
        files = [f"{paths['zones']}/{z}.zone" for z in changed] + ([paths["conf"]] if conf_changed else [])
        restore = " && ".join(restore_command(f) for f in files) or "true"
        host.run_shell_command(f"{restore} && {reload_command(paths)}")
        raise OperationError(
            "DNS verification failed, previous zone files restored:\n  " + "\n  ".join(problems[:20])
        )
    kept = " ".join(shlex.quote(f"{paths['zones']}/{z}.zone.prev") for z in changed)
    host.run_shell_command(f"rm -f {kept} {shlex.quote(paths['conf'])}.prev")
    if record_to:
        folder = Path(record_to)
        folder.mkdir(parents=True, exist_ok=True)
        for zone, text in texts.items():
            (folder / f"{zone}.zone").write_text(text)
    note(host.name, "DNS verified", f"{len(texts)} zones answer as planned")  # a progress line


@operation()
def zones(
    zone_texts: dict[str, str],
    conf_text: str,
    directory: str = DEFAULT_DIR,
    verify_at: str | None = None,
    force: bool = False,
    reproducible: bool = False,
    record_to: str | None = None,
    verify_wait: float = 10.0,
):
    """Install, reload and verify a DNS host's zones and Knot config.

    + zone_texts: `{zone: text}` as rendered by `elenta.dns.render` (serial restamped here)
    + conf_text: the knot.conf (`elenta.dns.knot.knot_conf`) for `directory`
    + verify_at: `address:port` to query every record set after the reload (from the deployer)
    + force: apply even when more than 30% of a zone's record sets would be deleted or modified
    + record_to: a local folder where the verified zones are copied (the next plan diffs against it)
    + verify_wait: seconds to wait for the server to serve the new serials before rolling back

    `zones(zone_texts=lab_zone_texts(lab), conf_text=knot_conf(...), verify_at="127.0.1.53:53")`
    """
    paths = layout(directory)
    served = host.get_fact(ZoneFiles, directory=paths["zones"])
    served_conf = host.get_fact(FileText, path=paths["conf"])
    running = host.get_fact(KnotRunning, socket=paths["socket"])

    day = serial_date(reproducible)
    stamped = {zone: stamp(text, served.get(zone), day) for zone, text in zone_texts.items()}
    texts = {zone: s.text for zone, s in stamped.items()}
    try:
        check_zone_texts(texts)  # before anything else reads them: a refused zone goes nowhere
        diffs = [diff_zone(zone, served.get(zone), texts[zone]) for zone in texts]
        logger.info(f"{host.name}: DNS record changes\n{format_diffs(diffs)}")
        check_safety(diffs, force)
    except ElentaError as exc:
        raise OperationError(str(exc)) from None
    except DNSException as exc:
        raise OperationError(f"a zone file served on {host.name} cannot be parsed: {exc}") from None

    changed = [zone for zone, s in stamped.items() if s.changed]
    stale = [zone for zone in served if zone not in zone_texts]
    conf_changed = served_conf != conf_text
    if not changed and not stale and not conf_changed and running:
        host.noop("DNS zones and server config are up to date")
        return

    yield f"mkdir -p {shlex.quote(paths['zones'])} {shlex.quote(paths['run'])} {shlex.quote(paths['db'])}"
    for zone in changed:
        yield FileUploadCommand(io.BytesIO(texts[zone].encode()), f"{paths['zones']}/{zone}.zone.new")
    if conf_changed:
        yield FileUploadCommand(io.BytesIO(conf_text.encode()), f"{paths['conf']}.new")
        yield f"knotc -c {shlex.quote(paths['conf'])}.new conf-check"
    for zone in changed:
        new_file = shlex.quote(f"{paths['zones']}/{zone}.zone.new")
        yield f"if command -v kzonecheck >/dev/null; then kzonecheck -o {shlex.quote(zone)} {new_file}; fi"
    for zone in changed:
        yield swap_command(f"{paths['zones']}/{zone}.zone")
    if conf_changed:
        yield swap_command(paths["conf"])
    yield reload_command(paths)
    for zone in stale:
        yield f"rm -f {shlex.quote(paths['zones'])}/{shlex.quote(zone)}.zone"
    if verify_at:
        yield FunctionCommand(
            _verify_or_roll_back, (verify_at, texts, changed, paths, conf_changed, record_to, verify_wait), {}
        )
