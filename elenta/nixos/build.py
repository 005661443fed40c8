"""Build the selected machines' systems on the deployer, in one pure `nix build` run.

`build_systems(lab, ["toto", "nancy"])` -> `{"toto": BuiltSystem("/nix/store/…-dns", "abc123", ".#dns")}`.
Each machine's system is `elentaHosts.<machine>` of the lab's flake: its host configuration with
the machine's module from the plan (docs/nixos.md), which the build writes into the copy of the
flake it builds (`plan/artifacts/nixos/`). A flake that does not adopt the module yet is built as
before, one system per `hostConfig` reference. Nix builds in parallel up to `--max-jobs limit`.

Builds are pure: the lab's git revision is recorded beside each system (deploy records, history,
`/var/lib/elenta/revisions/<system>` on the host), never inside it, so a commit changes no store path.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from elenta.compile.nix_text import nix_list
from elenta.compile.revision import git_revision
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab
from elenta.model.names import flake_attr
from elenta.nix import NixError, flake_snapshot, flake_uri, nix_environment, summarise_nix_error
from elenta.nixos.render import FLAKE_FOLDER, nixos_files
from elenta.progress import run_streaming

# What `BuiltSystem.config` says for a machine whose hostConfig is a literal table only.
LITERAL = "hostConfig (table)"
HOSTS_OUTPUT = "elentaHosts"


class BuildError(ElentaError):
    """A machine's system did not build; the message names the machine, its config and Nix's error."""


@dataclass(frozen=True)
class BuiltSystem:
    """What a machine should run: store path, the flake revision and the reference built."""

    path: str
    revision: str
    config: str
    drv: str = ""  # its derivation (what a host builds itself with `[nix] build_on = "target"`)

    def as_dict(self) -> dict[str, str]:
        """`{"path": …, "revision": …, "config": …, "drv": …}` for the deploy record's systems.json."""
        return asdict(self)


@contextmanager
def flake_source(lab: Lab) -> Iterator[Path]:
    """The folder to build from: a snapshot of the lab's flake without its state (`flake_snapshot`),
    with this lab's NixOS modules in `plan/artifacts/nixos/` (replacing any older ones there)."""
    with flake_snapshot(lab.flake_dir) as source:
        target = source / FLAKE_FOLDER
        if target.exists():
            shutil.rmtree(target)
        for rel, data in nixos_files(lab).items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        yield source


def drv_expression(names: list[str]) -> str:
    """The `--apply` function giving each named configuration's toplevel derivation, in order.

    `drv_expression(["toto"])` -> `'set: map (n: set.${n}.config.system.build.toplevel.drvPath) [ "toto" ]'`
    """
    return f"set: map (n: set.${{n}}.config.system.build.toplevel.drvPath) {nix_list(names)}"


