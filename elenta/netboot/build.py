"""Building a role's netboot image with `nix build`, and placing it at a path or in a store.

A NixOS netboot configuration exposes three derivations under `config.system.build`:
`kernel` (holding `bzImage`), `netbootRamdisk` (holding `initrd`) and `netbootIpxeScript`
(holding `netboot.ipxe`). `build_image(".#netboot", lab_dir)` builds all three offline.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from elenta.model.settings import lab_nix_config
from elenta.netboot.errors import NetbootError
from elenta.netboot.render import INITRD_NAME, KERNEL_NAME, NIX_SCRIPT_NAME
from elenta.nix import NixError, flake_snapshot, flake_uri, run_nix

# (attribute under config.system.build, file inside its output, name in the image)
OUTPUTS = (
    ("kernel", KERNEL_NAME, KERNEL_NAME),
    ("netbootRamdisk", INITRD_NAME, INITRD_NAME),
    ("netbootIpxeScript", NIX_SCRIPT_NAME, NIX_SCRIPT_NAME),
)


@dataclass(frozen=True)
class BuiltImage:
    """A built image: its files by name (in the Nix store) and the store paths they came from."""

    config: str
    files: dict[str, Path]
    store_paths: tuple[str, ...]

    def meta(self) -> dict[str, object]:
        """What a store generation records about where it came from."""
        return {"config": self.config, "store_paths": list(self.store_paths)}


def build_attribute(config: str, flake_dir: Path, output: str) -> str:
    """The installable of one netboot output of a role.

    `build_attribute(".#netboot", Path("/lab"), "kernel")` ->
    `"path:/lab#nixosConfigurations.netboot.config.system.build.kernel"`.
    """
    if "#" not in config:
        raise NetbootError(f"--config {config!r}: expected a flake reference such as '.#netboot'")
    uri = flake_uri(config, flake_dir)
    base, attr = uri.split("#", 1)
    if not attr:
        raise NetbootError(f"--config {config!r}: names no configuration after '#'")
    if not attr.startswith("nixosConfigurations."):
        attr = f"nixosConfigurations.{attr}"
    return f"{base}#{attr}.config.system.build.{output}"


def build_image(config: str, flake_dir: Path) -> BuiltImage:
    """Run `nix build` for the kernel, initrd and iPXE script of a role, offline.

    `build_image(".#netboot", Path("examples/lab"))`; raises NetbootError naming the attribute
    and Nix's message when one does not build, or when an output lacks its file.
    """
    files: dict[str, Path] = {}
    paths: list[str] = []
    nix_config = lab_nix_config(flake_dir)
    with flake_snapshot(flake_dir) as source:
        for output, inner, name in OUTPUTS:
            installable = build_attribute(config, source, output)
            try:
                raw = run_nix(
                    ["build", "--no-link", "--json", installable],
                    what=f"nix build {installable}",
                    config=nix_config,
                )
            except NixError as exc:
                message = str(exc).replace(str(source), str(flake_dir))
                if f"attribute '{output}' missing" in message or "does not provide attribute" in message:
                    message = (
                        f"--config {config}: builds no netboot image (the flake has no such "
                        f"configuration, or it does not import nixpkgs' netboot module: no "
                        f"system.build.{output}); Nix said: {message}"
                    )
                raise NetbootError(message) from None
            out_path = Path(json.loads(raw)[0]["outputs"]["out"])
            file = out_path / inner if out_path.is_dir() else out_path
            if not file.is_file():
                raise NetbootError(f"{installable}: the output {out_path} has no {inner}")
            files[name] = file
            paths.append(str(out_path))
    return BuiltImage(config, files, tuple(paths))


def write_image_dir(image: BuiltImage, out: Path) -> Path:
    """Copy an image's files into folder `out`, replacing an earlier image there as one step.

    `write_image_dir(build_image(".#netboot", lab), Path("/tmp/img"))` leaves
    `/tmp/img/{bzImage,initrd,netboot.ipxe}`. A folder at `out` holding anything but an image is
    left alone (error).
    """
    out = out.absolute()
    if out.exists() and not (out / NIX_SCRIPT_NAME).is_file() and (not out.is_dir() or any(out.iterdir())):
        raise NetbootError(f"--out {out}: exists and is not a netboot image folder; not overwriting it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial-{uuid.uuid4().hex}")
    tmp.mkdir()
    try:
        for name, src in image.files.items():
            shutil.copyfile(src, tmp / name)
            os.chmod(tmp / name, 0o644)
        (tmp / "meta.json").write_text(json.dumps(image.meta(), indent=2) + "\n")
        os.chmod(tmp, 0o755)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex}")
            os.rename(out, old)
        os.rename(tmp, out)
        if old is not None:
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out
