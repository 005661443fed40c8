"""The subsystem interface, declared once: everything the core asks of a subsystem, and the registry.

elenta is a core (model -> plan -> deploy pipeline) and subsystems around it: nixos, hostdata,
dns, nfs, netboot, switch, firewall. The core (`elenta check`, the plan and its diff, drift, the
inventory, the pipeline, the command line) iterates the registered subsystems and names none.

A subsystem is a package `elenta/<x>/` (pure logic: rendering, validation, diff, verify), its
pyinfra and invoke faces (`elenta/operations/<x>.py`, `facts/<x>.py`, `deploys/<x>.py`,
`tasks/<x>.py`), and a `Subsystem` object in `elenta/<x>/subsystem.py` that declares them:

    class Nfs(Subsystem):
        name, order = "nfs", 40
        deploy, tasks = "elenta.deploys.nfs", "elenta.tasks.nfs"
        render = "elenta.nfs.render:nfs_artifacts"     # imported when a plan is built
        role_flag = "nfs"                              # hosts whose roles set `nfs = true`

    subsystem = Nfs()

registered by one line in pyproject.toml (an entry point, so a separate distribution can add one):

    [project.entry-points."elenta.subsystems"]
    nfs = "elenta.nfs.subsystem:subsystem"

or, without packaging (tests, a subsystem in progress), by naming its module in `ELENTA_PLUGINS`
(comma-separated, `module` or `module:attribute`; the attribute defaults to `subsystem`); a word
`-name` leaves a registered subsystem out (its artifacts and its parts of the others with it):

    ELENTA_PLUGINS=tests.plugins.motd.subsystem elenta plan
    ELENTA_PLUGINS=-dns,-dhcp elenta plan

`registered()` gives them in deploy order. A subsystem module imports nothing heavy at its top:
`elenta --help` imports it to list the subsystem's tasks, and nothing else of the subsystem.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from elenta.model.errors import ElentaError, Fault, ModelError

if TYPE_CHECKING:
    from pathlib import Path

    from elenta.compile.artifacts import Artifact
    from elenta.compile.drift import Drift
    from elenta.compile.merge import Contribution
    from elenta.compile.plan import Plan
    from elenta.inventory import Selection
    from elenta.model.lab import Lab
    from elenta.pipeline.ssh import SshTarget

ENTRY_POINTS = "elenta.subsystems"
ENV_PLUGINS = "ELENTA_PLUGINS"


class SubsystemError(ElentaError):
    """A subsystem cannot be registered, or a name given on the command line is not one."""

    exit_code = 2


@dataclass
class DeployRun:
    """One run of the deploy pipeline, as the subsystems' pipeline steps see and shape it.

    `canons` are the hosts pyinfra will run on: a step may narrow them, or settle a host itself
    by appending its row to `results` (`HostResult`, e.g. `unchanged`) and removing it.
    `state` keeps what a step computes for a later one, under the subsystem's name.
    """

    lab: Lab
    action: str  # test | switch | boot | rollback
    selection: Selection
    subsystems: tuple[str, ...]  # the subsystems selected (`--only`); () = every one
    folder: Path  # the deploy record: <state>/deploys/<id>/
    canons: list[str]
    targets: dict[str, SshTarget]
    machines: dict[str, str]  # canon -> machine name
    config: str | None = None
    limit: int = 4
    echo: Callable[[str], None] = print
    results: list[Any] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    confirm_timeout: float = 30  # seconds a host waits for its confirmation after activation
    interrupted: str = ""  # set after pyinfra: "interrupted" (first Ctrl-C) or "aborted" (second)

    def selected(self, name: str) -> bool:
        """True when subsystem `name` takes part in this run: `run.selected("switch")`."""
        return not self.subsystems or name in self.subsystems

    @property
    def hosts_failed(self) -> bool:
        """True once a host has not ended where the run wanted it, or the run was interrupted (a step
        after the hosts may hold back)."""
        return bool(self.interrupted) or any(
            r.result in ("failed", "rolled-back", "skipped", "undecided", "aborted") for r in self.results
        )


def _attribute(reference: str) -> Any:
    """The object a `module:attribute` reference names, imported now: `_attribute("json:dumps")`."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


