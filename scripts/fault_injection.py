"""Fault injection: N deploys of the example lab with random interrupts and kills, and after each
one the invariant checked on the real hosts (root, sshd, nix; not part of CI's time budget).

    python scripts/fault_injection.py --runs 20 --seed 1

Each run flips every host between two stand-in systems (`.#web`, `.#cache`) with `test` or
`switch`, its stand-in activation slowed (0-3 s) and sometimes restarting sshd or failing on one
host, and the `elenta` command is left alone, interrupted once (Ctrl-C), twice, or killed with
SIGKILL at a random moment. Once every watchdog has decided, the invariant is checked:

- every host is either on its old system (running, profile, boot entry all as before) or
  confirmed on the new one (running, and for switch the profile and the boot entry too);
- what the final table says of a host matches that (changed = confirmed on the new system;
  rolled-back, failed, skipped = on the old one);
- the deploy lock is free and no process of the deploy survives.

It prints the counts and exits 1 if any run broke the invariant.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from elenta.facts.nixos import nixos_system_command, parse_nixos_system  # noqa: E402
from elenta.lab import LabError, LabHost, lab_down, lab_up  # noqa: E402
from elenta.model.lab import load_lab  # noqa: E402
from elenta.nixos.build import build_systems  # noqa: E402
from tests.lab.deploylab import lock_is_free, processes_of  # noqa: E402

MACHINES = ("toto", "nancy", "archimedes", "ifrit")
CONFIGS = (".#web", ".#cache")
ELENTA = [sys.executable, "-c", "from elenta.cli import main; main()"]
CONFIRM_TIMEOUT = 3


def facts(host: LabHost, deploy_id: str | None = None) -> dict:
    """The host's facts; a connection cut by a stand-in "sshd restart" (a rollback) is retried."""
    for attempt in range(10):
        try:
            return parse_nixos_system(host.ssh(nixos_system_command(None, deploy_id)).splitlines())
        except LabError:
            if attempt == 9:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


def set_knobs(hosts: dict[str, LabHost], rng: random.Random, config: str) -> str:
    """Random stand-in knobs on every host; returns a short description."""
    seconds = rng.choice([0, 1, 2, 3])
    restart = rng.random() < 0.4
    failing = rng.choice([None, None, *MACHINES])
    role = config.removeprefix(".#")
    for name, host in hosts.items():
        files = {"activation-seconds": str(seconds)}
        if restart:
            files["restart-sshd"] = ""
        if name == failing:
            files["fail"] = role
        host.ssh("rm -rf /etc/elenta-standin && mkdir -p /etc/elenta-standin")
        for knob, text in files.items():
            host.ssh(f"printf %s {text!r} > /etc/elenta-standin/{knob}")
    return f"{seconds}s{' +sshd' if restart else ''}{f' fail@{failing}' if failing else ''}"


def newest_deploy(state_dir: Path, before: set[Path]) -> str | None:
    found = sorted(set((state_dir / "deploys").glob("*")) - before)
    return found[-1].name if found else None


def table_rows(stdout: str) -> dict[str, str]:
    rows = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].endswith(".canon") and parts[1] in ("test", "switch"):
            rows[parts[0].removesuffix(".canon")] = parts[2]
    return rows


def settle(hosts: dict[str, LabHost], deploy_id: str, timeout: float = 40) -> dict[str, dict]:
    """Every host's facts once this deploy (and any other) is decided on it."""
    deadline = time.monotonic() + timeout
    while True:
        now = {m: facts(h, deploy_id) for m, h in hosts.items()}
        if all(not f["deploys"] for f in now.values()) or time.monotonic() > deadline:
            return now
        time.sleep(0.5)


