"""A subsystem registered by a test (tests/plugins/motd) deployed by `elenta deploy --only` on real hosts."""

from __future__ import annotations

import os

import pytest

from elenta.subsystem import ENV_PLUGINS
from tests.cli import run_elenta
from tests.conftest import REPO

pytestmark = [pytest.mark.lab]


def test_deploy_only_a_plugin_installs_its_files_and_nothing_else(lab_hosts):
    from tests.plugins.motd.render import MOTD

    toto = lab_hosts.hosts["toto"]
    running = toto.ssh("readlink /run/current-system || true")
    env = {**os.environ, ENV_PLUGINS: "tests.plugins.motd.subsystem", "PYTHONPATH": str(REPO)}
    # --role: a narrowed deploy is not recorded as the lab's plan (other tests read the history)
    args = ["deploy", "--only", "motd", "--role", "dns", "--no-dns", "--lab", str(lab_hosts.path)]
    try:
        result = run_elenta(*args, env=env, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        assert toto.ssh(f"cat {MOTD}") == "toto.canon: managed by elenta\n"
        row = next(line for line in result.stdout.splitlines() if line.startswith("toto.canon "))
        assert row.split()[2] == "done", result.stdout
        assert "built" not in result.stdout  # the NixOS step did not run
        assert toto.ssh("readlink /run/current-system || true") == running
        # A second run changes nothing on the host and says so the same way.
        again = run_elenta(*args, env=env, timeout=300)
        assert again.returncode == 0, again.stdout + again.stderr
    finally:
        toto.ssh(f"rm -f {MOTD}")
