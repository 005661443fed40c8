"""The firewall each machine will really run, as Nix evaluates it, checked against the cadaster.

`evaluated_firewalls(lab, ["toto"])` evaluates `elentaHosts.<machine>.config.networking.firewall`
of the lab's flake with this lab's per-machine modules written in: the system `elenta deploy`
builds for that machine (its `hostConfig` configuration extended with elenta's module and the
flake's own modules). A flake that has not adopted the module (no `elentaHosts`) deploys its
`nixosConfigurations.<hostConfig>` as it is, so that is what is evaluated then.

`firewall_findings(lab, machine, evaluated)` compares one machine's rules, interface by
interface, with its cadaster interfaces and the ports its roles declare (`firewall_plan`):

- `alias`: a port opened on an alias interface name: packets for the alias address arrive on the
  physical interface, so the rule never matches;
- `closed`: a port a role declares on an interface (or everywhere) that the system does not open there;
- `disabled`: the system runs with `networking.firewall.enable = false` (every port open);
- `unlisted` (a note, not a failure): a port opened on an interface the cadaster does not list
  for the machine (a bridge, a tunnel, or a name that matches nothing).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from elenta.firewall.render import PROTOS, alias_owners, firewall_plan
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.nix import NixError, flake_uri, nix_eval_json

HOSTS_OUTPUT = "elentaHosts"
ALWAYS_TRUSTED = ("lo",)  # NixOS accepts everything from loopback

# Per name: the firewall's switch and its openings, everywhere and per interface (NixOS options
# `networking.firewall.{enable,allowed*Ports,allowed*PortRanges,trustedInterfaces,interfaces}`).
APPLY = """names: set: builtins.listToAttrs (map (n: {
  name = n;
  value = let
    f = ((set.${n}.config or { }).networking or { }).firewall or { };
    pick = s: {
      tcp = s.allowedTCPPorts or [ ]; udp = s.allowedUDPPorts or [ ];
      tcpRanges = s.allowedTCPPortRanges or [ ]; udpRanges = s.allowedUDPPortRanges or [ ];
    };
  in {
    enable = f.enable or true;
    everywhere = pick f;
    trusted = f.trustedInterfaces or [ ];
    interfaces = builtins.mapAttrs (_: pick) (f.interfaces or { });
  };
}) names)"""


class NoFlakeError(ElentaError):
    """The lab has no flake to evaluate the machines' systems from (bad input: exit 2)."""

    exit_code = 2


@dataclass
class Openings:
    """Ports one rule set opens, by protocol, with port ranges: `Openings({"tcp": [22]})`."""

    ports: dict[str, list[int]] = field(default_factory=dict)
    ranges: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, data: dict[str, Any]) -> Openings:
        """From the evaluated `{"tcp": [...], "udp": [...], "tcpRanges": [{"from", "to"}], …}`."""
        return cls(
            {p: sorted(int(x) for x in data.get(p, [])) for p in PROTOS},
            {p: [(int(r["from"]), int(r["to"])) for r in data.get(f"{p}Ranges", [])] for p in PROTOS},
        )

    def opens(self, proto: str, port: int) -> bool:
        """`Openings({"udp": [53]}).opens("udp", 53)`."""
        return port in self.ports.get(proto, []) or any(a <= port <= b for a, b in self.ranges.get(proto, []))

    def listed(self) -> list[str]:
        """Every opening as text: `["22/tcp", "60000-61000/udp"]`."""
        out = [f"{port}/{p}" for p in PROTOS for port in self.ports.get(p, [])]
        return out + [f"{a}-{b}/{p}" for p in PROTOS for a, b in self.ranges.get(p, [])]


@dataclass(frozen=True)
class EvaluatedFirewall:
    """One machine's firewall as its system sets it, and which output it was read from."""

    machine: str
    source: str  # "elentaHosts.toto" or "nixosConfigurations.dns" (a flake without elenta's module)
    enable: bool
    everywhere: Openings
    interfaces: dict[str, Openings]
    trusted: tuple[str, ...]


@dataclass(frozen=True)
class FirewallFinding:
    """One problem in what a machine will run: `str()` is `alias: toto: enp2s0_dns: 53/udp: …`."""

    kind: str  # alias | closed | disabled | unlisted
    machine: str
    interface: str  # "*" for every interface
    port: str  # "53/udp", or "*"
    message: str
    source: str

    @property
    def fails(self) -> bool:
        """A finding that makes `elenta firewall check` exit 1 (`unlisted` is a note)."""
        return self.kind != "unlisted"

    def __str__(self) -> str:
        return f"{self.kind}: {self.machine}: {self.interface}: {self.port}: {self.message} ({self.source})"

    def as_dict(self) -> dict[str, str]:
        """The finding for `--json`."""
        return asdict(self)


