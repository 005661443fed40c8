"""The NFS operation and fact, pyinfra fixture style: facts in, commands out.

Each `nfs.exports/<case>.json` holds `kwargs`, the `facts` the operation reads, and the
`commands` it must yield (or the `exception` it must raise). With `facts_after` (what the
host reports once those commands ran) a second run must yield nothing: the no-op check.
Each `nfs.ExportfsVerbose/<case>.json` holds real `exportfs -v` output and the fact it gives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from elenta.facts.nfs import ExportfsVerbose
from elenta.operations import nfs
from tests.operations.harness import FakeHost, run_operation

HERE = Path(__file__).parent
OPERATION_CASES = sorted((HERE / "nfs.exports").glob("*.json"))
FACT_CASES = sorted((HERE / "nfs.ExportfsVerbose").glob("*.json"))


def run(kwargs: dict[str, Any], facts: dict[str, Any]) -> tuple[list[Any], FakeHost]:
    host = FakeHost(facts, "nancy")
    return run_operation(nfs.exports, host, **kwargs), host


@pytest.mark.parametrize("case", OPERATION_CASES, ids=[p.stem for p in OPERATION_CASES])
def test_exports_operation(case: Path) -> None:
    data = json.loads(case.read_text())
    if "exception" in data:
        with pytest.raises(Exception) as caught:
            run(data["kwargs"], data["facts"])
        assert type(caught.value).__name__ == data["exception"]["name"]
        assert data["exception"]["contains"] in str(caught.value)
        return
    commands, host = run(data["kwargs"], data["facts"])
    assert commands == data["commands"]
    if not commands:
        assert host.noop_description == data["noop_description"]
    if "facts_after" in data:
        again, host = run(data["kwargs"], data["facts_after"])
        assert again == [], "a second run must be a no-op"
        assert host.noop_description is not None


def test_every_operation_case_is_exercised() -> None:
    names = {p.stem for p in OPERATION_CASES}
    assert {"first_install", "up_to_date", "space_before_parenthesis"} <= names


@pytest.mark.parametrize("case", FACT_CASES, ids=[p.stem for p in FACT_CASES])
def test_exportfs_verbose_fact(case: Path) -> None:
    data = json.loads(case.read_text())
    fact = ExportfsVerbose()
    assert fact.command() == data["command"]
    assert fact.process(data["output"]) == data["fact"]
