"""The DHCP deploy on a real lab host: ifrit's sshd in its own mount namespace, pyinfra over SSH.

ifrit has no `lan0` (the lab runs on loopback), so its placement data asks for the sandboxed
check (`elenta_dhcp_sandbox`): the host's own `kea-dhcp4 -t` runs in a private network namespace
holding a stand-in `lan0`. No Kea runs on the lab host, so nothing is reloaded.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from elenta.dhcp.apply import apply_command
from elenta.dhcp.render import server_files
from elenta.dhcp.scopes import dhcp_services
from tests.cli import run_elenta
from tests.conftest import REPO

CONF = "/etc/kea/kea-dhcp4.conf"
pytestmark = pytest.mark.skipif(
    shutil.which("kea-dhcp4") is None, reason="needs kea-dhcp4 (.ci/deps/dhcp.apt)"
)


def test_deploy_installs_checked_config_then_is_a_no_op(lab_hosts, tmp_path: Path) -> None:
    ifrit = lab_hosts.hosts["ifrit"]
    ifrit.ssh(f"rm -f {CONF} {CONF}.elenta-old {CONF}.elenta-new")
    (server,) = dhcp_services(lab_hosts.lab)
    wanted = server_files(server)["kea-dhcp4.conf"]

    first = run_elenta("deploy", "--only", "dhcp", "--no-dns", "--lab", str(lab_hosts.path), cwd=REPO)
    assert first.returncode == 0, first.stdout + first.stderr
    assert ifrit.ssh(f"cat {CONF}") == wanted
    assert ifrit.ssh(f"test -e {CONF}.elenta-new && echo left || echo clean").strip() == "clean"
    # Only the DHCP host got it (others see the deployer's own /etc/kea, if Kea is installed here).
    assert lab_hosts.hosts["toto"].ssh(f"cat {CONF} 2>/dev/null; true") != wanted

    # A second run changes nothing (pyinfra's own no-op through the same deploy file).
    command, env = apply_command(lab_hosts.lab, no_dns=True)
    again = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert again.returncode == 0, again.stdout + again.stderr
    row = [line for line in (again.stdout + again.stderr).splitlines() if "kea-dhcp4.conf" in line]
    assert row and row[-1].split()[-1] == "1", "\n".join(row)  # the "no change" column


def test_a_host_refuses_what_its_parser_refuses(lab_hosts) -> None:
    ifrit = lab_hosts.hosts["ifrit"]
    from elenta.operations.dhcp import host_check_command

    ifrit.ssh('mkdir -p /tmp/el-net && printf \'{"Dhcp4": {"subnet4": 3}}\' > /tmp/el-net/bad.conf')
    command = host_check_command("kea-dhcp4.conf", "/tmp/el-net/bad.conf", ["lan0"])
    out = ifrit.ssh(f"sh -c {shlex.quote(command)} 2>&1; echo rc=$?", check=False)
    assert "syntax error, unexpected integer" in out, out  # the parser's own words
    assert out.strip().endswith("rc=1")
    assert ifrit.ssh("test -e /tmp/el-net/bad.conf && echo kept || echo removed").strip() == "removed"


def test_doctor_reads_the_servers_lease_file_over_ssh(lab_hosts) -> None:
    """The doctor's default source: each DHCP server's lease file, read over SSH (here ifrit's)."""
    ifrit = lab_hosts.hosts["ifrit"]
    header = "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state"
    stale = f"127.0.1.3,52:54:00:00:09:99,,3600,{int(time.time()) + 3600},1,0,0,old,0,"
    ifrit.ssh(
        f"mkdir -p /var/lib/kea && printf '%s\\n%s\\n' '{header}' '{stale}' > /var/lib/kea/kea-leases4.csv"
    )
    try:
        proc = run_elenta("doctor", "--no-dns", "--lab", str(lab_hosts.path), cwd=REPO)
    finally:
        ifrit.ssh("rm -f /var/lib/kea/kea-leases4.csv")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("stale-lease: 127.0.1.3: "))
    assert "ifrit.canon:/var/lib/kea/kea-leases4.csv leases it to 52:54:00:00:09:99 (old)" in line
    assert "the cadaster gives it to nancy:enp3s0 (52:54:00:00:01:03)" in line
