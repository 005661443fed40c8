"""Constellations: which configuration, VMs, containers and services run on which machine.

Two input forms are accepted and normalised into one model:

- per machine: `[machines.toto] hostConfig = ".#dns"`, `vms`, `containers`, `data`;
- per domain: `[domains."example.lab"] redirect_bare_to = "www"` with `services.www = {role,
  host, extraOpts}`.

`roles` declares what each role needs on its host: ports, health checks, backups, exports.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from elenta.model.cadaster import MAX_CORES
from elenta.model.dnsrecords import CaaRecord, MxRecord, SrvRecord, check_txt
from elenta.model.fields import FlakeRef, Label, Line, Script, SizeMiB, StrictModel
from elenta.model.names import (
    check_domain,
    flake_attr,
)


class Guest(StrictModel):
    """A VM or container: its configuration and what it asks of its host.

    Written as a bare flake reference (`".#web"`) or a table
    (`{config = ".#web", cores = 2, memory = "2G", disk = "20G"}`).
    """

    config: FlakeRef | dict[str, Any] | None = None
    cores: int = Field(default=0, ge=0, le=MAX_CORES)
    memory: SizeMiB = 0
    disk: SizeMiB = 0
    disks: list[Line] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_ref(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"config": value}
        return value


class PlacedGuest(Guest):
    """A VM or container declared for the constellation, not for a machine: elenta places it.

    `[vms.web2] config = ".#web", cores = 2, memory = "2G", host = "any", tags = ["compute"],
    spread = true` (`host` may also name a machine).
    """

    host: Line = "any"
    tags: list[Label] = Field(default_factory=list)
    spread: bool = False


class PortSpec(StrictModel):
    """A port a role listens on: `{port = 53, proto = "udp", interface = "enp2s0_dns"}`."""

    port: int = Field(ge=1, le=65535)
    proto: Literal["tcp", "udp"] = "tcp"
    interface: Line | None = None


class HealthCheck(StrictModel):
    """One check after activation: a command on the host, or a TCP/HTTP probe from the deployer."""

    command: Script | None = None
    tcp: int | None = Field(default=None, ge=1, le=65535)
    http: Line | None = None
    timeout: float = Field(default=10.0, gt=0, le=86400)

    @model_validator(mode="after")
    def _exactly_one(self) -> HealthCheck:
        given = [x for x in (self.command, self.tcp, self.http) if x is not None]
        if len(given) != 1:
            raise ValueError("a health check needs exactly one of 'command', 'tcp' or 'http'")
        return self


class Backup(StrictModel):
    """What to save before activation, and how to put it back on rollback."""

    paths: list[Line] = Field(default_factory=list)
    command: Script | None = None
    restore: Script | None = None

    @field_validator("paths")
    @classmethod
    def _absolute(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/"):
                raise ValueError(f"backup path {path!r} must be absolute")
        return value


class Export(StrictModel):
    """An NFS export: `{path = "/srv/media", clients = ["archimedes", "lab"], options = ["rw"]}`."""

    path: str
    clients: list[Line] = Field(default_factory=list)
    options: list[Line] = Field(default_factory=lambda: ["ro"])


class DhcpService(StrictModel):
    """What a role's DHCP server serves: `{server = "kea", networks = ["lab"]}`.

    `server` is `kea` (ISC Kea, JSON configuration) or `dnsmasq`; `networks` are cadaster networks
    (default: every network the host has an interface on); `netboot` gives netbooting machines their
    iPXE options; `authoritative` answers NAKs for addresses it does not know.
    """

    server: Literal["kea", "dnsmasq"] = "kea"
    networks: list[str] = Field(default_factory=list)
    netboot: bool = True
    authoritative: bool = True


class Role(StrictModel):
    """What a role needs on the machines that carry it."""

    ports: list[PortSpec] = Field(default_factory=list)
    health: list[HealthCheck] = Field(default_factory=list)
    backup: Backup | None = None
    exports: list[Export] = Field(default_factory=list)
    mounts: list[Line] = Field(default_factory=list)
    dns: bool = False
    nfs: bool = False
    netboot: bool = False
    dhcp: DhcpService | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class Placement(StrictModel):
    """What runs on one machine: its host configuration, guests and free-form data."""

    unknown_key_hint: ClassVar[str] = (
        "unknown key: a machine entry takes hostConfig, vms, containers, tags and data; "
        "free-form data goes under 'data'"
    )

    host_config: FlakeRef | dict[str, Any] | None = Field(default=None, alias="hostConfig")
    vms: dict[Label, Guest] = Field(default_factory=dict)
    containers: dict[Label, Guest] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)
    tags: list[Label] = Field(default_factory=list)

    def role(self) -> str | None:
        """The role named by the host configuration's flake reference (`.#dns` -> `dns`)."""
        if isinstance(self.host_config, str):
            return flake_attr(self.host_config)
        return None


class Service(StrictModel):
    """A named service of a domain: `{role = "web", host = "archimedes", extraOpts = {...}}`.

    Without `host` (or `host = "any"`) elenta places it (`elenta place --explain`) on a NixOS
    machine with the `cores`, `memory` and `disk` it needs left, carrying its `tags`, and with
    `spread = true` never beside another service of the same role.
    """

    role: Label
    host: Line = "any"
    extra_opts: dict[str, Any] = Field(default_factory=dict, alias="extraOpts")
    cores: int = Field(default=0, ge=0, le=MAX_CORES)
    memory: SizeMiB = 0
    disk: SizeMiB = 0
    tags: list[Label] = Field(default_factory=list)
    spread: bool = False
    srv: list[SrvRecord] = Field(default_factory=list)
    """SRV records the service publishes in its domain; their target is the service's host."""


class Domain(StrictModel):
    """A constellation domain and its services."""

    redirect_bare_to: Label | None = None
    services: dict[Label, Service] = Field(default_factory=dict)
    ttl: int | None = Field(default=None, ge=0, le=2**31 - 1)
    mx: list[MxRecord] = Field(default_factory=list)
    txt: dict[str, list[str]] = Field(default_factory=dict)
    srv: list[SrvRecord] = Field(default_factory=list)
    caa: list[CaaRecord] = Field(default_factory=list)

    @field_validator("txt")
    @classmethod
    def _txt(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return check_txt(value)


class Constellation(StrictModel):
    """One constellation file, normalised: `Constellation.model_validate(data)`."""

    name: Line = ""
    flake: Line = "."
    machines: dict[str, Placement] = Field(default_factory=dict)
    domains: dict[str, Domain] = Field(default_factory=dict)
    roles: dict[Label, Role] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)
    vms: dict[Label, PlacedGuest] = Field(default_factory=dict)
    containers: dict[Label, PlacedGuest] = Field(default_factory=dict)

    @field_validator("domains")
    @classmethod
    def _domain_names(cls, value: dict[str, Domain]) -> dict[str, Domain]:
        for name in value:
            check_domain(name)
        return value
