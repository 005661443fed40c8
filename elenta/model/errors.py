"""Errors a person can act on: each names the file, the key path and what is wrong."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def key_path(loc: Sequence[str | int]) -> str:
    """Join a location into a dotted key path, quoting keys that are not bare TOML keys.

    >>> key_path(("machines", "toto.canon", "interfaces", 0, "mac"))
    'machines."toto.canon".interfaces[0].mac'
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = part if _BARE_KEY.match(part) else f'"{part}"'
        out += f".{text}" if out else text
    return out or "(top level)"


@dataclass(frozen=True)
class Fault:
    """One thing wrong in one input: `Fault("cadaster.toml", "machines.toto.mac", "...")`."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class ElentaError(Exception):
    """Base of every error elenta reports to a person (CLI exit code 2 for model faults)."""

    exit_code = 1


class ModelError(ElentaError):
    """One or more faults in the cadaster or a constellation; nothing has been done.

    >>> str(ModelError([Fault("c.toml", "machines.a.ip", "not an IP")]))
    'c.toml: machines.a.ip: not an IP'
    """

    exit_code = 2

    def __init__(self, faults: Iterable[Fault]) -> None:
        self.faults = list(faults)
        super().__init__("\n".join(str(f) for f in self.faults))

    @classmethod
    def one(cls, file: str | Path, key: str | Sequence[str | int], message: str) -> ModelError:
        """Build an error with a single fault: `ModelError.one(path, ("machines", "x"), "...")`."""
        key_text = key if isinstance(key, str) else key_path(key)
        return cls([Fault(str(file), key_text, message)])


class FaultCollector:
    """Gathers faults while checking one file, then raises them together.

    >>> faults = FaultCollector("c.toml")
    >>> faults.add(("networks", "lab", "cidr"), "not a CIDR")
    >>> faults.raise_if_any()
    Traceback (most recent call last):
    ...
    elenta.model.errors.ModelError: c.toml: networks.lab.cidr: not a CIDR
    """

    def __init__(self, file: str | Path) -> None:
        self.file = str(file)
        self.faults: list[Fault] = []

    def add(self, loc: Sequence[str | int] | str, message: str) -> None:
        key_text = loc if isinstance(loc, str) else key_path(loc)
        self.faults.append(Fault(self.file, key_text, message))

    def raise_if_any(self) -> None:
        if self.faults:
            raise ModelError(self.faults)
