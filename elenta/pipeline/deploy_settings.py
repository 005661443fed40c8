"""How the pipeline talks to the pyinfra process it starts: environment variables, in one place."""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_ACTION = "ELENTA_ACTION"
ENV_DEPLOY_ID = "ELENTA_DEPLOY_ID"
ENV_DEPLOY_DIR = "ELENTA_DEPLOY_DIR"
ENV_SYSTEMS = "ELENTA_SYSTEMS"
ENV_CONFIRM_TIMEOUT = "ELENTA_CONFIRM_TIMEOUT"
ENV_SUBSYSTEMS = "ELENTA_SUBSYSTEMS"
ENV_LOCK_HELD = "ELENTA_DEPLOY_LOCK_HELD"
ENV_CONFIG = "ELENTA_CONFIG"
ENV_RESTORE = "ELENTA_RESTORE"


@dataclass(frozen=True)
class DeploySettings:
    """One deploy's parameters: `DeploySettings.from_env()` inside deploy.py."""

    action: str = "test"
    deploy_id: str = "manual"
    deploy_dir: Path | None = None
    systems_file: Path | None = None
    confirm_timeout: float = 30.0
    subsystems: tuple[str, ...] = ()
    config: str | None = None
    restore: bool = False  # put back the data of the plan rolled back to (roles' `restore`)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> DeploySettings:
        """Read the settings; a run without `ELENTA_DEPLOY_ID` gets one id for the whole process."""
        env = dict(os.environ if env is None else env)
        return cls(
            action=env.get(ENV_ACTION) or "test",
            deploy_id=env.get(ENV_DEPLOY_ID) or _process_deploy_id(),
            deploy_dir=Path(env[ENV_DEPLOY_DIR]) if env.get(ENV_DEPLOY_DIR) else None,
            systems_file=Path(env[ENV_SYSTEMS]) if env.get(ENV_SYSTEMS) else None,
            confirm_timeout=float(env.get(ENV_CONFIRM_TIMEOUT) or 30),
            subsystems=tuple(s for s in (env.get(ENV_SUBSYSTEMS) or "").split(",") if s),
            config=env.get(ENV_CONFIG) or None,
            restore=env.get(ENV_RESTORE) == "1",
        )

    def to_env(self) -> dict[str, str]:
        """The variables for the child pyinfra process."""
        env = {
            ENV_ACTION: self.action,
            ENV_DEPLOY_ID: self.deploy_id,
            ENV_CONFIRM_TIMEOUT: str(self.confirm_timeout),
            ENV_SUBSYSTEMS: ",".join(self.subsystems),
        }
        if self.deploy_dir:
            env[ENV_DEPLOY_DIR] = str(self.deploy_dir)
        if self.systems_file:
            env[ENV_SYSTEMS] = str(self.systems_file)
        if self.config:
            env[ENV_CONFIG] = self.config
        if self.restore:
            env[ENV_RESTORE] = "1"
        return env


_PROCESS_ID: list[str] = []


def new_deploy_id() -> str:
    """`20260126-013455-3f2a`: sortable, unique enough, safe in file names and shell words."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


def _process_deploy_id() -> str:
    if not _PROCESS_ID:
        _PROCESS_ID.append(new_deploy_id())
    return _PROCESS_ID[0]


def load_systems(path: Path | None) -> dict[str, dict[str, Any]]:
    """The built systems the pipeline handed over: `{canon: {"path", "revision", "config"}}`."""
    if path is None or not path.exists():
        return {}
    return json.loads(path.read_text())
