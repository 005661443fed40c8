"""A lab's own settings: `elenta.toml` at the lab's root (optional; every key has a default).

```toml
[nix]
# nix.conf lines added to every Nix call elenta makes for this lab (builds, evaluations, copies),
# after the user's own Nix configuration. The example lab sets its offline settings here.
config = '''
substituters =
'''
substitute_on_destination = true   # `nix copy --substitute-on-destination`: hosts fetch from caches
build_on = "target"                # "deployer" (default) or "target": build on each host (a weak deployer)
sign_key = "~/.config/elenta/deploy.sec"  # `nix store sign` before copying (never inside the lab folder)

[ssh]
config = "ssh_config"              # `ssh -F` for the lab's machines (default: your ~/.ssh/config)

[timeouts]      # seconds
nix_build = 3600    # one `nix build` of the selected systems
nix_copy = 1800     # one `nix copy` of a closure to a host
```

Relative paths are the lab's.

`load_settings(Path("examples/lab")).nix.config`; `lab_nix_config(path)` finds the settings of
the lab a file or folder belongs to (the nearest `elenta.toml` upward).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from elenta.model.fields import PLAIN_PATH, StrictModel
from elenta.model.loading import load_document, validate

SETTINGS_FILE = "elenta.toml"

# `name = value`: what nix.conf accepts on one line; names are Nix setting names.
_NIX_CONF_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*\s*=[^\x00-\x08\x0b-\x1f\x7f]*$")


class NixSettings(StrictModel):
    """How elenta runs Nix for this lab."""

    config: str = ""
    substitute_on_destination: bool = False
    build_on: Literal["deployer", "target"] = "deployer"
    sign_key: str | None = Field(default=None, pattern=PLAIN_PATH)

    @field_validator("config")
    @classmethod
    def _nix_conf_lines(cls, value: str) -> str:
        for number, line in enumerate(value.splitlines(), 1):
            text = line.strip()
            if text and not text.startswith("#") and not _NIX_CONF_LINE.match(text):
                raise ValueError(f"line {number} is not a nix.conf setting `name = value`: {text[:60]!r}")
        return value


class Timeouts(StrictModel):
    """How long elenta waits for the long steps, in seconds (`[timeouts]` in `elenta.toml`)."""

    nix_build: float = Field(3600, gt=0, description="one `nix build` of every selected system")
    nix_copy: float = Field(1800, gt=0, description="one `nix copy` of a system's closure to a host")


class SshSettings(StrictModel):
    """How elenta reaches the lab's machines that `elenta lab up` did not start."""

    config: str | None = Field(default=None, pattern=PLAIN_PATH)


class LabSettings(StrictModel):
    """Everything `elenta.toml` may hold."""

    nix: NixSettings = NixSettings()
    timeouts: Timeouts = Timeouts()
    ssh: SshSettings = SshSettings()


def settings_path(root: Path, value: str) -> str:
    """A path from the settings, `~` expanded, relative to the lab: `settings_path(root, "ssh_config")`."""
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (root / path).resolve())


def load_settings(root: Path) -> LabSettings:
    """The settings of the lab at `root` (defaults when it has no `elenta.toml`); ModelError on faults.

    `load_settings(Path("examples/lab")).nix.config`
    """
    path = root / SETTINGS_FILE
    if not path.is_file():
        return LabSettings()
    return validate(LabSettings, load_document(path), path)


def settings_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding `elenta.toml`, if any.

    `settings_root(Path("examples/lab/constellations/homelab.toml"))` -> `Path(".../examples/lab")`
    """
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def lab_nix_config(start: Path) -> str:
    """The extra nix.conf lines of the lab that `start` (a file or folder) belongs to, or "".

    `nix_environment(config=lab_nix_config(Path("examples/lab")))`
    """
    root = settings_root(start)
    return load_settings(root).nix.config if root else ""
