"""What a task may add for the command line: examples, the choices of a positional argument,
a positional taking any number of values.

    @task(positional=["action"], help={...})
    @reports_errors
    @command(choices={"action": ("plan", "apply")}, examples=["elenta dns plan"])
    def dns(c, action, ...): ...

Everything else (usage, options, help) comes from the task itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "elenta_command"


@dataclass(frozen=True)
class CommandSpec:
    """Command-line extras of one task: `CommandSpec(examples=("elenta machines --json",))`."""

    examples: tuple[str, ...] = ()
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    variadic: Mapping[str, str] = field(default_factory=dict)
    """positional -> option receiving the values after the first (`{"path": "also"}`)."""
    keep_commas: tuple[str, ...] = ()
    """Repeatable options whose values are not comma lists (paths)."""


def command(
    *,
    examples: Iterable[str] = (),
    choices: Mapping[str, Iterable[str]] | None = None,
    variadic: Mapping[str, str] | None = None,
    keep_commas: Iterable[str] = (),
) -> Callable[[F], F]:
    """Attach a `CommandSpec` to a task body: `@command(examples=["elenta plan --json"])`."""
    spec = CommandSpec(
        tuple(examples),
        {k: tuple(v) for k, v in (choices or {}).items()},
        dict(variadic or {}),
        tuple(keep_commas),
    )

    def attach(body: F) -> F:
        setattr(body, ATTRIBUTE, spec)
        return body

    return attach


def spec_of(body: Callable[..., Any]) -> CommandSpec:
    """The spec of a task body, or an empty one: `spec_of(namespace["deploy"].body).examples`."""
    return getattr(body, ATTRIBUTE, None) or CommandSpec()
