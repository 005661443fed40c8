"""The netboot store: per MAC, generations named by content hash and a `current` link.

Layout (served as one tree over TFTP and HTTP; scripts rendered by `elenta.netboot.render`):

    <store>/boot.ipxe                                top-level, chains ${mac:hexhyp}/boot.ipxe
    <store>/<mac>/boot.ipxe -> current/boot.ipxe     per-MAC script, follows `current`
    <store>/<mac>/current   -> generations/<hash>    swapped atomically with rename(2)
    <store>/<mac>/generations/<hash>/                bzImage, initrd, netboot.ipxe, boot.ipxe, meta.json

A placement copies into `generations/.partial-*` while hashing, renames the finished folder to
its hash, then swaps `current`: killed at any point, `current` still names a complete image.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from elenta.model.names import normalise_mac
from elenta.netboot import DEFAULT_GRACE
from elenta.netboot.errors import NetbootError
from elenta.netboot.render import (
    NIX_SCRIPT_NAME,
    SCRIPT_NAME,
    BootSpec,
    generation_script,
    hexhyp,
    parse_ipxe_script,
    top_script,
)

GENERATIONS = "generations"
CURRENT = "current"
META = "meta.json"
ACTIVATED = "activated"  # in a generation: when it last became current
RETIRED = "retired"  # in a generation: when it stopped being current
PARTIAL = ".partial-"
STORE_CONFIG = "store.json"
MACHINE = "machine.json"  # in a MAC folder: which machine and role boot by this MAC
CHUNK = 1 << 20
RESERVED = ("boot.ipxe", META, ACTIVATED, RETIRED)
_MAC_DIR = re.compile(r"^[0-9a-f]{2}(-[0-9a-f]{2}){5}$")


@dataclass(frozen=True)
class Placed:
    """What `place` did: the generation now current, and whether anything changed."""

    mac: str
    generation: str
    copied: bool
    switched: bool
    path: Path


@dataclass(frozen=True)
class Generation:
    """One image of one MAC as found in the store."""

    name: str
    path: Path
    meta: dict[str, Any]
    activated: float
    retired: float | None
    current: bool

    def age(self, now: float | None = None) -> float:
        """Seconds since this image was last in use (0 while current): `gen.age()`."""
        now = time.time() if now is None else now
        if self.current:
            return 0.0
        last = max(self.retired or 0.0, self.activated, float(self.meta.get("created", 0)))
        return max(0.0, now - last)


@dataclass(frozen=True)
class StoreEntry:
    """One row of `elenta netboot list`."""

    mac: str
    machine: str
    role: str
    generation: str
    age: float
    generations: int


@dataclass
class GcReport:
    """What `gc` removed and what it kept because it was younger than the grace period."""

    removed: list[Path] = field(default_factory=list)
    kept_young: list[Path] = field(default_factory=list)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_hashing(src: BinaryIO, dst: Path) -> str:
    digest = hashlib.sha256()
    with open(dst, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def combine_hashes(file_hashes: Mapping[str, str]) -> str:
    """A generation's name from its files' SHA-256: `combine_hashes({"bzImage": "ab…", …})`."""
    digest = hashlib.sha256()
    for name in sorted(file_hashes):
        digest.update(f"{name}\0{file_hashes[name]}\n".encode())
    return digest.hexdigest()[:32]


def image_generation(files: Mapping[str, Path]) -> str:
    """The generation an image's files would get in any store: `image_generation(built.files)`."""
    hashes = {}
    for name, path in files.items():
        digest = hashlib.sha256()
        with open(path, "rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
        hashes[name] = digest.hexdigest()
    return combine_hashes(hashes)


def check_names(files: Mapping[str, object], where: str) -> None:
    """Image file names are plain names that are not the store's own: `check_names(files, mac)`."""
    for name in files:
        if not name or "/" in name or name.startswith(".") or name in RESERVED:
            raise NetbootError(f"{where}: {name!r} cannot be an image file name")


def check_image(files: Mapping[str, object], script_text: str, where: str) -> BootSpec:
    """Refuse an image that cannot boot: no `netboot.ipxe`, a bad script, a file it loads missing.

    `check_image({"bzImage": …, "initrd": …, "netboot.ipxe": …}, script, "/path")` -> its BootSpec.
    """
    check_names(files, where)
    try:
        spec = parse_ipxe_script(script_text)
    except ValueError as exc:
        raise NetbootError(f"{where}: {exc}") from None
    missing = [n for n in (spec.kernel, *spec.initrds) if n not in files]
    if missing:
        raise NetbootError(f"{where}: loads {', '.join(missing)}, which the image does not have")
    return spec


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _symlink_atomic(path: Path, target: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    os.symlink(target, tmp)
    os.replace(tmp, path)


def _read_float(path: Path) -> float | None:
    try:
        return float(path.read_text().strip())
    except (OSError, ValueError):
        return None


class NetbootStore:
    """A netboot store rooted at a folder: `store = NetbootStore(Path("/srv/netboot"))`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    # -- paths ------------------------------------------------------------------------------

    def mac_dir(self, mac: str) -> Path:
        """`store.mac_dir("52:54:00:00:01:05") == root / "52-54-00-00-01-05"`."""
        return self.root / hexhyp(_checked_mac(mac, self.root))

    def current(self, mac: str) -> str | None:
        """The generation `current` names for a MAC, or None: `store.current(mac)`."""
        link = self.mac_dir(mac) / CURRENT
        try:
            return Path(os.readlink(link)).name
        except OSError:
            return None

    def macs(self) -> list[str]:
        """Every MAC with a folder in the store, colon form: `store.macs()`."""
        if not self.root.is_dir():
            return []
        return sorted(p.name.replace("-", ":") for p in self.root.iterdir() if _MAC_DIR.match(p.name))

    # -- store-wide -------------------------------------------------------------------------

    def http_base(self) -> str | None:
        """The HTTP base the top-level script chains to (from `store.json`), if any."""
        try:
            return json.loads((self.root / STORE_CONFIG).read_text()).get("http_base")
        except (OSError, ValueError):
            return None

    def init(self, http_base: str | None = None) -> None:
        """Create the store and its top-level script: `store.init("http://${next-server}:8080")`."""
        if not self.root.is_dir():
            self.root.mkdir(parents=True)
            os.chmod(self.root, 0o755)  # tftpd drops to `nobody` inside its chroot
        if http_base is not None:
            config = {"http_base": http_base or None}
            _write_atomic(self.root / STORE_CONFIG, (json.dumps(config, indent=2) + "\n").encode())
        wanted = top_script(self.http_base()).encode()
        top = self.root / SCRIPT_NAME
        if not top.exists() or top.read_bytes() != wanted:
            _write_atomic(top, wanted)

    @contextlib.contextmanager
    def _locked(self, mac_dir: Path) -> Iterator[None]:
        if not mac_dir.is_dir():
            mac_dir.mkdir(parents=True)
            os.chmod(mac_dir, 0o755)  # readable by servers that drop privileges, whatever the umask
        with open(mac_dir / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    # -- placing ----------------------------------------------------------------------------

    def place(self, mac: str, files: Mapping[str, Path], meta: Mapping[str, Any] | None = None) -> Placed:
        """Copy an image's files in as a generation and make it current.

        `store.place("52:54:00:00:01:05", {"bzImage": k, "initrd": i, "netboot.ipxe": s},
        {"machine": "hermes", "role": "netboot"})`. The files must include `netboot.ipxe` (the
        script NixOS builds) and every file it loads. Placing the same content again copies
        into a partial folder, finds the generation present and changes nothing.
        """
        mac = _checked_mac(mac, self.root)
        if NIX_SCRIPT_NAME not in files:
            raise NetbootError(f"{mac}: an image needs {NIX_SCRIPT_NAME} (got {', '.join(sorted(files))})")
        check_names(files, mac)
        self.init()
        mac_dir = self.mac_dir(mac)
        generations = mac_dir / GENERATIONS
        with self._locked(mac_dir):
            if not generations.is_dir():
                generations.mkdir()
                os.chmod(generations, 0o755)
            partial = generations / f"{PARTIAL}{uuid.uuid4().hex}"
            partial.mkdir()
            try:
                hashes = {}
                for name in sorted(files):
                    with open(files[name], "rb") as src:
                        hashes[name] = _copy_hashing(src, partial / name)
                    os.chmod(partial / name, 0o644)
                generation = combine_hashes(hashes)
                try:
                    script_text = (partial / NIX_SCRIPT_NAME).read_text()
                except UnicodeDecodeError:
                    script_text = ""
                spec = check_image(files, script_text, str(files[NIX_SCRIPT_NAME]))
                final = generations / generation
                copied = not final.exists()
                if copied:
                    title = (
                        f"{meta.get('machine', '?')} ({mac}), role {meta.get('role', '?')}" if meta else ""
                    )
                    script = generation_script(generation, spec, title=title)
                    (partial / SCRIPT_NAME).write_text(script)
                    record = {"mac": mac, "generation": generation, "created": time.time(), **(meta or {})}
                    (partial / META).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
                    for extra in (SCRIPT_NAME, META):
                        os.chmod(partial / extra, 0o644)
                    os.chmod(partial, 0o755)
                    _fsync_dir(partial)
                    os.rename(partial, final)
                    _fsync_dir(generations)
            finally:
                if partial.exists():
                    shutil.rmtree(partial)
            switched = self._activate(mac_dir, generation)
            if meta:
                owner = {"machine": meta.get("machine", "-"), "role": meta.get("role", "-")}
                _write_atomic(mac_dir / MACHINE, (json.dumps(owner, sort_keys=True) + "\n").encode())
        return Placed(mac, generation, copied, switched, final)

    def _activate(self, mac_dir: Path, generation: str) -> bool:
        previous = self.current(mac_dir.name)
        target = f"{GENERATIONS}/{generation}"
        script_link = mac_dir / SCRIPT_NAME
        if not script_link.is_symlink():
            _symlink_atomic(script_link, f"{CURRENT}/{SCRIPT_NAME}")
        if previous == generation:
            return False
        now = f"{time.time()}\n".encode()
        _write_atomic(mac_dir / GENERATIONS / generation / ACTIVATED, now)
        _symlink_atomic(mac_dir / CURRENT, target)
        _fsync_dir(mac_dir)
        if previous and (mac_dir / GENERATIONS / previous).is_dir():
            _write_atomic(mac_dir / GENERATIONS / previous / RETIRED, now)
        return True

    def rollback(self, mac: str, generation: str = "") -> Placed:
        """Make an earlier generation current again: `store.rollback(mac)` (the one before), or
        `store.rollback(mac, "1a2b…")` (a generation, or a unique prefix of one)."""
        mac_dir = self.mac_dir(mac)
        gens = self.generations(mac)
        if not generation:
            earlier = [g for g in gens if not g.current]
            if not earlier:
                raise NetbootError(f"{mac_dir}: no earlier generation to roll back to")
            generation = earlier[0].name
        matches = [g.name for g in gens if g.name.startswith(generation)]
        generation = matches[0] if len(matches) == 1 else generation
        path = mac_dir / GENERATIONS / generation
        if not (path / META).is_file():
            raise NetbootError(f"{mac_dir}: no generation {generation!r}")
        with self._locked(mac_dir):
            switched = self._activate(mac_dir, generation)
        return Placed(normalise_mac(mac), generation, False, switched, path)

    # -- reading ----------------------------------------------------------------------------

    def generations(self, mac: str) -> list[Generation]:
        """A MAC's complete generations, most recently activated first: `store.generations(mac)`."""
        mac_dir = self.mac_dir(mac)
        folder = mac_dir / GENERATIONS
        if not folder.is_dir():
            return []
        current = self.current(mac)
        out = []
        for path in folder.iterdir():
            if path.name.startswith(".") or not (path / META).is_file():
                continue
            try:
                meta = json.loads((path / META).read_text())
            except ValueError:
                meta = {}
            activated = _read_float(path / ACTIVATED) or float(meta.get("created", 0))
            out.append(
                Generation(
                    path.name, path, meta, activated, _read_float(path / RETIRED), path.name == current
                )
            )
        return sorted(out, key=lambda g: (not g.current, -g.activated, g.name))

    def entries(self, now: float | None = None) -> list[StoreEntry]:
        """One row per MAC for `elenta netboot list`: `store.entries()`."""
        now = time.time() if now is None else now
        rows = []
        for mac in self.macs():
            gens = self.generations(mac)
            current = next((g for g in gens if g.current), None)
            meta = dict(current.meta) if current else {}
            with contextlib.suppress(OSError, ValueError):
                meta.update(json.loads((self.mac_dir(mac) / MACHINE).read_text()))
            age = now - current.activated if current else 0.0
            rows.append(
                StoreEntry(
                    mac,
                    str(meta.get("machine", "-")),
                    str(meta.get("role", "-")),
                    current.name if current else "-",
                    max(0.0, age),
                    len(gens),
                )
            )
        return rows

    # -- garbage collection -----------------------------------------------------------------

    def gc(
        self, keep: int = 3, grace: float = DEFAULT_GRACE, now: float | None = None, dry_run: bool = False
    ) -> GcReport:
        """Remove all but the `keep` most recently used generations of each MAC.

        `store.gc(keep=2)`; `dry_run=True` reports what it would remove and removes nothing.
        Never removes the current generation, nor one in use less than
        `grace` seconds ago (a client may still be loading the files its script named), nor a
        partial copy younger than `grace` (a placement may be running).
        """
        if keep < 1:
            raise NetbootError(f"{self.root}: --keep must be at least 1 (the current image), got {keep}")
        now = time.time() if now is None else now
        report = GcReport()
        for mac in self.macs():
            mac_dir = self.mac_dir(mac)
            with self._locked(mac_dir):
                for i, gen in enumerate(self.generations(mac)):
                    if gen.current or i < keep:
                        continue
                    if gen.age(now) < grace:
                        report.kept_young.append(gen.path)
                        continue
                    if not dry_run:
                        shutil.rmtree(gen.path)
                    report.removed.append(gen.path)
                folder = mac_dir / GENERATIONS
                for partial in folder.glob(f"{PARTIAL}*") if folder.is_dir() else []:
                    if now - partial.stat().st_mtime >= grace and not dry_run:
                        shutil.rmtree(partial)
                        report.removed.append(partial)
        return report


def _checked_mac(text: str, where: Path) -> str:
    try:
        return normalise_mac(text)
    except ValueError as exc:
        raise NetbootError(f"{where}: {exc}") from None
