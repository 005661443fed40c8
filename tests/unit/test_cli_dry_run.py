"""`--dry-run` on the commands that change something, run as a user would: it changes nothing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from elenta.netboot.store import NetbootStore
from tests.cli import run_elenta
from tests.unit.test_netboot_store import image

MAC = "52:54:00:00:01:05"


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file and link under `folder`: mode and content (or link target)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            out[str(path)] = (0, os.readlink(path))
        elif path.is_file():
            out[str(path)] = (path.stat().st_mode, hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            out[str(path)] = (path.stat().st_mode, "dir")
    return out


@pytest.fixture
def store(tmp_path: Path) -> NetbootStore:
    """A netboot store holding four generations of one MAC, all used long ago."""
    nb = NetbootStore(tmp_path / "store")
    for n in range(4):
        nb.place(MAC, image(tmp_path / f"img{n}", f"gen{n}", os.urandom(64)), {"machine": "hermes"})
    old = 1_000_000_000
    for path in nb.root.rglob("*"):
        os.utime(path, (old, old), follow_symlinks=False)
    return nb


def test_netboot_gc_and_rollback_dry_run_change_nothing(store: NetbootStore, example_lab_copy: Path) -> None:
    before = snapshot(store.root)
    lab = ["--lab", str(example_lab_copy)]
    gc = run_elenta("netboot", "gc", "--store", str(store.root), "--keep", "1", "--grace", "0", "-n", *lab)
    assert gc.returncode == 0, gc.stderr
    assert gc.stdout.count("\nwould remove ") == 2 and "gc: would remove 3" in gc.stdout
    rollback = run_elenta("netboot", "rollback", "--store", str(store.root), "--mac", MAC, "--dry-run", *lab)
    assert rollback.returncode == 0, rollback.stderr
    assert "would go back to" in rollback.stdout
    assert snapshot(store.root) == before
    real = run_elenta("netboot", "gc", "--store", str(store.root), "--keep", "1", "--grace", "0", *lab)
    assert real.stdout.startswith("removed ") and "gc: removed 3" in real.stdout  # the same, for real
    assert snapshot(store.root) != before


def test_build_image_dry_run_builds_and_writes_nothing(example_lab_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "image"
    result = run_elenta(
        "build-image", "--config", ".#netboot", "--out", str(out), "--dry-run", "--lab", str(example_lab_copy)
    )
    assert result.returncode == 0, result.stderr
    assert "would build .#netboot" in result.stdout and not out.exists()
    store = tmp_path / "store"
    placed = run_elenta(
        "build-image", "--canon", "hermes.canon", "--store", str(store), "-n", "--lab", str(example_lab_copy)
    )
    assert placed.returncode == 0, placed.stderr
    assert MAC in placed.stdout and not store.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["dns", "apply", "--dry-run"],
        ["nfs", "apply", "--dry-run"],
        ["apply", "--dry-run"],
        ["netboot", "deploy", "--dry-run"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_apply_commands_dry_run_touch_nothing(argv: list[str], example_lab_copy: Path) -> None:
    """Nothing reaches a host (none is up), and the lab folder and its state are left as they were."""
    before = snapshot(example_lab_copy)
    result = run_elenta(*argv, "--lab", str(example_lab_copy), timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dry run" in result.stdout + result.stderr
    after = snapshot(example_lab_copy)
    written = {p for p in set(after) - set(before) if "/.elenta/plans/" not in p}
    assert not written and {p: before[p] for p in before} == {p: after[p] for p in before}


def test_dry_run_is_refused_nowhere_and_means_the_same_everywhere() -> None:
    """Every command taking --dry-run takes -n too, with the same help opening."""
    from elenta.command.parser import build_parser, subcommand_parsers
    from elenta.tasks import namespace

    takers = []
    for name, parser in subcommand_parsers(build_parser(namespace)).items():
        for action in parser._actions:
            if "--dry-run" in action.option_strings:
                assert action.option_strings == ["-n", "--dry-run"], name
                assert action.help.startswith("show what would change, change nothing"), name
                takers.append(name)
    assert {
        "deploy",
        "switch",
        "boot",
        "rollback",
        "apply",
        "dns",
        "nfs",
        "net",
        "netboot",
        "build-image",
    } <= set(takers)