def check_run(
    action: str,
    old: dict[str, dict],
    new: dict[str, str],
    after: dict[str, dict],
    rows: dict[str, str] | None,
) -> list[str]:
    """The invariant for one run; a list of what broke it (empty: it held)."""
    broken = []
    for machine, f in after.items():
        if f["deploys"]:
            broken.append(f"{machine}: still undecided: {f['deploys']}")
            continue
        state = f["deploy"]
        where = (f["current"], f["profile_system"], f["next_boot"] or f["profile_system"])
        before = old[machine]
        was = (before["current"], before["profile_system"], before["next_boot"] or before["profile_system"])
        if state == "confirmed":
            wanted = (new[machine], new[machine], new[machine]) if action == "switch" else None
            if f["current"] != new[machine] or (wanted and where != wanted):
                broken.append(f"{machine}: confirmed but runs/profile/boots {where}, not {new[machine]}")
        elif where != was:
            broken.append(f"{machine}: not confirmed ({state}) but moved from {was} to {where}")
        if rows is None or machine not in rows:
            continue
        result = rows[machine]
        if result == "changed" and state != "confirmed":
            broken.append(f"{machine}: the table says changed, the host says {state}")
        if result in ("rolled-back", "failed", "skipped") and state == "confirmed":
            broken.append(f"{machine}: the table says {result}, the host is confirmed on the new system")
        if result == "unchanged" and before["current"] != new[machine]:
            broken.append(f"{machine}: the table says unchanged, the host was not on the new system")
    return broken


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="elenta-faults-"))
    path = work / "lab"
    shutil.copytree(REPO / "examples" / "lab", path, ignore=shutil.ignore_patterns(".elenta", "result*"))
    env = {k: v for k, v in os.environ.items() if k not in ("ELENTA_STATE_DIR", "ELENTA_LAB")}
    lab = load_lab(path)
    counts: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    try:
        hosts = lab_up(lab)
        desired = {c: build_systems(lab, list(MACHINES), config=c) for c in CONFIGS}
        first = subprocess.run(
            [*ELENTA, "switch", "--no-dns", "--lab", str(path), "--config", CONFIGS[1]],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        print(f"initial switch: exit {first.returncode}")
        for number in range(1, args.runs + 1):
            config = CONFIGS[number % 2]
            action = rng.choice(["test", "switch"])
            fault = rng.choice(["none", "sigint", "sigint-twice", "kill-9"])
            knobs = set_knobs(hosts, rng, config)
            old = {m: facts(h) for m, h in hosts.items()}
            new = {m: desired[config][m].path for m in MACHINES}
            before = set((lab.state_dir / "deploys").glob("*"))
            command = "deploy" if action == "test" else action  # `elenta deploy` activates with test
            argv = [*ELENTA, command, "--no-dns", "--lab", str(path), "--config", config,
                    "--confirm-timeout", str(CONFIRM_TIMEOUT)]  # fmt: skip
            proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, start_new_session=True)  # fmt: skip
            delay = rng.uniform(3, 12)
            if fault != "none":
                time.sleep(delay)
                if proc.poll() is None:
                    if fault == "kill-9":
                        os.kill(proc.pid, signal.SIGKILL)
                    else:
                        os.killpg(proc.pid, signal.SIGINT)
                        if fault == "sigint-twice":
                            time.sleep(0.3)
                            os.killpg(proc.pid, signal.SIGINT)
                else:
                    fault = "none (ended first)"
            out, err = proc.communicate(timeout=300)
            deploy_id = newest_deploy(lab.state_dir, before) or "none"
            after = settle(hosts, deploy_id)
            rows = None if fault == "kill-9" else table_rows(out)
            broken = check_run(action, old, new, after, rows)
            time.sleep(0.5)
            if not lock_is_free(lab.state_dir):
                broken.append("the deploy lock is still held")
            if deploy_id != "none" and processes_of(deploy_id):
                broken.append(f"processes of the deploy survive: {processes_of(deploy_id)}")
            states = collections.Counter(str(f["deploy"]) for f in after.values())
            counts[f"fault {fault.split(' ')[0]}"] += 1
            for state, n in states.items():
                counts[f"hosts {state}"] += n
            status = "ok" if not broken else "BROKEN"
            counts[f"runs {status}"] += 1
            print(
                f"run {number:3d} {action:6s} {config:8s} {fault:18s} after {delay:4.1f}s knobs {knobs:20s} "
                f"exit {proc.returncode:4d} hosts {dict(states)} -> {status}"
            )
            for line in broken:
                print(f"    {line}")
                failures.append(f"run {number}: {line}")
            if broken and proc.returncode is not None:
                print("    stdout: " + out.strip().replace("\n", "\n            ")[-2000:])
                print("    stderr: " + err.strip().replace("\n", "\n            ")[-800:])
        for host in hosts.values():
            host.ssh("rm -rf /etc/elenta-standin")
    finally:
        lab_down(lab, purge=True)
        shutil.rmtree(work, ignore_errors=True)
    print("\ncounts:")
    for key in sorted(counts):
        print(f"  {key:28s} {counts[key]}")
    print(f"invariant broken: {len(failures)} time(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
