"""The netboot store on a local folder: placing, switching, listing, gc with a grace period."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from elenta.netboot.errors import NetbootError
from elenta.netboot.store import NetbootStore

MAC = "52:54:00:00:01:05"
SCRIPT = "#!ipxe\nkernel bzImage init=/nix/store/{tag}/init initrd=initrd ${{cmdline}}\ninitrd initrd\nboot\n"


def image(folder: Path, tag: str, kernel_bytes: bytes | None = None) -> dict[str, Path]:
    """An image's files: kernel, initrd and NixOS-style netboot.ipxe, differing by `tag`."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "bzImage": kernel_bytes if kernel_bytes is not None else f"kernel {tag}\n".encode(),
        "initrd": f"initrd {tag}\n".encode(),
        "netboot.ipxe": SCRIPT.format(tag=tag).encode(),
    }
    out = {}
    for name, data in files.items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    return out


def served(store: NetbootStore, mac: str, name: str) -> bytes:
    """What a server following symlinks hands out for `<mac>/<name>`."""
    return (store.mac_dir(mac) / name).read_bytes()


def test_place_makes_an_image_current_and_reachable_by_mac(tmp_path: Path) -> None:
    store = NetbootStore(tmp_path / "store")
    placed = store.place(MAC, image(tmp_path / "a", "a"), {"machine": "hermes", "role": "netboot"})
    assert placed.copied and placed.switched
    assert store.current(MAC) == placed.generation
    assert os.readlink(store.mac_dir(MAC) / "current") == f"generations/{placed.generation}"
    script = served(store, MAC, "boot.ipxe").decode()
    assert f"kernel generations/{placed.generation}/bzImage init=/nix/store/a/init" in script
    kernel_path = script.split("kernel ", 1)[1].split()[0]
    assert served(store, MAC, kernel_path) == b"kernel a\n"
    assert "${mac:hexhyp}/boot.ipxe" in (store.root / "boot.ipxe").read_text()
    [entry] = store.entries()
    assert (entry.mac, entry.machine, entry.role, entry.generation, entry.generations) == (
        MAC,
        "hermes",
        "netboot",
        placed.generation,
        1,
    )


def test_same_content_again_changes_nothing_and_new_content_switches(tmp_path: Path) -> None:
    store = NetbootStore(tmp_path / "store")
    first = store.place(MAC, image(tmp_path / "a", "a"))
    again = store.place(MAC.upper().replace(":", "-"), image(tmp_path / "a2", "a"))
    assert again.generation == first.generation
    assert not again.copied and not again.switched
    second = store.place(MAC, image(tmp_path / "b", "b"))
    assert second.generation != first.generation and second.switched
    assert store.current(MAC) == second.generation
    assert b"generations/" + second.generation.encode() in served(store, MAC, "boot.ipxe")
    # A client that fetched the first script still gets the first generation's files.
    old_script = (store.mac_dir(MAC) / "generations" / first.generation / "boot.ipxe").read_text()
    old_kernel = old_script.split("kernel ", 1)[1].split()[0]
    assert served(store, MAC, old_kernel) == b"kernel a\n"
    assert [g.name for g in store.generations(MAC)] == [second.generation, first.generation]
    assert not [p for p in (store.mac_dir(MAC) / "generations").iterdir() if p.name.startswith(".")]


def test_rollback_to_an_earlier_generation(tmp_path: Path) -> None:
    store = NetbootStore(tmp_path / "store")
    first = store.place(MAC, image(tmp_path / "a", "a"))
    second = store.place(MAC, image(tmp_path / "b", "b"))
    assert store.rollback(MAC).switched  # to the one before
    assert store.current(MAC) == first.generation
    script = served(store, MAC, "boot.ipxe").decode()
    assert served(store, MAC, script.split("kernel ", 1)[1].split()[0]) == b"kernel a\n"
    assert store.rollback(MAC, second.generation[:8]).generation == second.generation
    assert not store.rollback(MAC, second.generation).switched
    with pytest.raises(NetbootError, match="no generation 'nope'"):
        store.rollback(MAC, "nope")
    with pytest.raises(NetbootError, match="no earlier generation"):
        NetbootStore(tmp_path / "other").rollback(MAC)


