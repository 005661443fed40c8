"""How a closure goes to a host (`nix copy` argv) and what a refused copy says, per target and setting."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from elenta.model.settings import LabSettings, NixSettings
from elenta.nixos.transfer import CopyOptions, copy_command, explain_copy_failure
from elenta.pipeline.ssh import SshTarget

SYSTEM = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-nixos-system-dns"


def target(user: str = "root", sudo: bool = False) -> SshTarget:
    return SshTarget("toto.home", "192.168.1.10", 22, user, alias="toto", sudo=sudo, pinned=False)


def test_root_copies_unsigned_to_its_own_daemon() -> None:
    argv = copy_command(SYSTEM, target(), CopyOptions())
    assert argv == ["nix", "copy", "--no-check-sigs", "--to", "ssh-ng://root@toto", SYSTEM]


def test_a_sudo_user_copies_through_sudo_and_the_options_reach_nix(tmp_path: Path) -> None:
    settings = LabSettings(nix=NixSettings(substitute_on_destination=True, build_on="target"))
    options = CopyOptions.of(settings, tmp_path)
    argv = copy_command(SYSTEM + ".drv", target("deploy", sudo=True), options, derivation=True)
    assert argv[:5] == ["nix", "copy", "--no-check-sigs", "--substitute-on-destination", "--derivation"]
    assert unquote(argv[-2]) == "ssh-ng://deploy@toto?remote-program=sudo -n -- nix-daemon"


def test_signed_copies_go_as_the_user_and_are_checked_by_the_host(tmp_path: Path) -> None:
    options = CopyOptions.of(LabSettings(nix=NixSettings(sign_key="keys/deploy.sec")), tmp_path)
    assert options.sign_key == str(tmp_path / "keys" / "deploy.sec")
    argv = copy_command(SYSTEM, target("deploy", sudo=True), options)
    assert "--no-check-sigs" not in argv and argv[-2] == "ssh-ng://deploy@toto"


def test_a_signature_refusal_names_the_setting_that_fixes_it() -> None:
    stderr = "error: cannot add path '/nix/store/x' because it lacks a valid signature\n"
    unsigned = explain_copy_failure(stderr, target("deploy"), CopyOptions())
    assert "trusted-users = deploy" in unsigned and "sign_key" in unsigned
    signed = explain_copy_failure(stderr, target("deploy"), CopyOptions(sign_key="/k/deploy.sec"))
    assert "trusted-public-keys" in signed and "/k/deploy.sec" in signed
    sudo = explain_copy_failure("sudo: a password is required\n", target("deploy", sudo=True), CopyOptions())
    assert "passwordless sudo" in sudo and "nix-daemon --stdio" in sudo
