"""The long fuzz run of `elenta check`: thousands of random mutations of the example lab, counted.

    python scripts/fuzz_check.py --cases 5000 [--seed 1] [--show 3]

Each case mutates the example lab (tests/fuzz_lab.py), writes it as JSON or YAML, and runs the
one validation with the plan built in memory, as `elenta check` and `elenta plan` do. Prints how
many labs were accepted, how many refused with faults naming file and key, and how many crashed
(a traceback): the last must be 0. Exit 1 if any crashed, showing the first few.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzz_lab import mutated_lab, outcome, write_lab


def main() -> int:
    """Run the cases and print the counts: `main()` -> 0 when nothing crashed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--mutations", type=int, default=5, help="at most this many per case")
    parser.add_argument("--show", type=int, default=3, help="crashes to print in full")
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    operations: Counter[str] = Counter()
    crashes: list[tuple[int, list[str], str]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="el-input-fuzz-") as tmp:
        for case in range(args.cases):
            lab = mutated_lab(random.Random(args.seed * 1_000_003 + case), args.mutations)
            result = outcome(write_lab(lab, Path(tmp) / str(case)))
            counts[result.kind] += 1
            operations.update(step.split()[0] for step in lab.done)
            if result.kind == "crash":
                crashes.append((case, lab.done, result.detail))
            if (case + 1) % 500 == 0:
                print(f"  {case + 1} cases: {dict(counts)}", flush=True)
    seconds = time.monotonic() - started
    print(f"seed {args.seed}: {args.cases} cases in {seconds:.1f} s ({args.cases / seconds:.0f}/s)")
    print(
        f"  ok {counts['ok']}, refused (exit 2, file and key named) {counts['refused']}, "
        f"tracebacks {counts['crash']}"
    )
    print("  mutations: " + ", ".join(f"{op} {n}" for op, n in sorted(operations.items())))
    for case, done, detail in crashes[: args.show]:
        print(f"\n--- case {case} crashed after {done}\n{detail}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
