"""Subsystems as plugins: the registry, a test subsystem registered without any core edit, a core
that imports no subsystem, and a command line that imports a subsystem only to run its tasks."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest_plan import edit_constellation

from elenta.subsystem import ENV_PLUGINS, Subsystem, SubsystemError, check_names, named, registered
from tests.cli import run_elenta
from tests.conftest import EXAMPLE_LAB, REPO

MOTD = "tests.plugins.motd.subsystem"
BUILT_IN = ["nixos", "hostdata", "dns", "dhcp", "nfs", "netboot", "firewall", "switch", "topology", "doctor"]


def with_motd() -> dict[str, str]:
    """The environment of a command that registers the motd test subsystem."""
    return {**os.environ, ENV_PLUGINS: MOTD, "PYTHONPATH": str(REPO)}


def elenta(
    *args: str, env: dict[str, str] | None = None, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    return run_elenta(*args, cwd=cwd, env=env or with_motd(), timeout=120)


def test_the_built_in_subsystems_are_registered_in_deploy_order(monkeypatch):
    monkeypatch.delenv(ENV_PLUGINS, raising=False)
    assert [s.name for s in registered()] == BUILT_IN
    assert all(isinstance(s, Subsystem) for s in registered())
    assert named("dns").deploy == "elenta.deploys.dns"


def test_a_plugin_named_in_the_environment_joins_the_registry(monkeypatch):
    monkeypatch.setenv(ENV_PLUGINS, MOTD)
    names = [s.name for s in registered()]
    assert names == [
        "nixos",
        "hostdata",
        "dns",
        "dhcp",
        "nfs",
        "netboot",
        "firewall",
        "motd",
        "switch",
        "topology",
        "doctor",
    ]
    assert check_names(["motd", "dns"]) == ("motd", "dns")


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("tests.plugins.nothing_here", "cannot be loaded"),
        ("tests.plugins.motd.render:MOTD", "is not a named elenta.subsystem.Subsystem"),
    ],
)
def test_a_plugin_that_cannot_be_loaded_is_named(monkeypatch, reference, message):
    monkeypatch.setenv(ENV_PLUGINS, reference)
    with pytest.raises(SubsystemError, match=message):
        registered()
    result = elenta("check", env={**with_motd(), ENV_PLUGINS: reference})
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {reference!r}" if ":" in reference else "error: subsystem")
    assert "Traceback" not in result.stderr


def test_an_installation_without_the_entry_points_says_what_to_run(monkeypatch):
    import importlib.metadata

    from elenta import subsystem

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [])
    subsystem._registry.cache_clear()
    try:
        with pytest.raises(SubsystemError, match=r"scripts/setup\.sh"):
            registered()
    finally:
        monkeypatch.undo()
        subsystem._registry.cache_clear()
    assert [s.name for s in registered()][:2] == ["nixos", "hostdata"]


def test_an_unknown_subsystem_is_refused_before_anything_runs(example_lab_copy):
    result = elenta("deploy", "--only", "motd,nosuch", "--lab", str(example_lab_copy), "--no-dns")
    assert result.returncode == 2
    assert "no subsystem is named 'nosuch'" in result.stderr and "motd" in result.stderr


def test_elenta_check_runs_the_plugin_check(example_lab_copy):
    result = elenta("check", str(example_lab_copy))
    assert result.returncode == 0, result.stderr
    assert (
        "ok: subsystems nixos, hostdata, dns, dhcp, nfs, netboot, firewall, motd, switch, topology, doctor"
        in result.stdout
    )
    edit_constellation(example_lab_copy, 'data = { zone_admin = "hostmaster" }', 'data = { motd = "a\\tb" }')
    result = elenta("check", str(example_lab_copy))
    assert result.returncode == 2
    constellation = example_lab_copy / "constellations" / "homelab.toml"
    assert f"{constellation}: machines.toto.data.motd: a motd is one printable line" in result.stderr
    # Without the plugin the same lab is fine: the fault is the plugin's alone.
    assert elenta("check", str(example_lab_copy), env=dict(os.environ)).returncode == 0


def test_elenta_plan_holds_the_plugin_artifacts_and_diffs_them(example_lab_copy, tmp_path):
    first = elenta("plan", "--lab", str(example_lab_copy), "--out", str(tmp_path / "one"))
    assert first.returncode == 0, first.stderr
    assert (
        tmp_path / "one/artifacts/motd/machines/toto/motd"
    ).read_text() == "toto.canon: managed by elenta\n"
    assert "motd" in first.stdout
    edit_constellation(example_lab_copy, 'data = { zone_admin = "hostmaster" }', 'data = { motd = "hello" }')
    second = elenta("plan", "--lab", str(example_lab_copy), "--out", str(tmp_path / "two"))
    assert second.returncode == 0, second.stderr
    diff = elenta("diff", str(tmp_path / "one"), str(tmp_path / "two"), "--lab", str(example_lab_copy))
    assert diff.returncode == 0, diff.stderr
    assert "motd" in diff.stdout and "+hello" in diff.stdout
    # Its part of toto's NixOS module, through the registry (no core edit, no import of it).
    module = json.loads((tmp_path / "two/artifacts/nixos/machines/toto/module.json").read_text())
    assert module["config"]["users"]["motd"] == "hello"
    assert (
        "users"
        not in json.loads((tmp_path / "one/artifacts/nixos/machines/toto/module.json").read_text())["config"]
    )


def test_the_plugin_tasks_are_elenta_tasks():
    listing = elenta("--help")
    assert "    motd " in listing.stdout
    result = elenta("motd", "--lab", str(EXAMPLE_LAB))
    assert result.returncode == 0, result.stderr
    assert "toto.canon: toto.canon: managed by elenta" in result.stdout


def test_a_host_wants_the_plugin_through_the_inventory(monkeypatch):
    from elenta.inventory import machine_subsystems
    from elenta.model.lab import load_lab

    monkeypatch.setenv(ENV_PLUGINS, MOTD)
    assert machine_subsystems(load_lab(EXAMPLE_LAB), "toto") == ["nixos", "dns", "motd"]


# -- the core names no subsystem -----------------------------------------------------------------


def subsystem_packages() -> set[str]:
    """`elenta.dns`, … : the package of each registered subsystem."""
    return {type(s).__module__.rsplit(".", 1)[0] for s in registered()}


def subsystem_modules() -> tuple[set[str], set[str]]:
    """The subsystems' packages (`elenta.dns`) and faces (`elenta.tasks.dns`, `elenta.deploys.dns`, …)."""
    faces = {s.tasks for s in registered() if s.tasks} | {s.deploy for s in registered() if s.deploy}
    for face in ("operations", "facts", "deploys"):
        faces |= {f"elenta.{face}.{p.stem}" for p in (REPO / "elenta" / face).glob("[!_]*.py")}
    return subsystem_packages(), faces


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


