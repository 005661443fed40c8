"""Per-host progress lines and the deploy's record on the deployer (`<state>/deploys/<id>/`).

`note("toto.canon", "activated", "switch")` prints `[toto.canon] activated: switch` and, inside a
deploy, appends the event to `<deploy dir>/hosts/toto.canon.jsonl`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from elenta.pipeline.deploy_settings import ENV_DEPLOY_DIR


def note(host_name: str, event: str, detail: str = "", *, echo: bool = True, **fields: Any) -> None:
    """Print one progress line for a host (unless `echo=False`) and record it with the deploy."""
    if echo:
        print(f"[{host_name}] {event}" + (f": {detail}" if detail else ""), file=sys.stdout, flush=True)
    folder = os.environ.get(ENV_DEPLOY_DIR)
    if not folder:
        return
    hosts = Path(folder) / "hosts"
    hosts.mkdir(parents=True, exist_ok=True)
    entry = {"time": time.time(), "event": event, "detail": detail, **fields}
    with open(hosts / f"{host_name}.jsonl", "a") as out:
        out.write(json.dumps(entry) + "\n")


def host_events(deploy_dir: Path, host_name: str) -> list[dict[str, Any]]:
    """The events recorded for a host in a deploy, oldest first."""
    path = deploy_dir / "hosts" / f"{host_name}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


STOP_FILE = "stop"  # in the deploy dir: the deployer was interrupted, start no new work


def stop_requested() -> bool:
    """True once the deploy was interrupted (first Ctrl-C): steps not yet started must not start."""
    folder = os.environ.get(ENV_DEPLOY_DIR)
    return bool(folder) and (Path(folder) / STOP_FILE).exists()


def stopped_before(host_name: str, step: str) -> bool:
    """True (and the host recorded `skipped`) when the deploy was interrupted before `step` began.

    `if stopped_before(host.name, "the copy"): raise CopyError(...)`
    """
    if not stop_requested():
        return False
    note(host_name, "skipped", f"interrupted before {step}: the host was not changed", result="skipped")
    return True


def first_error_line(text: str) -> str:
    """The first line that says what went wrong (else the last line): `first_error_line(stderr)`.

    `first_error_line("copying…\\nerror: disk I/O error\\n")` -> `'error: disk I/O error'`
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        low = line.lower()
        if any(word in low for word in ("error", "fail", "no space", "denied", "refused", "cannot", "lost")):
            return line
    return lines[-1] if lines else ""
