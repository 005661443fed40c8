"""Random mutations of the example lab, for the property "check says ok or names the fault, never a
traceback" (tests/unit/test_fuzz_check.py, and the longer `scripts/fuzz_check.py`).

`mutated_lab(random.Random(seed))` gives a `MutatedLab`: the example lab's cadaster and
constellation as data, changed the way a hand-editing person (or a fuzzer) would change them:
values of another type, control characters and line breaks in text, keys deleted, renamed or
duplicated, entries copied, deep nesting, huge numbers. The tests draw the `Random` from
hypothesis (`st.randoms()`); the long script seeds it itself, which is many times faster.
`write_lab(lab, folder)` writes it as JSON or YAML files that `load_lab` reads; `outcome(folder)`
runs the one validation in-process.
"""

from __future__ import annotations

import copy
import json
import random
import sys
import tomllib
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import EXAMPLE_LAB

CADASTER = tomllib.loads((EXAMPLE_LAB / "cadaster.toml").read_text())
CONSTELLATION = tomllib.loads((EXAMPLE_LAB / "constellations" / "homelab.toml").read_text())

Path_ = tuple[str | int, ...]


@dataclass
class MutatedLab:
    """The two documents of a lab after mutation, the file format, and what was done (for reports)."""

    cadaster: dict[str, Any]
    constellation: dict[str, Any]
    fmt: str = "json"
    done: list[str] = field(default_factory=list)