def core_modules() -> list[Path]:
    """Every module of elenta that is neither a subsystem's nor one of its faces (nor the lab double)."""
    packages, faces = subsystem_modules()
    return [
        path
        for path in sorted((REPO / "elenta").rglob("*.py"))
        if not any(module_name(path).startswith(p) for p in (*packages, "elenta.lab"))
        and module_name(path) not in faces
    ]


def imported_names(path: Path) -> list[str]:
    """Every module an `import` or `from … import` of the file names, at any depth of the code."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names


def test_no_core_module_imports_a_subsystem(monkeypatch):
    monkeypatch.delenv(ENV_PLUGINS, raising=False)
    packages, faces = subsystem_modules()
    modules = core_modules()
    core = {module_name(p) for p in modules}
    assert {"elenta.compile.plan", "elenta.pipeline.run", "elenta.inventory", "elenta.cli"} <= core
    assert {"elenta.tasks.plan", "elenta.compile.drift"} <= core and "elenta.tasks.dns" not in core
    offenders = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in modules
        for name in imported_names(path)
        if name in faces or any(name == p or name.startswith(p + ".") for p in packages)
    ]
    assert offenders == []


def test_help_imports_no_subsystem_code():
    probe = (
        "import sys\nfrom elenta.cli import main\nsys.argv = ['elenta', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('\\n' + __import__('json').dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, env=with_motd(), capture_output=True, text=True, timeout=60
    )
    modules = json.loads(result.stderr.strip().splitlines()[-1])
    # What listing the tasks needs: each subsystem's registration and its invoke task module.
    declarations = {f"{p}.subsystem" for p in subsystem_packages()} | {MOTD, "tests.plugins.motd.tasks"}
    packages = {m.rsplit(".", 1)[0] for m in declarations if m.endswith(".subsystem")}
    subsystem_code = [
        m
        for m in modules
        if any(
            m.startswith(p + ".") for p in packages | {"elenta.operations", "elenta.facts", "elenta.deploys"}
        )
        and m not in declarations
    ]
    assert subsystem_code == []
    assert not {"pyinfra", "netmiko", "jinja2", "dns", "pydantic", "paramiko"} & set(modules)


# -- no subsystem imports another ----------------------------------------------------------------


def own_modules(subsystem: Subsystem) -> set[str]:
    """A subsystem's package and its faces: `{"elenta.dns", "elenta.tasks.dns", "elenta.deploys.dns", …}`."""
    package = type(subsystem).__module__.rsplit(".", 1)[0]
    faces = {f"elenta.{face}.{subsystem.name}" for face in ("operations", "facts", "deploys")}
    return {package, *(m for m in (subsystem.tasks, subsystem.deploy) if m), *faces}


def owner_of(module: str, owners: dict[str, str]) -> str | None:
    """The subsystem whose package or face `module` is (or is inside), if any."""
    for prefix, name in owners.items():
        if module == prefix or module.startswith(prefix + "."):
            return name
    return None


def test_no_subsystem_imports_another(monkeypatch):
    """Subsystems meet only through the registry (nixos_part, host_part, provides): removing one's
    entry point removes its parts and breaks none of the others. Nothing is whitelisted."""
    monkeypatch.delenv(ENV_PLUGINS, raising=False)
    owners = {module: s.name for s in registered() for module in own_modules(s)}
    files = [
        path
        for path in sorted((REPO / "elenta").rglob("*.py"))
        if owner_of(module_name(path), owners) is not None
    ]
    assert any(module_name(p) == "elenta.nixos.module" for p in files)
    assert any(module_name(p) == "elenta.tasks.net" for p in files)  # the switch's tasks
    offenders = sorted(
        {
            f"{path.relative_to(REPO)} ({owner_of(module_name(path), owners)}) imports {name}"
            for path in files
            for name in imported_names(path)
            if owner_of(name, owners) not in (None, owner_of(module_name(path), owners))
        }
    )
    assert offenders == []


def test_the_import_check_sees_an_import_of_another_subsystem(tmp_path, monkeypatch):
    """The check above can fail: a nested import of another subsystem's module is found."""
    monkeypatch.delenv(ENV_PLUGINS, raising=False)
    owners = {module: s.name for s in registered() for module in own_modules(s)}
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from elenta.dns.render import dns_hosts\n    return dns_hosts\n")
    assert {owner_of(n, owners) for n in imported_names(sample)} == {"dns"}