class Subsystem:
    """One subsystem as the core sees it: what it declares, and the questions the core asks.

    Most subsystems only declare, as class attributes (module names, imported when used):

    - `name`: the word in `--only`, in plans (`artifacts/<name>/`), diffs and drift lines;
    - `order`: deploy order, lower first (one subsystem may serve another: DNS before NFS);
    - `by_default`: deployed when `--only` is not given (NixOS);
    - `deploy`: its pyinfra deploy module (`wanted(host) -> bool`, `apply()`);
    - `tasks`: its invoke task module;
    - `render`: `"module:function"`, the function from the lab to its artifacts;
    - `role_flag`: the role field that asks for it (`dns = true`);
    - `drift_module`: a module with `PROBE` (section -> shell command), `read_sections(sections)`
      and `compare(plan, machine, facts, revision)`;
    - `steps`: a module with any of `check(run)`, `prepare(run)`, `finish(run)` for the pipeline;
    - `nixos_part`: `"module:function"`, `(lab, machine) -> [Contribution]`, its part of a NixOS
      machine's module (DNS: Knot; NFS: the server; firewall: `networking.firewall`);
    - `host_part`: `"module:function"`, `(lab) -> {machine: {key: value}}`, keys it adds to each
      machine's entry of the lab's discovery document (switch: `bonds`);
    - `provides`: `{fact: "module:function"}`, `(lab) -> value`, what it knows that another
      subsystem may ask for by name (`provided(lab, "dns_servers", {})`), never importing it.

    The methods below turn those into answers; a subsystem overrides a method where that fits
    better (see `tests/plugins/motd/subsystem.py`).
    """

    name: ClassVar[str] = ""
    order: ClassVar[int] = 50
    by_default: ClassVar[bool] = False
    deploy: ClassVar[str | None] = None
    tasks: ClassVar[str | None] = None
    render: ClassVar[str | None] = None
    role_flag: ClassVar[str | None] = None
    drift_module: ClassVar[str | None] = None
    steps: ClassVar[str | None] = None
    nixos_part: ClassVar[str | None] = None
    host_part: ClassVar[str | None] = None
    provides: ClassVar[dict[str, str]] = {}
    check_waits: ClassVar[bool] = False
    """Its `check` mostly waits for other programs (`named-checkzone`): `validate_lab` starts it
    first, on a thread of its own, and checks the other subsystems meanwhile."""

    # -- the model and the plan -----------------------------------------------------------

    def wants(self, lab: Lab, machine: str) -> bool:
        """True when the machine's roles ask for this subsystem (the host's `elenta_subsystems`)."""
        return self.role_flag is not None and role_asks(lab, machine, self.role_flag)

    def artifacts(self, lab: Lab) -> Iterable[Artifact]:
        """The files this subsystem adds to the plan: `Artifact(self.name, machine, path, bytes)`.

        Rendered once per loaded lab (its check and the plan both ask; a lab does not change once
        loaded); a rendering that raises is not kept, and raises again when asked again.
        """
        if not self.render:
            return ()
        key = f"_elenta_artifacts:{self.name}:{self.render}"
        rendered = vars(lab).get(key)
        if rendered is None:
            rendered = vars(lab)[key] = tuple(_attribute(self.render)(lab))
        return rendered

    def check(self, lab: Lab) -> list[Fault]:
        """Faults `elenta check` reports for this subsystem (naming file and key).

        The default renders the artifacts: every fault their rendering raises is reported.
        (`elenta.compile.checks.validate_lab`, the one validation, renders them once itself and
        calls `check` only where a subsystem overrides it.)
        """
        try:
            for _ in self.artifacts(lab):
                pass
        except ModelError as exc:
            return list(exc.faults)
        return []

    # -- what it adds to the others: a machine's NixOS module, its host data, facts by name ------

    def nixos_options(self, lab: Lab, machine: str) -> list[Contribution]:
        """Its part of `machine`'s NixOS module, each part naming its source: `[Contribution(...)]`."""
        return list(_attribute(self.nixos_part)(lab, machine)) if self.nixos_part else []

    def host_entries(self, lab: Lab) -> dict[str, dict[str, Any]]:
        """Keys it adds to machines' discovery entries: `{"nancy": {"bonds": {...}}}`."""
        return dict(_attribute(self.host_part)(lab)) if self.host_part else {}

    def fact(self, lab: Lab, name: str) -> Any:
        """The value of the fact `name` it provides (see `provides`): `fact(lab, "dns_servers")`."""
        return _attribute(self.provides[name])(lab)

    # -- SSH endpoints outside the inventory (switches), for `elenta hostkeys scan` ------------

    def ssh_endpoints(self, lab: Lab) -> list[tuple[str, str, int]]:
        """Devices this subsystem reaches over SSH itself: `[("sw1", "127.0.1.250", 2222)]`
        (cadaster machine, address, port); their host keys are checked like the hosts'."""
        return []

    # -- drift: one SSH round trip per host, each subsystem reading its own sections ----------

    def drift_probe(self) -> dict[str, str]:
        """Shell commands run on each host for `elenta drift`, by section name: `{"host": "cat …"}`."""
        return dict(_attribute(f"{self.drift_module}:PROBE")) if self.drift_module else {}

    def drift_read(self, sections: dict[str, list[str]]) -> dict[str, Any]:
        """This subsystem's facts from the probe's output lines (by section): `{"host": {...}}`."""
        return _attribute(f"{self.drift_module}:read_sections")(sections) if self.drift_module else {}

    def drift(self, plan: Plan, machine: str, facts: dict[str, Any], revision: str | None) -> list[Drift]:
        """Differences between the plan and one machine's facts (keys not gathered: not compared)."""
        if not self.drift_module:
            return []
        return _attribute(f"{self.drift_module}:compare")(plan, machine, facts, revision)

    # -- the deploy pipeline ----------------------------------------------------------------

    def _step(self, name: str, run: DeployRun) -> None:
        if self.steps:
            step = getattr(importlib.import_module(self.steps), name, None)
            if step is not None:
                step(run)

    def deploy_check(self, run: DeployRun) -> None:
        """Before anything is built or any host touched: raise an ElentaError to refuse the run."""
        self._step("check", run)

    def deploy_prepare(self, run: DeployRun) -> None:
        """Before pyinfra runs on `run.canons`: build, read facts, narrow or settle hosts."""
        self._step("prepare", run)

    def deploy_finish(self, run: DeployRun) -> None:
        """After the hosts: steps outside pyinfra's hosts (switches), appending rows to `run.results`."""
        self._step("finish", run)

    def deploy_preview(
        self, lab: Lab, action: str, selection: Selection, *, no_dns: bool, config: str | None
    ) -> dict[str, str]:
        """`--dry-run`: what a deploy would do per host, changing nothing: `{"toto.canon": "would test"}`.

        The default asks the `steps` module's `preview(lab, action, selection, no_dns=, config=)`.
        """
        step = getattr(importlib.import_module(self.steps), "preview", None) if self.steps else None
        return step(lab, action, selection, no_dns=no_dns, config=config) if step else {}