def _run_nix(lab: Lab, args: list[str], timeout: float, what: str) -> subprocess.CompletedProcess[str]:
    """One `nix` call for the build; its output streams with `-v` (`elenta.progress`)."""
    env = nix_environment(config=lab.settings.nix.config)
    try:
        return run_streaming(["nix", *args], env=env, label=f"nix {args[0]}", timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BuildError(
            f"building {what} took longer than {timeout:.0f} s "
            f"(raise [timeouts] nix_build in {lab.root}/elenta.toml)"
        ) from None


def _build_attrs(
    lab: Lab, output: str, names: list[str], limit: int, timeout: float
) -> tuple[dict[str, tuple[str, str]] | None, str]:
    """Evaluate `<output>.<name>` for each name once, then build the derivations (unless the
    hosts build them: `[nix] build_on = "target"`, then only their output paths are read).

    -> `({name: (store path, derivation)}, "")`, or `(None, nix's stderr)` when evaluation or build failed.
    (`nix build --json` lists outputs in derivation order, not installable order: the
    evaluation gives each name its derivation, so results are matched by derivation.)
    """
    with flake_source(lab) as source:
        base = flake_uri(".#x", source).split("#", 1)[0]
        proc = _run_nix(
            lab,
            ["eval", "--json", f"{base}#{output}", "--apply", drv_expression(names)],
            timeout,
            ", ".join(names),
        )
    if proc.returncode != 0:
        return None, proc.stderr
    try:
        drvs = [str(d) for d in json.loads(proc.stdout)]
    except ValueError as exc:
        raise NixError(f"nix eval printed no derivations ({exc})") from None
    if lab.settings.nix.build_on == "target":
        return {name: (_output_path(drv), drv) for name, drv in zip(names, drvs, strict=True)}, ""
    built = _run_nix(
        lab,
        ["build", "--no-link", "--json", "--max-jobs", str(limit), *sorted(set(drvs))],
        timeout,
        ", ".join(names),
    )
    if built.returncode != 0:
        return None, built.stderr
    try:
        out = {entry["drvPath"]: entry["outputs"]["out"] for entry in json.loads(built.stdout)}
        return {name: (out[drv], drv) for name, drv in zip(names, drvs, strict=True)}, ""
    except (ValueError, KeyError, TypeError) as exc:
        raise NixError(f"nix build printed no store paths ({exc})") from None


def _output_path(drv: str) -> str:
    """The `out` path of an evaluated derivation, without building it (`nix-store -q --outputs`)."""
    proc = subprocess.run(["nix-store", "-q", "--outputs", drv], capture_output=True, text=True, check=False)
    outputs = proc.stdout.split()
    if proc.returncode != 0 or len(outputs) != 1:
        raise BuildError(f"{drv}: no single output path ({proc.stderr.strip()[-200:] or outputs})")
    return outputs[0]


def _without_hosts_output(stderr: str) -> bool:
    """True when Nix says the flake has no `elentaHosts` (it has not adopted elenta's module)."""
    return "does not provide attribute" in stderr and f"'{HOSTS_OUTPUT}'" in stderr


def build_systems(
    lab: Lab, machines: list[str], *, config: str | None = None, limit: int = 4, timeout: float | None = None
) -> dict[str, BuiltSystem]:
    """Build each machine's system (`elentaHosts.<machine>`), or `config` as it is for all of them.

    Raises BuildError naming the machines whose system failed and Nix's error. `timeout`: seconds
    for each Nix call (default: the lab's `[timeouts] nix_build`).
    """
    timeout = timeout or lab.settings.timeouts.nix_build
    if not machines:
        return {}
    revision = git_revision(lab.flake_dir)
    if config is not None:
        return _build_refs(lab, dict.fromkeys(machines, config), revision, limit, timeout)
    for machine in machines:
        if not lab.has_system(machine):
            raise BuildError(f"{lab.cadaster_file}: machines.{machine}: no hostConfig in any constellation")
    paths, stderr = _build_attrs(lab, HOSTS_OUTPUT, machines, limit, timeout)
    if paths is None and _without_hosts_output(stderr):
        refs = {m: lab.host_config(m) for m in machines}
        literal = sorted(m for m, r in refs.items() if not r)
        if literal:
            raise BuildError(
                f"{', '.join(literal)}: a hostConfig table needs elenta's module, and the lab's flake has no "
                f"{HOSTS_OUTPUT} output (docs/nixos.md shows the two lines that add it)"
            )
        return _build_refs(lab, {m: r for m, r in refs.items() if r}, revision, limit, timeout)
    if paths is None:
        raise BuildError(f"building {', '.join(machines)} failed: {summarise_nix_error(stderr)}")
    return {
        m: BuiltSystem(paths[m][0], revision, lab.host_config(m) or LITERAL, paths[m][1]) for m in machines
    }


def _build_refs(
    lab: Lab, refs: dict[str, str], revision: str, limit: int, timeout: float
) -> dict[str, BuiltSystem]:
    """Build flake references as they are (no module), each reference once."""
    unique = sorted(set(refs.values()))
    for ref in unique:
        if ref.split("#", 1)[0] not in ("", "."):
            raise BuildError(f"{ref}: elenta builds references into the lab's own flake ('.#name')")
    paths, stderr = _build_attrs(lab, "nixosConfigurations", [flake_attr(r) for r in unique], limit, timeout)
    if paths is None:
        users = {ref: ", ".join(m for m, r in refs.items() if r == ref) for ref in unique}
        what = ", ".join(f"{r} (for {users[r]})" for r in unique)
        raise BuildError(f"building {what} failed: {summarise_nix_error(stderr)}")
    built = {r: paths[flake_attr(r)] for r in unique}
    return {m: BuiltSystem(built[r][0], revision, r, built[r][1]) for m, r in refs.items()}


def lab_flake_source(lab: Lab) -> Callable[[], AbstractContextManager[Path]]:
    """The fact `nixos_flake_source`: `with provided(lab, "nixos_flake_source", None)() as folder:`
    the lab's flake with its NixOS modules, as a deploy builds it (`flake_source`)."""
    return functools.partial(flake_source, lab)
