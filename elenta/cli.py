"""The `elenta` console script: the command line of `elenta.command` over the task collection.

The same tasks run under `inv` (`inv deploy --role dns`); `elenta` gives them its own parser.
"""

from __future__ import annotations

import sys


class Program:
    """`program.run(["elenta", "plan", "--lab", lab])` in a test or a script, in this process."""

    def run(self, argv: list[str] | None = None, exit: bool = True) -> int:
        """Run one command line (program name first); with `exit`, a non-zero code raises SystemExit."""
        from elenta.command.run import run

        args = (sys.argv if argv is None else argv)[1:]
        try:
            code = run(args)
        except SystemExit as stop:  # argparse: --help (0) or an argument error (2)
            code = stop.code if isinstance(stop.code, int) else 2
        if code and exit:
            raise SystemExit(code)
        return code


program = Program()


def main() -> None:
    """Entry point of the console script: `elenta check examples/lab`."""
    from elenta.subsystem import SubsystemError, registered

    try:
        registered()  # a plugin that cannot be loaded is named, without a traceback
    except SubsystemError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(exc.exit_code) from None
    from elenta.command.run import run

    sys.exit(run(sys.argv[1:]))
