"""The `elenta` command: an invoke Program over the task collection (the same tasks as `inv`)."""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

from invoke import Program

from elenta import __version__


@cache
def _program() -> Program:
    from elenta.tasks import namespace

    return Program(name="elenta", binary="elenta", version=__version__, namespace=namespace)


def __getattr__(name: str) -> Any:
    """`elenta.cli.program`: the invoke Program, built on first use (the registry is read then)."""
    if name == "program":
        return _program()
    raise AttributeError(name)


def help_first(argv: list[str]) -> list[str]:
    """Move a task's `--help` before it, so tasks with a positional action show their help.

    invoke would take `elenta dns --help` as the action `--help`; `elenta --help dns` is its form.

    >>> help_first(["elenta", "dns", "--help"])
    ['elenta', '--help', 'dns']
    >>> help_first(["elenta", "check", "examples/lab"])
    ['elenta', 'check', 'examples/lab']
    """
    args = argv[1:]
    names = [a for a in args if not a.startswith("-")]
    if (
        names
        and names[0] in _program().namespace.task_names
        and {"-h", "--help"} & set(args[args.index(names[0]) :])
    ):
        return [argv[0], "--help", names[0]]
    return argv


def check_paths(argv: list[str]) -> list[str]:
    """Give `elenta check [PATH…]` its documented form: extra paths become `--also`, and no path
    means the default lab (invoke knows neither variadic nor optional positional arguments).

    >>> check_paths(["elenta", "check", "cadaster.toml", "web.toml", "db.yaml"])
    ['elenta', 'check', 'cadaster.toml', '--also', 'web.toml', '--also', 'db.yaml']
    >>> check_paths(["elenta", "check"])[:2], len(check_paths(["elenta", "check"]))
    (['elenta', 'check'], 3)
    """
    if len(argv) < 2 or argv[1] != "check" or {"-h", "--help"} & set(argv):
        return argv
    paths, rest, args = [], [], iter(argv[2:])
    for arg in args:
        if arg.startswith("-"):
            rest.append(arg)
            if "=" not in arg and arg in ("--also", "-a"):
                rest.append(next(args, ""))
        else:
            paths.append(arg)
    if not paths:
        from elenta.tasks._common import lab_path

        paths = [str(lab_path())]
    return [*argv[:2], paths[0], *(x for p in paths[1:] for x in ("--also", p)), *rest]


def main() -> None:
    """Entry point of the console script: `elenta check examples/lab`."""
    from elenta.subsystem import SubsystemError, registered

    try:
        registered()  # a plugin that cannot be loaded is named, without a traceback
    except SubsystemError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(exc.exit_code) from None
    _program().run(check_paths(help_first(sys.argv)))
