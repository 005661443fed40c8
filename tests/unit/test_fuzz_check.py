"""Property: whatever a person does to the example lab, the check says ok or names the fault (exit 2),
never a traceback. A few hundred mutated labs in-process, a handful through the `elenta` command.

The longer run is `python scripts/fuzz_check.py --cases 5000`.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli import run_elenta
from tests.fuzz_lab import mutated_lab, outcome, write_lab

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(st.randoms(use_true_random=False))
def test_a_mutated_lab_is_ok_or_refused_never_a_crash(rnd: random.Random) -> None:
    lab = mutated_lab(rnd)
    with tempfile.TemporaryDirectory(prefix="el-input-fuzz-") as tmp:
        result = outcome(write_lab(lab, Path(tmp)))
        assert result.kind != "crash", f"{lab.done}\n{result.detail}"


@settings(FUZZ, max_examples=6)
@given(st.randoms(use_true_random=False))
def test_a_mutated_lab_through_the_command(rnd: random.Random) -> None:
    lab = mutated_lab(rnd, max_mutations=2)
    with tempfile.TemporaryDirectory(prefix="el-input-fuzz-") as tmp:
        folder = write_lab(lab, Path(tmp))
        result = run_elenta("check", str(folder))
        output = result.stdout + result.stderr
        assert "Traceback" not in output, f"{lab.done}\n{output}"
        assert result.returncode in (0, 2), f"{lab.done}\n{output}"
        if result.returncode == 2:
            assert str(folder) in output, output
        assert not (folder / ".elenta").exists()