def _load(reference: str) -> Subsystem:
    module, _, attribute = reference.strip().partition(":")
    try:
        value = _attribute(f"{module}:{attribute.strip() or 'subsystem'}")
    except (ImportError, AttributeError) as exc:
        raise SubsystemError(f"subsystem {reference!r} cannot be loaded: {exc}") from None
    if not isinstance(value, Subsystem) or not value.name:
        raise SubsystemError(f"{reference!r} is not a named elenta.subsystem.Subsystem")
    return value


@lru_cache(maxsize=8)
def _registry(extra: str) -> tuple[Subsystem, ...]:
    from importlib.metadata import entry_points

    found: dict[str, Subsystem] = {}
    references = [ep.value for ep in entry_points(group=ENTRY_POINTS)]
    if not any(r.startswith("elenta.") for r in references):
        raise SubsystemError(
            "elenta's own subsystems are not registered: its installation predates pyproject.toml's "
            "entry points (run `bash scripts/setup.sh`, or `pip install -e .` in the repository)"
        )
    words = [x.strip() for x in extra.split(",") if x.strip()]
    references += [x for x in words if not x.startswith("-")]
    for reference in references:
        subsystem = _load(reference)
        if subsystem.name in found and found[subsystem.name] is not subsystem:
            raise SubsystemError(f"two subsystems are named {subsystem.name!r} ({reference!r})")
        found[subsystem.name] = subsystem
    for word in words:
        if word.startswith("-") and found.pop(word[1:].strip(), None) is None:
            raise SubsystemError(
                f"{word!r}: no subsystem is named {word[1:].strip()!r} (registered: {', '.join(found)})"
            )
    providers: dict[str, str] = {}
    for subsystem in found.values():
        for fact in subsystem.provides:
            if providers.setdefault(fact, subsystem.name) != subsystem.name:
                raise SubsystemError(f"two subsystems provide {fact!r}: {providers[fact]}, {subsystem.name}")
    return tuple(sorted(found.values(), key=lambda s: (s.order, s.name)))


