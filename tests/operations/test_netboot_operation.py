"""The netboot operation and fact, pyinfra fixture style: facts in, commands out.

Each `netboot.image/<case>.json` holds the image's files (`image`: name -> text), the operation's
`kwargs`, the `facts` it reads and the `commands` it must yield (or the `exception` it must
raise). `{image}` stands for the folder the image's files are written to, `{gen}` for the
generation (content hash) the files give.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from elenta.facts.netboot import NetbootStoreState, parse_store_state, store_state_command
from elenta.netboot.store import NetbootStore, image_generation
from elenta.operations import netboot
from tests.operations.harness import FakeHost, run_operation

HERE = Path(__file__).parent
CASES = sorted((HERE / "netboot.image").glob("*.json"))


def substitute(value: Any, table: dict[str, str]) -> Any:
    if isinstance(value, str):
        for key, text in table.items():
            value = value.replace("{" + key + "}", text)
        return value
    if isinstance(value, list):
        return [substitute(v, table) for v in value]
    if isinstance(value, dict):
        return {substitute(k, table): substitute(v, table) for k, v in value.items()}
    return value


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_image_operation(case: Path, tmp_path: Path) -> None:
    data = json.loads(case.read_text())
    folder = tmp_path / "image"
    folder.mkdir()
    for name, text in data["image"].items():
        (folder / name).write_text(text)
    table = {"image": str(folder), "gen": image_generation({n: folder / n for n in data["image"]})}
    kwargs = substitute(data["kwargs"], table)
    host = FakeHost(substitute(data["facts"], table), "archimedes")
    if "exception" in data:
        with pytest.raises(Exception) as caught:
            run_operation(netboot.image, host, **kwargs)
        assert type(caught.value).__name__ == data["exception"]["name"]
        assert data["exception"]["contains"] in str(caught.value)
        return
    commands = run_operation(netboot.image, host, **kwargs)
    assert commands == substitute(data["commands"], table)
    assert (host.noop_description is not None) == (commands == [])


def test_remote_generation_matches_the_local_store(tmp_path: Path) -> None:
    """The operation and a local store name the same image the same way."""
    folder = tmp_path / "image"
    folder.mkdir()
    files = {}
    for name, text in {
        "bzImage": "k",
        "initrd": "i",
        "netboot.ipxe": "#!ipxe\nkernel bzImage\nboot\n",
    }.items():
        (folder / name).write_text(text)
        files[name] = folder / name
    assert NetbootStore(tmp_path / "s").place("52:54:00:00:01:05", files).generation == image_generation(
        files
    )


def test_store_state_fact_reads_a_real_store(tmp_path: Path) -> None:
    import subprocess

    store = NetbootStore(tmp_path / "store")
    folder = tmp_path / "image"
    folder.mkdir()
    (folder / "bzImage").write_text("k")
    (folder / "netboot.ipxe").write_text("#!ipxe\nkernel bzImage\nboot\n")
    placed = store.place("52:54:00:00:01:05", {n: folder / n for n in ("bzImage", "netboot.ipxe")})
    fact = NetbootStoreState()
    for mac_folder, expected in (
        (
            "52-54-00-00-01-05",
            {"current": placed.generation, "script_link": True, "generations": [placed.generation]},
        ),
        ("52-54-00-00-01-06", {"current": None, "script_link": False, "generations": []}),
    ):
        command = fact.command(store=str(store.root), mac_folder=mac_folder)
        assert command == store_state_command(str(store.root), mac_folder)
        out = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout
        assert fact.process(out.splitlines()) == expected
    assert parse_store_state([]) == NetbootStoreState.default()


@pytest.mark.parametrize(
    ("earlier", "changed", "host_result"),
    [
        ([], False, "unchanged"),  # netboot alone, nothing to do
        ([], True, "changed"),
        (["unchanged"], False, "unchanged"),
        (["changed"], False, "changed"),  # NixOS changed the host: netboot's no-op must not hide it
        (["changed"], True, "changed"),
    ],
)
def test_deploy_record_never_hides_an_earlier_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, earlier: list[str], changed: bool, host_result: str
) -> None:
    from elenta.deploys.netboot import record_result
    from elenta.pipeline.deploy_settings import ENV_DEPLOY_DIR
    from elenta.pipeline.record import host_events, note

    monkeypatch.setenv(ENV_DEPLOY_DIR, str(tmp_path))
    for result in earlier:
        note("archimedes.canon", "done", "nixos", result=result)
    record_result("archimedes.canon", "detail", changed)
    events = host_events(tmp_path, "archimedes.canon")
    assert events[-1]["event"] == "netboot"
    assert [e["result"] for e in events if "result" in e][-1] == host_result