def test_gc_keeps_n_and_never_removes_a_generation_inside_the_grace_period(tmp_path: Path) -> None:
    store = NetbootStore(tmp_path / "store")
    gens = [store.place(MAC, image(tmp_path / t, t)).generation for t in "abcd"]
    # Everything was in use moments ago: with the default 30 s grace nothing goes.
    report = store.gc(keep=1)
    assert report.removed == [] and len(report.kept_young) == 3
    assert len(store.generations(MAC)) == 4
    # 60 s later, keep 2: the current one and the one before it stay.
    report = store.gc(keep=2, now=store.generations(MAC)[0].activated + 60)
    assert sorted(p.name for p in report.removed) == sorted(gens[:2])
    assert [g.name for g in store.generations(MAC)] == [gens[3], gens[2]]
    # keep=1 never removes the current generation, whatever its age.
    store.gc(keep=1, grace=0, now=store.generations(MAC)[0].activated + 3600)
    assert [g.name for g in store.generations(MAC)] == [gens[3]]
    assert store.current(MAC) == gens[3]
    with pytest.raises(NetbootError, match="at least 1"):
        store.gc(keep=0)


def test_gc_removes_abandoned_partial_copies_only_after_the_grace_period(tmp_path: Path) -> None:
    store = NetbootStore(tmp_path / "store")
    store.place(MAC, image(tmp_path / "a", "a"))
    partial = store.mac_dir(MAC) / "generations" / ".partial-dead"
    partial.mkdir()
    (partial / "bzImage").write_bytes(b"half")
    assert store.gc(keep=1).removed == []
    assert partial.exists()
    mtime = partial.stat().st_mtime
    assert store.gc(keep=1, now=mtime + 31).removed == [partial]
    assert not partial.exists()


def test_bad_images_are_refused_and_leave_nothing(tmp_path: Path) -> None:
    store = NetbootStore(tmp_path / "store")
    files = image(tmp_path / "a", "a")
    with pytest.raises(NetbootError, match="not a MAC"):
        store.place("52:54:00", files)
    with pytest.raises(NetbootError, match=r"needs netboot.ipxe"):
        store.place(MAC, {"bzImage": files["bzImage"]})
    missing = {k: v for k, v in files.items() if k != "initrd"}
    with pytest.raises(NetbootError, match="loads initrd, which the image does not have"):
        store.place(MAC, missing)
    (tmp_path / "bad.ipxe").write_text("kernel x\n")
    with pytest.raises(NetbootError, match=r"bad.ipxe: not an iPXE script"):
        store.place(MAC, {**files, "netboot.ipxe": tmp_path / "bad.ipxe"})
    with pytest.raises(NetbootError, match=r"'\.\./escape' cannot be an image file name"):
        store.place(MAC, {**files, "../escape": files["initrd"]})
    assert not (store.mac_dir(MAC) / "generations" / "escape").exists()
    assert store.current(MAC) is None
    assert list((store.mac_dir(MAC) / "generations").iterdir()) == []


def test_list_shows_each_mac(tmp_path: Path) -> None:
    store = NetbootStore(tmp_path / "store")
    store.place(MAC, image(tmp_path / "a", "a"), {"machine": "hermes", "role": "netboot"})
    store.place("52:54:00:00:01:06", image(tmp_path / "b", "b"), {"machine": "zeus", "role": "worker"})
    rows = [(e.mac, e.machine, e.role) for e in store.entries()]
    assert rows == [(MAC, "hermes", "netboot"), ("52:54:00:00:01:06", "zeus", "worker")]
    assert all(0 <= e.age < 30 for e in store.entries())


def test_out_folder_is_replaced_whole_and_a_foreign_folder_is_refused(tmp_path: Path) -> None:
    from elenta.netboot.build import BuiltImage, write_image_dir

    first = BuiltImage(".#netboot", image(tmp_path / "a", "a"), ("/nix/store/a",))
    second = BuiltImage(".#netboot", image(tmp_path / "b", "b"), ("/nix/store/b",))
    out = tmp_path / "out"
    write_image_dir(first, out)
    assert (out / "bzImage").read_bytes() == b"kernel a\n"
    write_image_dir(second, out)
    assert (out / "bzImage").read_bytes() == b"kernel b\n"
    assert '"/nix/store/b"' in (out / "meta.json").read_text()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(NetbootError, match="is not a netboot image folder; not overwriting it"):
        write_image_dir(first, foreign)
    assert (foreign / "notes.txt").read_text() == "mine"
