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
