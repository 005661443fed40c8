"""Connections opened ahead (while Nix builds) report like a new connection and close when unused."""

from __future__ import annotations

import socket
from pathlib import Path

from elenta.pipeline.ssh import SshTarget, run_paramiko
from elenta.pipeline.ssh_ahead import ConnectionsAhead


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once closed


def target(tmp_path: Path, name: str) -> SshTarget:
    key, known = tmp_path / "key", tmp_path / "known_hosts"
    key.write_text("")
    known.write_text("")
    return SshTarget.lab(name, "127.0.0.1", closed_port(), str(key), str(known), "/dev/null")


def test_a_refusing_host_is_reported_as_a_new_connection_would(tmp_path: Path) -> None:
    toto = target(tmp_path, "toto.canon")
    with ConnectionsAhead({"toto.canon": toto}) as ahead:
        assert set(ahead.targets) == {"toto.canon"}
        ahead_result = ahead.run("toto.canon", "true")
        again = ahead.run("toto.canon", "true")  # its connection was used: a new one
    fresh = run_paramiko(toto, "true")
    assert ahead_result.returncode == again.returncode == fresh.returncode == 255
    assert ahead_result.stderr == fresh.stderr
    assert "toto.canon: cannot connect to [127.0.0.1]:" in fresh.stderr


def test_unused_connections_are_closed(tmp_path: Path) -> None:
    ahead = ConnectionsAhead({"a": target(tmp_path, "a"), "b": target(tmp_path, "b")})
    ahead.close()
    assert ahead._opening == {}
