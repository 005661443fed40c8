"""Output into a pipe that closes early (`elenta dns plan | head -1`): a quiet exit, like any tool."""

from __future__ import annotations

import os
import sys

CLOSED_PIPE_EXIT = 141
"""What a shell reports for a tool stopped by SIGPIPE (128 + 13): `git log | head` does the same."""


def silence_stdout() -> None:
    """Point stdout at /dev/null so Python's last flush at exit does not complain about the pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def flush_stdout() -> bool:
    """Flush stdout; False (and stdout silenced) when the reader has gone: `if not flush_stdout(): ...`."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        return False
    return True
