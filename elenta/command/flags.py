"""What an option means on every command: the one table of short flags, and the common options.

A short flag is given only through `SHORT_FLAGS`, so `-l` is `--lab` on every command and a task
cannot give it another meaning (`tests/unit/test_cli_flags.py` checks every parser).
"""

from __future__ import annotations

SHORT_FLAGS: dict[str, str] = {
    "lab": "-l",
    "verbose": "-v",
    "dry-run": "-n",
    "force": "-f",
}
"""Long option name -> its short flag, the same on every command."""

LAB_HELP = (
    "the lab folder (default: the nearest folder upward holding elenta.toml or a cadaster, else $ELENTA_LAB)"
)
VERBOSE_HELP = "stream the output of pyinfra and Nix as they run (-vv: more)"
JSON_HELP = "print the result as JSON on stdout (warnings and progress stay on stderr)"
DRY_RUN_HELP = "show what would change, change nothing"

COMMON_HELP: dict[str, str] = {"lab": LAB_HELP, "verbose": VERBOSE_HELP}
"""Options every command takes, whether or not its task declares them."""


def option_strings(name: str) -> list[str]:
    """The flags of a long option name: `option_strings("lab") == ["-l", "--lab"]`."""
    short = SHORT_FLAGS.get(name)
    return [short, f"--{name}"] if short else [f"--{name}"]
