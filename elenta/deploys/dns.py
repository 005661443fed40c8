"""The DNS subsystem's deploy: zones + knot.conf on each host carrying a role with `dns = true`.

Host data read (all optional but `elenta_lab`/`elenta_machine`, which the inventory sets):
`elenta_dns_dir` (default /var/lib/elenta-dns), `elenta_dns_listen` (Knot `address@port` list,
default the DNS role's interface addresses on port 53), `elenta_dns_verify` (`address:port` queried
after the reload, default the first listen address), `elenta_dns_verify_wait` (seconds, default 10),
`elenta_dns_user`, `elenta_dns_force`, `elenta_dns_reproducible`.
"""

from __future__ import annotations

from typing import Any

from pyinfra import host
from pyinfra.api import deploy

from elenta.dns.knot import DEFAULT_DIR, knot_conf
from elenta.dns.render import lab_zone_texts, server_addresses
from elenta.model.lab import load_lab
from elenta.operations import dns as dns_ops


def wanted(host: Any) -> bool:
    """True for hosts whose roles ask for DNS: `"dns" in host.data.elenta_subsystems`."""
    return "dns" in _as_list(host.data.get("elenta_subsystems"))


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.split(",") if v]
    return list(value)


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes") if value is not None else False


@deploy("DNS zones")
def apply() -> None:
    """Render the lab's zones, install them with the Knot config, reload and verify."""
    lab = load_lab(host.data.get("elenta_lab"))
    machine = host.data.get("elenta_machine")
    directory = host.data.get("elenta_dns_dir") or DEFAULT_DIR
    listen = _as_list(host.data.get("elenta_dns_listen")) or [
        f"{ip}@53" for ip in server_addresses(lab, machine)
    ]
    verify_at = host.data.get("elenta_dns_verify") or listen[0].replace("@", ":")
    texts = lab_zone_texts(lab)
    dns_ops.zones(
        name="Install, reload and verify DNS zones",
        zone_texts=texts,
        conf_text=knot_conf(list(texts), listen, directory, user=host.data.get("elenta_dns_user")),
        directory=directory,
        verify_at=verify_at,
        force=_truthy(host.data.get("elenta_dns_force")),
        reproducible=_truthy(host.data.get("elenta_dns_reproducible")),
        record_to=str(lab.state_dir / "dns" / machine),
        verify_wait=float(host.data.get("elenta_dns_verify_wait") or 10),
    )