def _paths(value: Any, here: Path_ = ()) -> list[Path_]:
    """Every location in a document (the root excluded), depth first."""
    out: list[Path_] = []
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((*here, key))
            out.extend(_paths(item, (*here, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.append((*here, i))
            out.extend(_paths(item, (*here, i)))
    return out


def _parent(doc: Any, where: Path_) -> Any:
    for part in where[:-1]:
        doc = doc[part]
    return doc


CONTROL = [
    "\n",
    "\r\n",
    "\x00",
    "\t",
    "\x1b[2J",
    "\u2028",
    "\x7f",
    "\x85",
    "?",
    ";",
    "$(reboot)",
    "é",
    "\ud7ff",
]
WORDS = [
    "",
    "any",
    ".",
    "toto",
    "lab",
    "canon",
    "sw1",
    "127.0.1.2",
    "127.0.1.0/24",
    ".#dns",
    "16G",
    "*",
    "KANSAS",
    "data",
]
NUMBERS = [0, -1, 1, 22, 53, 4095, 4096, 65536, 10**23, -(10**23), 2**63, 2**64, 1.5, 1e308, -0.0]


def _text(rnd: random.Random) -> str:
    alphabet = "abcXYZ019-_./:@ \n\t\x00\x7fé?;$"
    return "".join(rnd.choice(alphabet) for _ in range(rnd.choice([0, 1, 5, 20, 300])))


def _scalar(rnd: random.Random) -> Any:
    kind = rnd.randrange(6)
    if kind == 0:
        return rnd.choice(NUMBERS)
    if kind == 1:
        return rnd.randint(-(2**70), 2**80)
    if kind == 2:
        return rnd.choice([True, False, None])
    if kind == 3:
        return _text(rnd)
    return rnd.choice(WORDS)


def _value(rnd: random.Random) -> Any:
    kind = rnd.randrange(5)
    if kind == 0:
        return [_scalar(rnd) for _ in range(rnd.randrange(4))]
    if kind == 1:
        return {_text(rnd)[:8]: _scalar(rnd) for _ in range(rnd.randrange(4))}
    return _scalar(rnd)


OPERATIONS = ("value", "control", "delete", "rename", "duplicate", "nest", "retype", "number", "empty")


def mutate(lab: MutatedLab, rnd: random.Random) -> None:
    """Apply one random mutation to `lab` in place (and note it in `lab.done`)."""
    name = rnd.choice(["cadaster", "constellation"])
    doc = getattr(lab, name)
    paths = _paths(doc)
    if not paths:
        return
    where = rnd.choice(paths)
    parent = _parent(doc, where)
    key = where[-1]
    old = parent[key]
    op = rnd.choice(OPERATIONS)
    if op == "value":
        parent[key] = _value(rnd)
    elif op == "control":
        text = old if isinstance(old, str) else str(old)
        at = rnd.randint(0, len(text))
        parent[key] = text[:at] + rnd.choice(CONTROL) + text[at:]
    elif op == "delete":
        del parent[key]
    elif op == "rename" and isinstance(parent, dict):
        parent[rnd.choice([_text(rnd)[:10], *WORDS])] = parent.pop(key)
    elif op == "duplicate" and isinstance(parent, dict):
        parent[rnd.choice(WORDS) + _text(rnd)[:4]] = copy.deepcopy(old)
    elif op == "duplicate":
        parent.append(copy.deepcopy(old))
    elif op == "nest":
        for _ in range(rnd.choice([2, 10, 47, 60, 200])):
            old = [old]
        parent[key] = old
    elif op == "retype":
        retyped = {str: lambda v: [v], int: str, float: str, bool: str, list: lambda v: {"x": v}}
        parent[key] = retyped.get(type(old), lambda v: [v])(old)
    elif op == "number":
        parent[key] = rnd.choice(NUMBERS)
    elif op == "empty":
        parent[key] = type(old)() if isinstance(old, list | dict | str) else None
    lab.done.append(f"{op} {name}:{'.'.join(map(str, where))}")


def mutated_lab(rnd: random.Random, max_mutations: int = 4) -> MutatedLab:
    """The example lab with 1 to `max_mutations` random mutations: `mutated_lab(random.Random(1))`."""
    lab = MutatedLab(copy.deepcopy(CADASTER), copy.deepcopy(CONSTELLATION), rnd.choice(["json", "yaml"]))
    for _ in range(rnd.randint(1, max_mutations)):
        mutate(lab, rnd)
    return lab


def write_lab(lab: MutatedLab, folder: Path) -> Path:
    """Write the lab as `cadaster.<fmt>` and `constellations/homelab.<fmt>` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "constellations").mkdir(exist_ok=True)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # the writers recurse; a deeply nested mutation must still be written
    try:
        for rel, doc in (("cadaster", lab.cadaster), ("constellations/homelab", lab.constellation)):
            if lab.fmt == "json":
                text = json.dumps(doc, ensure_ascii=False)
            else:
                text = yaml.safe_dump(doc, allow_unicode=False)
            (folder / f"{rel}.{lab.fmt}").write_text(text)
    finally:
        sys.setrecursionlimit(limit)
    return folder


@dataclass(frozen=True)
class Outcome:
    """What the check said: `ok`, `refused` (exit 2 with faults), or `crash` (with the traceback)."""

    kind: str
    detail: str = ""


def outcome(folder: Path) -> Outcome:
    """Load, validate and plan (in memory) the lab in `folder`, as `elenta check`/`plan` would.

    An accepted lab whose plan holds a stray control character counts as a crash: an injection.
    """
    import warnings

    from elenta.compile.plan import build_plan
    from elenta.model.errors import ModelError
    from elenta.model.lab import load_lab

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plan = build_plan(load_lab(folder))
    except ModelError as exc:
        files = {str(p) for p in folder.rglob("*") if p.is_file()}
        for fault in exc.faults:
            if fault.file not in files or not fault.key or not fault.message:
                return Outcome("crash", f"a fault that names no file or key: {fault}")
        return Outcome("refused", str(exc))
    except RecursionError:
        return Outcome("crash", traceback.format_exc(limit=8))
    except Exception:
        return Outcome("crash", traceback.format_exc())
    for rel, content in plan.files.items():
        if rel.startswith("inputs/") or rel.endswith(".json"):
            continue  # the user's own files, and JSON (whose encoder escapes what must be)
        injected = _stray_control(content)
        if injected:
            return Outcome("crash", f"accepted, but {rel} holds {injected}: an injection")
    return Outcome("ok")


def _stray_control(content: bytes) -> str | None:
    """A control character other than newline and tab in a generated file (or bytes not UTF-8)."""
    try:
        text = content.decode()
    except UnicodeDecodeError:
        return "bytes that are not UTF-8"
    for char in text:
        if (char < " " and char not in "\n\t") or char in "\x7f\x85\u2028\u2029":
            return f"the control character U+{ord(char):04X}"
    return None
