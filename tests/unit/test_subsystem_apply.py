"""`elenta dns|nfs|dhcp apply` and `elenta netboot deploy` run pyinfra the pipeline's one way."""

from __future__ import annotations

import json

from elenta.dhcp.apply import apply_command as dhcp_command
from elenta.dns.push import apply_command as dns_command
from elenta.inventory import inventory_groups
from elenta.model.lab import load_lab
from elenta.netboot.push import deploy_command as netboot_command
from elenta.netboot.push import store_servers
from elenta.nfs.push import apply_command as nfs_command
from elenta.pipeline.deploy_settings import DeploySettings
from elenta.pipeline.pyinfra_command import pyinfra_command
from tests.conftest import EXAMPLE_LAB


def test_every_subsystem_command_is_the_pipeline_command_narrowed(tmp_path, monkeypatch):
    monkeypatch.setenv("ELENTA_STATE_DIR", str(tmp_path))
    lab = load_lab(EXAMPLE_LAB)
    settings = DeploySettings(action="test", deploy_dir=tmp_path, subsystems=("nixos",))
    pipeline, _ = pyinfra_command(lab, ["toto.canon"], settings=settings, no_wait=True)
    assert pipeline[4] == "--no-wait"
    del pipeline[4]  # the pipeline reads each host's result from its record, not pyinfra's exit code
    commands = {
        "dns": (dns_command(lab), ["toto.canon"]),
        "nfs": (nfs_command(lab, no_dns=True), ["nancy.canon"]),
        "dhcp": (dhcp_command(lab, no_dns=True), ["ifrit.canon"]),
        "netboot": (netboot_command(lab, store_servers(lab), no_dns=True), ["archimedes.canon"]),
    }
    for name, ((argv, env), canons) in commands.items():
        assert argv[:6] == pipeline[:6], name  # one inventory, one deploy file
        assert env["ELENTA_SUBSYSTEMS"] == name
        assert json.loads(env["ELENTA_SELECT"]) == {"canons": canons}
        assert env["ELENTA_LAB"] == str(EXAMPLE_LAB.resolve())


def test_the_local_machine_is_pyinfra_s_local_host():
    lab = load_lab(EXAMPLE_LAB)
    groups = inventory_groups(lab, no_dns=True, select={"canons": ["toto.canon"]}, local="toto")
    (name, data), *_ = groups["all"]
    assert name == "@local" and data["elenta_machine"] == "toto"
    assert groups["role_dns"] == groups["all"]
