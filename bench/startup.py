"""Benchmark: how long the `elenta` command takes to start, against a bare Python.

    python bench/startup.py          # median of 10 runs each
    python bench/startup.py 25       # another count

Measured in one run and printed as ratios (never asserted): the wall time of
  1. `python -c pass` (the interpreter alone: the reference),
  2. `elenta --help` (every task listed: each subsystem's registration, none of its code),
  3. `elenta check examples/lab` (the lab loaded and every subsystem's checks run).
Each command runs as a new process, the way a user runs it; target: 2 and 3 under 0.3 s.
Also printed: the CPU time of each (less sensitive than wall time to other load on the machine)
and the modules of the slowest imports of `elenta check`, from `python -X importtime`.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ELENTA = [sys.executable, "-c", "from elenta.cli import main; main()"]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "elenta --help": [*ELENTA, "--help"],
    "elenta check examples/lab": [*ELENTA, "check", "examples/lab"],
}


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `argv` (a new process, output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def slowest_imports(argv: list[str], count: int = 8) -> list[tuple[int, str]]:
    """The top-level imports of one run by cumulative microseconds (`python -X importtime`)."""
    proc = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]], cwd=REPO, capture_output=True, text=True, check=False
    )
    found = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            found.append((int(parts[1]), parts[2].strip()))
    return sorted(found, reverse=True)[:count]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    medians: dict[str, tuple[float, float]] = {}
    for name, argv in COMMANDS.items():
        run_once(argv)  # warm the page cache and the bytecode
        samples = [run_once(argv) for _ in range(runs)]
        medians[name] = (
            statistics.median(s[0] for s in samples),
            statistics.median(s[1] for s in samples),
        )
    base_wall, base_cpu = medians["python -c pass"]
    print(f"start-up, median of {runs} runs (load average {os.getloadavg()[0]:.1f}):")
    for name, (wall, cpu) in medians.items():
        verdict = "" if name.startswith("python") else ("  (< 0.3 s)" if wall < 0.3 else "  (over 0.3 s)")
        print(
            f"  {name:28s} wall {wall:6.3f} s  x{wall / base_wall:5.1f}"
            f"   cpu {cpu:6.3f} s  x{cpu / max(base_cpu, 1e-3):5.1f}{verdict}"
        )
    print("slowest top-level imports of `elenta check examples/lab` (ms):")
    for micros, module in slowest_imports(COMMANDS["elenta check examples/lab"]):
        print(f"  {micros / 1000:7.1f}  {module}")


if __name__ == "__main__":
    main()
