"""Merging configurations the way NixOS `mkMerge` does, with every conflict naming both sources.

Attribute sets merge recursively, lists concatenate, equal leaves agree, and two different
leaves at the same key path are a conflict. Contributions are first put in a stable order
defined by their sources (file, then key path), so the result and the conflicts reported do not
depend on the order in which the contributions were gathered:

    merged = merge([Contribution(Source("a.toml", ("machines", "toto", "data")), {"x": 1}),
                    Contribution(Source("b.toml", ("machines", "toto", "data")), {"y": [2]})])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from elenta.model.errors import Fault, ModelError, key_path


@dataclass(frozen=True)
class Source:
    """Where a contribution was written: a file and the key path inside it (plus who it is for)."""

    file: str
    key: tuple[str | int, ...] = ()
    what: str = field(default="", compare=False)

    @property
    def order(self) -> tuple[str, str]:
        """The stable order of contributions: by file, then by key path."""
        return (self.file, key_path(self.key))

    def at(self, path: Sequence[str | int]) -> str:
        """`Source("a.toml", ("machines", "toto")).at(("data", "x"))` -> `'a.toml: machines.toto.data.x'`."""
        return f"{self.file}: {key_path((*self.key, *path))}"


@dataclass(frozen=True)
class Contribution:
    """One source's value for the thing being merged."""

    source: Source
    value: Any


class MergeConflict(ModelError):
    """Two sources give different values for the same key; each fault names both."""


_UNSET = object()


def merge(contributions: Iterable[Contribution]) -> Any:
    """Merge contributions like `lib.mkMerge`, raising MergeConflict naming both sides of each conflict.

    `merge([Contribution(Source("a.toml"), {"l": [1]}), Contribution(Source("b.toml"), {"l": [2]})])`
    -> `{"l": [1, 2]}`
    """
    result, faults = merge_collect(contributions)
    if faults:
        raise MergeConflict(faults)
    return result


def merge_collect(contributions: Iterable[Contribution]) -> tuple[Any, list[Fault]]:
    """Like `merge`, but return `(result, faults)`; a conflicting key keeps the first source's value.

    `value, faults = merge_collect(contributions)`
    """
    ordered = sorted(contributions, key=lambda c: c.source.order)
    origins: dict[tuple[str | int, ...], Source] = {}
    faults: list[Fault] = []
    result: Any = _UNSET
    for contribution in ordered:
        result = _merge(result, contribution.value, contribution.source, (), origins, faults)
    return (None if result is _UNSET else result), faults


def _fresh(value: Any) -> Any:
    """A copy of JSON-like data, so the merge never aliases or mutates its inputs."""
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_fresh(v) for v in value]
    return value


def _origin(origins: dict[tuple[str | int, ...], Source], path: tuple[str | int, ...]) -> Source:
    for end in range(len(path), -1, -1):
        found = origins.get(path[:end])
        if found is not None:
            return found
    raise AssertionError("every merged value has an origin")


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an attribute set"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)


def _merge(
    current: Any,
    new: Any,
    source: Source,
    path: tuple[str | int, ...],
    origins: dict[tuple[str | int, ...], Source],
    faults: list[Fault],
) -> Any:
    if current is _UNSET:
        origins[path] = source
        return _fresh(new)
    if isinstance(current, dict) and isinstance(new, dict):
        for key, value in new.items():
            sub = (*path, key)
            if key in current:
                current[key] = _merge(current[key], value, source, sub, origins, faults)
            else:
                origins[sub] = source
                current[key] = _fresh(value)
        return current
    if isinstance(current, list) and isinstance(new, list | tuple):
        current.extend(_fresh(v) for v in new)
        return current
    if type(current) is type(new) and current == new:
        return current
    other = _origin(origins, path)
    faults.append(
        Fault(
            source.file,
            key_path((*source.key, *path)),
            f"{_kind(new)} conflicts with {_kind(current)} set by {other.at(path)}"
            + (f" ({other.what})" if other.what else "")
            + (f"; this value comes from {source.what}" if source.what else ""),
        )
    )
    return current
