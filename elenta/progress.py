"""Progress of long steps, per host: a live table on a terminal, plain lines anywhere else.

The deploy pipeline and the Nix calls report through this module and know nothing of terminals:

    progress = Progress()                 # on stderr; live when stderr is a terminal and not -v
    progress("[toto.canon] copying")      # an `echo` line: "[host] step" updates that host's row
    progress("built 2 system(s) in 3.1s") # any other line is printed as it is
    progress.close()

    proc = run_streaming(["nix", "build", ...], label="build", timeout=3600)

`-v` (`ELENTA_VERBOSE=1`) streams the output of Nix and pyinfra line by line instead.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

VERBOSE_ENV = "ELENTA_VERBOSE"
_HOST_LINE = re.compile(r"^\[(?P<host>[^\]\s]+)\]\s*(?P<rest>.*)$")


def verbosity() -> int:
    """How much to stream: 0 (default), 1 (`-v`), 2 (`-vv`): `if verbosity(): ...`."""
    try:
        return int(os.environ.get(VERBOSE_ENV) or 0)
    except ValueError:
        return 0


def is_live(stream: IO[str]) -> bool:
    """A live display only on a terminal, and never when output is streamed (`-v`)."""
    return stream.isatty() and not verbosity() and os.environ.get("TERM") != "dumb"


class Progress:
    """An `echo` for the pipeline: host lines update a live per-host table (terminal) or print."""

    def __init__(self, stream: IO[str] | None = None, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.rows: dict[str, tuple[str, float]] = {}
        self.started = time.monotonic()
        self._live: Any = None
        if is_live(self.stream) if live is None else live:
            from rich.console import Console
            from rich.live import Live

            self._console = Console(file=self.stream)
            self._live = Live(self._table(), console=self._console, refresh_per_second=4, transient=True)
            self._live.start()

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(box=None, show_header=False, pad_edge=False)
        now = time.monotonic()
        for host, (step, since) in self.rows.items():
            table.add_row(host, step, f"{now - since:.0f}s")
        return table

    def __call__(self, line: str) -> None:
        """Show one pipeline line: `progress("[toto.canon] activating")`."""
        match = _HOST_LINE.match(line)
        if match:
            self.rows[match["host"]] = (match["rest"], time.monotonic())
        if self._live is None:
            print(line, file=self.stream, flush=True)
            return
        self._console.print(line, markup=False, highlight=False, soft_wrap=True)
        self._live.update(self._table())

    def close(self) -> None:
        """Stop the live display (the lines printed stay)."""
        if self._live is not None:
            self._live.stop()
            self._live = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_streaming(
    argv: list[str],
    *,
    label: str,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    echo: Callable[[str], None] | None = None,
    merge_output: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run a command, collecting stdout and stderr like `subprocess.run(capture_output=True)`.

    With `-v` every stderr line is echoed as `[label] line` while it runs; on a terminal the last
    line is shown in place. `merge_output`: stdout and stderr as one stream, all of it streamed
    and returned as stdout (pyinfra writes its progress on stdout). Raises
    `subprocess.TimeoutExpired` after `timeout` seconds (the command is killed).
    `run_streaming(["nix", "build", ...], label="build", timeout=3600)`.
    """
    stream = sys.stderr
    loud = verbosity() > 0
    show = echo or (lambda text: print(text, file=stream, flush=True))
    live = not loud and is_live(stream)
    proc = subprocess.Popen(
        argv,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_output else subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    out: list[str] = []
    err: list[str] = []
    assert proc.stdout is not None
    lines = proc.stdout if merge_output else proc.stderr
    assert lines is not None
    reader = None
    if not merge_output:
        reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)  # type: ignore[union-attr]
        reader.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    timer = threading.Timer(timeout, proc.kill) if timeout else None
    if timer:
        timer.start()
    try:
        for line in lines:
            (out if merge_output else err).append(line)
            text = line.rstrip("\n")
            if loud:
                show(f"[{label}] {text}")
            elif live and text.strip():
                stream.write(f"\r\x1b[2K[{label}] {text[:150]}")
                stream.flush()
        proc.wait()
    finally:
        if timer:
            timer.cancel()
        if live:
            stream.write("\r\x1b[2K")
            stream.flush()
    if reader:
        reader.join()
    if deadline is not None and proc.returncode < 0 and time.monotonic() >= deadline:
        raise subprocess.TimeoutExpired(argv, timeout or 0, "".join(out), "".join(err))
    return subprocess.CompletedProcess(argv, proc.returncode, "".join(out), "".join(err))
