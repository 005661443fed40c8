"""The `elenta` command: an invoke Program over the task collection (the same tasks as `inv`)."""

from __future__ import annotations

import sys

from invoke import Program

from elenta import __version__
from elenta.tasks import namespace

program = Program(name="elenta", binary="elenta", version=__version__, namespace=namespace)


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
    if names and names[0] in namespace.task_names and {"-h", "--help"} & set(args[args.index(names[0]) :]):
        return [argv[0], "--help", names[0]]
    return argv


def main() -> None:
    """Entry point of the console script: `elenta check examples/lab`."""
    program.run(help_first(sys.argv))
