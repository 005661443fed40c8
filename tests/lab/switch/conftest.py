"""Fixtures of the switch tests: fake-switches emulators on the cadaster's addresses.

`emulators("sw1", model=..., behaviour=Behaviour(...))` starts one on `127.0.1.250` and a free
port, serving the host key the lab in `tmp_path / "lab"` has for that switch (as `elenta lab up`
makes it), so that elenta checks it strictly; every emulator a test started is stopped at its end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from elenta.lab.keys import ensure_switch_key
from elenta.lab.state import lab_state_of
from elenta.lab.switch_emulator import Behaviour, SwitchEmulator
from tests.lab.switch.helpers import ADDRESSES, PASSWORD


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELENTA_SW1_PASSWORD", PASSWORD)
    monkeypatch.setenv("ELENTA_SW2_PASSWORD", PASSWORD)
    monkeypatch.delenv("ELENTA_STATE_DIR", raising=False)


@pytest.fixture
def emulators(tmp_path: Path) -> Iterator[Callable[..., SwitchEmulator]]:
    """Start emulators on demand: `emulators("sw1", reject="...")`; all stopped at the end."""
    started: list[SwitchEmulator] = []

    def start(
        name: str,
        reject: str | None = None,
        model: str = "cisco_2960_24TT_L",
        behaviour: Behaviour | None = None,
        lab_root: Path | None = None,
    ) -> SwitchEmulator:
        emulator = SwitchEmulator(
            host=ADDRESSES[name],
            password=PASSWORD,
            hostname=name,
            model=model,
            log=tmp_path / f"{name}.log",
            behaviour=behaviour or Behaviour(reject=reject, minute=1.0),
            host_key=ensure_switch_key(lab_state_of(lab_root or tmp_path / "lab"), name),
        )
        started.append(emulator.start())
        return emulator

    yield start
    for emulator in started:
        emulator.stop()
