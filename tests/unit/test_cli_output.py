"""Scripting the `elenta` command: JSON that parses, stdout apart from stderr, a closed pipe, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from elenta.dns.render import lab_zone_texts
from elenta.exitcodes import TABLE
from elenta.model.lab import load_lab
from elenta.pipeline.lock import deploy_lock
from tests.cli import run_elenta
from tests.conftest import REPO

ELENTA = [sys.executable, "-c", "from elenta.cli import main; main()"]


def elenta(*args: str, lab: Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return run_elenta(*args, "--lab", str(lab), cwd=cwd, timeout=120)


def test_machines_json_parses_and_names_every_device(example_lab_copy: Path) -> None:
    result = elenta("machines", "--json", lab=example_lab_copy)
    assert result.returncode == 0, result.stderr
    machines = json.loads(result.stdout)
    assert [m["machine"] for m in machines][:2] == ["toto.canon", "nancy.canon"]
    toto = machines[0]
    assert toto["interfaces"]["enp2s0"] == {
        "aliases": {"enp2s0_dns": "127.0.1.53"},
        "ip": "127.0.1.2",
        "mac": "52:54:00:00:01:02",
        "network": "lab",
    }
    assert toto["roles"] == ["dns"] and toto["kind"] == "nixos"


def test_dns_plan_json_on_stdout_and_warnings_on_stderr(example_lab_copy: Path) -> None:
    result = elenta("dns", "plan", "--json", lab=example_lab_copy)
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert "canon" in plan["zones"] and plan["hosts"][0]["machine"] == "toto"
    assert "toto A 127.0.1.2" in plan["hosts"][0]["zones"]["canon"]["added"]
    assert result.stderr.startswith("warning: zone canon is the public top-level domain")
    text = elenta("dns", "plan", lab=example_lab_copy)
    assert "warning" not in text.stdout and text.stdout.startswith("7 zones valid")


def test_plan_diff_and_drift_json(example_lab_copy: Path, tmp_path: Path) -> None:
    first = elenta("plan", "--json", "--out", str(tmp_path / "a"), lab=example_lab_copy)
    assert first.returncode == 0, first.stderr
    plan_a = json.loads(first.stdout)
    assert plan_a["plan"].startswith("sha256:") and plan_a["against"] is None
    assert {"group", "machine", "op", "item", "detail"} <= set(plan_a["changes"][0])
    cadaster = example_lab_copy / "cadaster.toml"
    cadaster.write_text(
        cadaster.read_text().replace('mac = "52:54:00:00:01:03"', 'mac = "52:54:00:00:01:33"')
    )
    plan_b = json.loads(elenta("plan", "--json", lab=example_lab_copy).stdout)
    diff = elenta("diff", plan_a["plan"], plan_b["plan"], "--json", lab=example_lab_copy)
    assert diff.returncode == 0, diff.stderr
    changes = json.loads(diff.stdout)
    assert any(c["op"] == "~" and "52:54:00:00:01:33" in " ".join(c["detail"]) for c in changes), changes
    no_history = elenta("drift", "--json", lab=example_lab_copy)
    assert no_history.returncode == 2 and no_history.stdout == ""  # nothing applied: named on stderr


def test_history_json_and_netboot_list_json(example_lab_copy: Path, tmp_path: Path) -> None:
    listing = elenta("netboot", "list", "--store", str(tmp_path / "store"), "--json", lab=example_lab_copy)
    assert listing.returncode == 0, listing.stderr
    assert json.loads(listing.stdout) == []
    history = elenta("history", "--json", lab=example_lab_copy)
    assert history.returncode == 0 and history.stdout == ""


def test_a_closed_pipe_ends_quietly() -> None:
    """`elenta dns plan | head -1`: the reader goes away; no traceback, no complaint."""
    env = {**os.environ, "ELENTA_STATE_DIR": "/nonexistent-elenta-state"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from elenta.cli import main; main()", "machines", "--lab", "examples/lab"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the command writes a byte
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err and err == ""
    assert code == 141
    shell = subprocess.run(
        "set -o pipefail; elenta dns plan --lab examples/lab 2>/dev/null | head -1",
        shell=True,
        executable="/bin/bash",
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**env, "PATH": f"{Path(sys.executable).parent}:{env['PATH']}"},
        timeout=60,
    )
    assert shell.stdout.startswith("7 zones valid") and shell.stderr == ""


def test_exit_code_2_bad_input_and_3_refused_by_a_safety_rule(example_lab_copy: Path) -> None:
    bad = elenta("deploy", "--on", "@nosuchrole", lab=example_lab_copy)
    assert bad.returncode == 2 and "roles: db, dns, firewall, hypervisor, nfs, web" in bad.stderr
    # The zones last verified on toto hold many more records than the plan: a 30% deletion.
    lab = load_lab(example_lab_copy)
    served = lab.state_dir / "dns" / "toto"
    served.mkdir(parents=True)
    for zone, text in lab_zone_texts(lab, serial=2026010100).items():
        extra = "".join(f"old{i} IN A 127.0.1.{100 + i}\n" for i in range(40)) if zone == "canon" else ""
        (served / f"{zone}.zone").write_text(text + extra)
    refused = elenta("dns", "apply", lab=example_lab_copy)
    assert refused.returncode == 3, refused.stderr
    assert "--force" in refused.stderr
    # Another deploy holds the lab's lock: refused before any host is touched.
    with deploy_lock(lab.state_dir):
        locked = elenta("deploy", "--no-dns", lab=example_lab_copy)
    assert locked.returncode == 3, locked.stderr
    assert "another deploy of this lab is running" in locked.stderr


def test_exit_code_4_unreachable_switch(example_lab_copy: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.1.250", 0))
        port = probe.getsockname()[1]
    cadaster = example_lab_copy / "cadaster.toml"
    text = cadaster.read_text().replace("ssh = { port = 2222 }", f"ssh = {{ port = {port} }}")
    cadaster.write_text(text)
    result = run_elenta(
        "net",
        "plan",
        "--live",
        "--lab",
        str(example_lab_copy),
        env={**os.environ, "ELENTA_SW1_PASSWORD": "x"},
        timeout=120,
    )
    assert result.returncode == 4, result.stdout + result.stderr
    assert "sw1" in result.stderr


def test_readme_exit_code_table_is_the_one_applied() -> None:
    readme = (REPO / "README.md").read_text()
    for code, meaning in TABLE:
        assert f"| {code} | {meaning} |" in readme


def test_exit_code_130_on_ctrl_c() -> None:
    """Ctrl-C while waiting on the network: one line, code 130, no traceback."""
    import signal
    import socket
    import time

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # a DNS server that never answers
        silent.bind(("127.0.0.1", 0))
        server = f"127.0.0.1:{silent.getsockname()[1]}"
        proc = subprocess.Popen(
            [*ELENTA, "lookup", "toto.canon", "--server", server, "--lab", "examples/lab"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # wait until the query has been sent
            silent.settimeout(0.5)
            try:
                silent.recvfrom(512)
                break
            except TimeoutError:
                continue
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip() == "interrupted" and out == ""
