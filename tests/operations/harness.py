"""One fake host for every operation test, in pyinfra's fixture style: facts in, commands out.

`FakeHost(facts)` answers `host.get_fact(Fact, **kwargs)` from a table keyed by the fact's name
(`elenta.facts.nfs.ExportfsVerbose`, or without the `elenta.facts.` prefix, as pyinfra names its
own `files.Sha256File`); a fact read with arguments is looked up under `"key=value, …"` when the
fixture gives it per argument. `run_operation(nfs.exports, host, **kwargs)` returns the commands
an operation yields, each in the JSON form of `command_json`.
"""

from __future__ import annotations

from typing import Any

from pyinfra.api import FileUploadCommand, FunctionCommand, StringCommand
from pyinfra.context import ctx_host


class FakeHost:
    """Just enough of a pyinfra Host for an operation body: facts from the fixture, noop recorded."""

    def __init__(self, facts: dict[str, Any], name: str = "host", data: dict[str, Any] | None = None) -> None:
        self.facts = facts
        self.name = name
        self.data: dict[str, Any] = data or {}
        self.noop_description: str | None = None

    def get_fact(self, fact_cls: type, **kwargs: Any) -> Any:
        names = [fact_cls.name, fact_cls.name.removeprefix("elenta.facts.")]  # type: ignore[attr-defined]
        found = [n for n in names if n in self.facts]
        if not found:
            raise KeyError(f"missing test fact data: {names[-1]}")
        value = self.facts[found[0]]
        key = ", ".join(f"{k}={v}" for k, v in sorted(kwargs.items()))
        if kwargs and isinstance(value, dict) and key in value:
            return value[key]
        return value

    def noop(self, description: str) -> None:
        self.noop_description = description


def command_json(command: Any) -> Any:
    """A yielded command as a fixture writes it: a string, `["upload", text, dest]`,
    `["upload-file", local path, dest]` or `["function", name, args]` (a step on the deployer)."""
    if isinstance(command, str):
        return command
    if isinstance(command, StringCommand):
        return command.get_raw_value()
    if isinstance(command, FileUploadCommand):
        if isinstance(command.src, str):
            return ["upload-file", command.src, command.dest]
        command.src.seek(0)
        return ["upload", command.src.read().decode(), command.dest]
    if isinstance(command, FunctionCommand):
        return ["function", command.function.__name__, list(command.args)]
    raise AssertionError(f"unexpected command {command!r}")


def run_operation(operation: Any, host: FakeHost, **kwargs: Any) -> list[Any]:
    """The commands `operation` yields on `host`, in fixture form: `run_operation(nfs.exports, host)`."""
    with ctx_host.use(host):
        return [command_json(c) for c in operation._inner(**kwargs)]
