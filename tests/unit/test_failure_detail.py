"""A failed host's detail in the final table names the cause, never pyinfra's 'executed 0 commands'."""

from __future__ import annotations

from pathlib import Path

from elenta.pipeline.run import _pyinfra_error

CALLBACK = """\
--> Starting operation: NixOS system | Copy the system closure
    [beta.own] Unexpected error in Python callback: CopyError("beta.own: nix copy of /nix/store/x failed: \
error: creating directory '/nix/store': Permission denied",)
    [beta.own] Error: executed 0 commands
pyinfra.api.exceptions.PyinfraError: Error in operation NixOS system | Copy the system closure on beta.own
"""

COMMAND = """\
--> Starting operation: NixOS system | Activate (test)
    [beta.own] mkdir: cannot create directory '/run/elenta': Permission denied
    [beta.own] Error: executed 0 commands
pyinfra.api.exceptions.PyinfraError: Error in operation NixOS system | Activate (test) on beta.own
"""


def test_an_elenta_step_error_is_the_detail(tmp_path: Path) -> None:
    log = tmp_path / "pyinfra.log"
    log.write_text(CALLBACK)
    detail = _pyinfra_error(log, "beta.own")
    assert detail.startswith("beta.own: nix copy of /nix/store/x failed") and "Permission denied" in detail


def test_a_failing_command_is_named_with_its_operation(tmp_path: Path) -> None:
    log = tmp_path / "pyinfra.log"
    log.write_text(COMMAND)
    assert (
        _pyinfra_error(log, "beta.own")
        == "Activate (test): mkdir: cannot create directory '/run/elenta': Permission denied"
    )
    log.write_text("    [beta.own] Error: executed 0 commands\n")
    assert "executed 0 commands" not in _pyinfra_error(log, "beta.own")


def test_a_command_s_own_words_are_the_detail(tmp_path: Path) -> None:
    log = tmp_path / "pyinfra.log"
    log.write_text(
        "--> Starting operation: NFS exports | Install and load NFS exports\n"
        "    [nancy.canon] Connected\n"
        "    [nancy.canon] exportfs: /srv/backup is not a directory. Remote access will fail\n"
        "    [nancy.canon] Error: executed 4 commands\n"
        "pyinfra.api.exceptions.PyinfraError: Error in operation NFS exports | Install and load NFS exports"
        " on nancy.canon\n"
    )
    assert _pyinfra_error(log, "nancy.canon") == (
        "Install and load NFS exports: exportfs: /srv/backup is not a directory. Remote access will fail"
    )