def _evaluate(lab: Lab, source: Any, output: str, names: list[str]) -> dict[str, Any]:
    from elenta.compile.nix_text import nix_list

    base = flake_uri(".#x", source).split("#", 1)[0]
    return nix_eval_json(
        [f"{base}#{output}", "--apply", f"({APPLY}) {nix_list(names)}"],
        what=f"evaluating the firewall of {output}.{{{','.join(names)}}}",
        config=lab.settings.nix.config,
    )


def evaluated_firewalls(lab: Lab, machines: list[str]) -> dict[str, EvaluatedFirewall]:
    """The firewall each machine's system will run: `evaluated_firewalls(lab, ["toto"])["toto"]`.

    Machines without a system in the lab (no `hostConfig`) are left out. Raises NixError when the
    flake does not evaluate.
    """
    from elenta.model.names import flake_attr
    from elenta.subsystem import provided

    # The flake with this lab's NixOS modules, as deploys build it (the NixOS subsystem's fact).
    flake_source = provided(lab, "nixos_flake_source", None)

    chosen = [m for m in machines if lab.has_system(m)]
    if not chosen:
        return {}
    if flake_source is None:
        raise NoFlakeError(
            "`elenta firewall check` evaluates each machine's system: the nixos subsystem is not registered"
        )
    if not (lab.flake_dir / "flake.nix").exists():
        raise NoFlakeError(
            f"{lab.flake_dir}: no flake.nix: `elenta firewall check` evaluates each machine's system from "
            "the lab's flake (docs/nixos.md)"
        )
    with flake_source() as source:
        try:
            data = _evaluate(lab, source, HOSTS_OUTPUT, chosen)
            sources = {m: f"{HOSTS_OUTPUT}.{m}" for m in chosen}
        except NixError as exc:
            if "does not provide attribute" not in str(exc) or HOSTS_OUTPUT not in str(exc):
                raise
            refs = {m: lab.host_config(m) for m in chosen}
            refs = {m: r for m, r in refs.items() if r and r.split("#", 1)[0] in ("", ".")}
            attrs = sorted({flake_attr(r) for r in refs.values()})
            by_attr = _evaluate(lab, source, "nixosConfigurations", attrs) if attrs else {}
            data = {m: by_attr[flake_attr(r)] for m, r in refs.items()}
            sources = {m: f"nixosConfigurations.{flake_attr(r)}" for m, r in refs.items()}
    return {
        m: EvaluatedFirewall(
            m,
            sources[m],
            bool(d["enable"]),
            Openings.of(d["everywhere"]),
            {name: Openings.of(rules) for name, rules in sorted(d["interfaces"].items())},
            tuple(d["trusted"]),
        )
        for m in chosen
        if (d := data.get(m)) is not None
    }


def firewall_findings(lab: Lab, evaluated: EvaluatedFirewall) -> list[FirewallFinding]:
    """What is wrong with one machine's evaluated firewall: `firewall_findings(lab, fw)`."""
    machine, source = evaluated.machine, evaluated.source
    physical = list(lab.cadaster.machines[machine].interfaces)
    owners = alias_owners(lab, machine)
    out: list[FirewallFinding] = []

    def add(kind: str, interface: str, port: str, message: str) -> None:
        out.append(FirewallFinding(kind, machine, interface, port, message, source))

    if not evaluated.enable:
        add(
            "disabled",
            "*",
            "*",
            "the system runs with networking.firewall.enable = false: every port is open",
        )
    for name, rules in evaluated.interfaces.items():
        if name in physical or name == "default":  # `default`: every interface (older nixpkgs)
            continue
        for port in rules.listed():
            if name in owners:
                add(
                    "alias",
                    name,
                    port,
                    f"opened on alias {name!r}, which never matches: packets for its address arrive on "
                    f"{owners[name]!r}; open it on {owners[name]!r}",
                )
            else:
                add(
                    "unlisted",
                    name,
                    port,
                    f"opened on an interface the cadaster does not list for {machine} "
                    f"(it lists: {', '.join(physical) or 'none'}); a virtual interface, or a name that "
                    "matches nothing",
                )
    if evaluated.enable:
        plan = firewall_plan(lab, machine)
        everywhere = [evaluated.everywhere, *(r for n, r in evaluated.interfaces.items() if n == "default")]
        wanted: list[tuple[str, str, int]] = [("*", p, port) for p in PROTOS for port in plan.everywhere[p]]
        wanted += [(i, p, port) for i, ports in plan.interfaces.items() for p in PROTOS for port in ports[p]]
        for interface, proto, port in sorted(wanted):
            here = evaluated.interfaces.get(interface) if interface != "*" else None
            if any(r.opens(proto, port) for r in everywhere) or (
                here is not None and here.opens(proto, port)
            ):
                continue
            if interface in evaluated.trusted or interface in ALWAYS_TRUSTED:
                continue
            where = "on any interface" if interface == "*" else f"on {interface}"
            add(
                "closed",
                interface,
                f"{port}/{proto}",
                f"its roles open it {where} (elenta firewall plan), but the system it will run does not",
            )
    return out
