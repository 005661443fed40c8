"""The `elenta` command: an invoke Program over the task collection (the same tasks as `inv`)."""

from __future__ import annotations

from invoke import Program

from elenta import __version__
from elenta.tasks import namespace

program = Program(name="elenta", binary="elenta", version=__version__, namespace=namespace)


def main() -> None:
    """Entry point of the console script: `elenta check examples/lab`."""
    program.run()
