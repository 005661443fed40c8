"""Benchmark: what the NFS operation's safety check costs, against a plain `exportfs -ra`.

    sudo python bench/nfs.py            # 10 100 1000 exported paths
    sudo python bench/nfs.py 50 500

For each size, an exports file with that many paths (two clients each) is rendered by elenta,
read back by its checker, then, inside a private mount namespace (a tmpfs over /var/lib/nfs and
the file bound over /etc/exports, so this machine's NFS state is untouched), loaded by a plain
`exportfs -ra` and checked the way the operation checks a candidate (`check_command`: a nested
mount + network namespace running the host's own exportfs). Prints the mean of five runs of each
and the ratio of the check to the plain load: the price of "nothing half-applied".
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from elenta.nfs.render import render_exports
from elenta.nfs.table import ExportEntry, parse_exports
from elenta.operations.nfs import check_command

RUNS = 5


def timed_in_namespace(script: str) -> float:
    """Mean seconds of `script` over RUNS runs, each inside its own private mount namespace."""
    wrapped = (
        f"start=$(date +%s%N); {script} >/dev/null 2>&1 || exit 3; end=$(date +%s%N); echo $((end-start))"
    )
    total = 0.0
    for _ in range(RUNS):
        done = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", wrapped],
            capture_output=True,
            text=True,
            check=True,
        )
        total += int(done.stdout.strip()) / 1e9
    return total / RUNS


def measure(n: int, work: Path) -> dict[str, float]:
    root = work / f"srv{n}"
    for i in range(n):
        (root / f"share{i:04d}").mkdir(parents=True, exist_ok=True)
    entries = [
        ExportEntry(
            str(root / f"share{i:04d}"), client, ("rw" if client.endswith(".2") else "ro", "no_subtree_check")
        )
        for i in range(n)
        for client in ("127.0.1.2", "127.0.1.0/24")
    ]
    start = time.perf_counter()
    for _ in range(RUNS):
        text = render_exports(entries)
        assert not parse_exports(text).faults
    python_s = (time.perf_counter() - start) / RUNS
    exports = work / f"exports{n}"
    exports.write_text(text)
    candidate = work / f"exports{n}.candidate"
    candidate.write_text(text)
    setup = f"mount -t tmpfs t /var/lib/nfs && mount --bind {shlex.quote(str(exports))} /etc/exports"
    plain = timed_in_namespace(f"{setup} && exportfs -ra")
    checked = timed_in_namespace(
        f"{setup} && sh -c {shlex.quote(check_command(str(candidate), '/etc/exports'))}"
    )
    return {"python": python_s, "plain": plain, "check": checked}


def main(sizes: list[int]) -> None:
    if os.geteuid() != 0:
        sys.exit("bench/nfs.py needs root (mount namespaces)")
    print(f"{'paths':>6} {'render+read s':>14} {'exportfs -ra s':>15} {'check s':>9} {'check/plain':>12}")
    with tempfile.TemporaryDirectory(prefix="elenta-bench-nfs-") as tmp:
        for n in sizes:
            r = measure(n, Path(tmp))
            ratio = r["check"] / r["plain"]
            print(f"{n:>6} {r['python']:>14.4f} {r['plain']:>15.4f} {r['check']:>9.4f} {ratio:>12.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 100, 1000])