def registered() -> tuple[Subsystem, ...]:
    """Every registered subsystem in deploy order: `[s.name for s in registered()]`."""
    return _registry(os.environ.get(ENV_PLUGINS, ""))


def named(name: str) -> Subsystem:
    """The registered subsystem called `name`: `named("dns").artifacts(lab)`; SubsystemError if none."""
    for subsystem in registered():
        if subsystem.name == name:
            return subsystem
    known = ", ".join(s.name for s in registered())
    raise SubsystemError(f"no subsystem is named {name!r} (registered: {known})")


def default_names() -> tuple[str, ...]:
    """The subsystems a deploy runs when `--only` is not given: `default_names() == ("nixos",)`."""
    return tuple(s.name for s in registered() if s.by_default)


def check_names(names: Iterable[str]) -> tuple[str, ...]:
    """`--only` names, each checked against the registry: `check_names(["dns", "nfs"])`."""
    return tuple(named(name).name for name in names)


def role_asks(lab: Lab, machine: str, flag: str) -> bool:
    """True when one of the machine's roles sets `flag` (`dns = true`): `role_asks(lab, "toto", "dns")`."""
    return any(getattr(lab.role(role), flag, False) for role in lab.roles_of(machine))


def nixos_options(lab: Lab, machine: str) -> list[Contribution]:
    """Every registered subsystem's part of a NixOS machine's module: `nixos_options(lab, "toto")`.

    A subsystem that is not registered contributes nothing; the others do not notice.
    """
    return [part for subsystem in registered() for part in subsystem.nixos_options(lab, machine)]


def host_entries(lab: Lab) -> dict[str, dict[str, Any]]:
    """What the registered subsystems add to each machine's discovery entry, merged per machine.

    `host_entries(lab).get("nancy", {})` -> `{"bonds": {"bond3": {...}}}` (computed once per lab).
    """
    from elenta.compile.memo import once_per_lab

    def collect() -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        given: dict[tuple[str, str], str] = {}
        for subsystem in registered():
            for machine, keys in subsystem.host_entries(lab).items():
                for key in keys:
                    if given.setdefault((machine, key), subsystem.name) != subsystem.name:
                        raise SubsystemError(
                            f"{given[machine, key]} and {subsystem.name} both give {machine}'s {key!r}"
                        )
                out.setdefault(machine, {}).update(keys)
        return out

    return once_per_lab(lab, "host_entries", collect)


def provided(lab: Lab, fact: str, default: Any) -> Any:
    """The fact `fact` from the registered subsystem that provides it, else `default` (none does).

    `provided(lab, "dns_servers", {})` -> `{"toto": ["127.0.1.53"]}`; computed once per lab.
    """
    from elenta.compile.memo import once_per_lab

    for subsystem in registered():
        if fact in subsystem.provides:
            return once_per_lab(lab, f"fact:{fact}", lambda s=subsystem: s.fact(lab, fact))
    return default
