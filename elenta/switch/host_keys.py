"""Which SSH host keys elenta trusts for a switch, and the refusal when the switch offers another.

A switch's password is sent only after its host key matched one of the trusted keys. They come
from, the first that has any:

1. the cadaster's `machines.<switch>.ssh.host_key` (then only that key counts);
2. the lab's own key for the switch (`elenta.lab.keys.switch_public_key`, the emulator's key);
3. the user's known_hosts files as OpenSSH names them (`ssh -G` with the lab's `ssh.config`:
   UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias), looked up as `[address]:port`.

`trusted = trusted_keys(lab, "sw1", "127.0.1.250", 2222)`; the sessions
(`elenta.switch.session`, `elenta.switch.netconf_session`) refuse an unknown key before they
log in, and a changed one during the SSH handshake, before authentication.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from elenta.exitcodes import REFUSED
from elenta.model.errors import ElentaError
from elenta.model.lab import Lab

if TYPE_CHECKING:
    from elenta.switch.session import SwitchTarget

KEY_ORDER = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")


class SwitchHostKeyError(ElentaError):
    """A switch offered a host key elenta does not trust: nothing was sent, not even the password."""

    exit_code = REFUSED


@dataclass(frozen=True)
class TrustedKeys:
    """The keys trusted for one switch and where they come from (for the messages).

    `TrustedKeys(("ssh-ed25519 AAAA…",), "the cadaster", "cadaster.toml [machines.sw1] ssh")`
    """

    keys: tuple[str, ...] = ()  # "ssh-ed25519 AAAA…", strongest type first
    source: str = "no known_hosts file"
    pin_hint: str = "the cadaster, [machines.<switch>] ssh"

    def preferred(self) -> str:
        """The key a client negotiates first: `trusted.preferred()` -> `"ssh-ed25519 AAAA…"`."""
        return self.keys[0]


OPENSSH_USER_FILES = "~/.ssh/known_hosts ~/.ssh/known_hosts2"
OPENSSH_GLOBAL_FILES = "/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2"
NO_KEYS = TrustedKeys()  # a switch with no trusted key: every key it offers is refused


def _ordered(keys: list[str]) -> tuple[str, ...]:
    rank = {name: i for i, name in enumerate(KEY_ORDER)}
    unique = list(dict.fromkeys(keys))
    return tuple(sorted(unique, key=lambda k: rank.get(k.split()[0], len(rank))))


def known_hosts_name(host: str, port: int) -> str:
    """How known_hosts names a host: `known_hosts_name("127.0.1.250", 2222) == "[127.0.1.250]:2222"`."""
    return host if port == 22 else f"[{host}]:{port}"


def trusted_keys(lab: Lab, name: str, host: str, port: int) -> TrustedKeys:
    """The keys trusted for switch `name` reached at `host:port` (see the module docstring).

    Raises SshConfigError (exit 2) when `ssh -G` refuses the user's ssh config.
    """
    from elenta.lab.keys import switch_public_key
    from elenta.lab.state import lab_state

    hint = f"{lab.cadaster_file} [machines.{name}] ssh"
    pinned = lab.cadaster.machines[name].ssh.host_key
    if pinned:
        return TrustedKeys((pinned,), f"{lab.cadaster_file} machines.{name}.ssh.host_key", hint)
    lab_key = switch_public_key(lab_state(lab), name)
    if lab_key:
        return TrustedKeys((lab_key,), "the lab state (the lab's key for this switch)", hint)
    return _from_known_hosts(lab, host, port, hint)


def _from_known_hosts(lab: Lab, host: str, port: int, hint: str) -> TrustedKeys:
    """The keys the user's known_hosts hold for the switch, found where `ssh -G` says they are."""
    from elenta.model.settings import settings_path
    from elenta.pipeline.ssh_client import known_host_keys
    from elenta.pipeline.ssh_resolve import SshPins, expand, ssh_g

    config = settings_path(lab.root, lab.settings.ssh.config) if lab.settings.ssh.config else ""
    try:
        got = ssh_g(SshPins(destination=host, config=config, port=port))
    except FileNotFoundError:  # no OpenSSH client installed: the files it would read by default
        got = {"userknownhostsfile": [OPENSSH_USER_FILES], "globalknownhostsfile": [OPENSSH_GLOBAL_FILES]}
    fill = {"hostname": host, "port": port, "alias": host}
    files = " ".join(got.get("userknownhostsfile", []) + got.get("globalknownhostsfile", []))
    paths = [expand(p, **fill) for p in files.split() if p != "none"]
    alias = (got.get("hostkeyalias") or [""])[0]
    lookup = alias if alias and alias != "none" else known_hosts_name(host, port)
    keys = known_host_keys(paths, lookup)
    where = f"{lookup} in {', '.join(paths) or 'no known_hosts file'}"
    return TrustedKeys(_ordered(keys), where, hint)


def known_hosts_file(trusted: TrustedKeys, host: str, port: int) -> str:
    """A new private known_hosts file holding only the trusted keys (remove it after use).

    `path = known_hosts_file(trusted, "127.0.1.250", 2222)`
    """
    fd, path = tempfile.mkstemp(prefix="elenta-switch-", suffix=".known_hosts")
    with os.fdopen(fd, "w") as out:
        out.writelines(f"{known_hosts_name(host, port)} {key}\n" for key in trusted.keys)
    return path


def offered_key(host: str, port: int, timeout: float, key_type: str = "") -> str:
    """The host key the switch offers (of `key_type` first if it has one), read without logging in.

    One SSH handshake, no authentication: `offered_key("127.0.1.250", 2222, 10)` ->
    `"ssh-ed25519 AAAA…"`; "" when it cannot be read.
    """
    try:
        return read_offered_key(host, port, timeout, key_type)
    except (OSError, EOFError, ValueError):
        return ""


def read_offered_key(host: str, port: int, timeout: float, key_type: str = "") -> str:
    """As `offered_key`, raising OSError (or paramiko's SSHException) when the key cannot be read."""
    import socket

    import paramiko

    from elenta.pipeline.ssh_client import public_key_line, quiet_log

    sock = socket.create_connection((host, port), timeout=timeout)
    transport = paramiko.Transport(sock)
    transport.set_log_channel(quiet_log())  # the failure is reported by the caller
    transport.banner_timeout = timeout
    try:
        options = transport.get_security_options()
        if key_type in options.key_types:
            options.key_types = [key_type, *(t for t in options.key_types if t != key_type)]
        transport.start_client(timeout=timeout)
        return public_key_line(transport.get_remote_server_key())
    except EOFError as exc:
        raise OSError(f"the switch closed the connection ({exc or 'EOF'})") from None
    finally:
        transport.close()


def unknown_key(switch: str, trusted: TrustedKeys, seen: str) -> SwitchHostKeyError:
    """The refusal of a key no trusted source holds, with the line that pins the key seen."""
    offers = f"it offers {seen}" if seen else "its key could not be read"
    return SwitchHostKeyError(
        f"switch {switch}: host key not known ({offers}; checked {trusted.source}); refused before "
        f"the password was sent. If that is the switch's key (compare it on the switch's console), "
        + _pin(trusted, seen)
    )


def changed_key(switch: str, trusted: TrustedKeys, seen: str, expected: str) -> SwitchHostKeyError:
    """The refusal of a key that differs from the trusted one (a man in the middle, or a new switch)."""
    offers = f"it offers {seen}" if seen else "it offers another key"
    return SwitchHostKeyError(
        f"switch {switch}: host key CHANGED: {offers}, the trusted one is {expected} ({trusted.source}); "
        f"refused before the password was sent. If the switch was replaced or its key regenerated, "
        f"check the new key on its console, then " + _pin(trusted, seen)
    )


def _pin(trusted: TrustedKeys, seen: str) -> str:
    line = f'host_key = "{seen}"' if seen else 'host_key = "<the key `elenta hostkeys scan` shows>"'
    return f"pin it in {trusted.pin_hint}: {line}"


def require_known(target: SwitchTarget) -> None:
    """Refuse, before any login, a switch for which no key is trusted (the message shows its key)."""
    if not target.trusted.keys:
        seen = offered_key(target.host, target.port, target.timeout)
        raise unknown_key(str(target), target.trusted, seen)


def check_offered_key(target: SwitchTarget) -> None:
    """Refuse now a switch whose key is not trusted: one SSH handshake, no login.

    `check_offered_key(switch_target(lab, "sw1"))` before any switch is touched: raises
    SwitchHostKeyError (exit 3) for an unknown or changed key, SwitchConnectionError (exit 4)
    when the switch cannot be reached or does not answer within `target.timeout`.
    The session checks the key again.
    """
    import paramiko

    from elenta.switch.session import SwitchConnectionError, probe

    probe(target)
    try:
        seen = read_offered_key(target.host, target.port, target.timeout, _preferred_type(target))
    except (OSError, paramiko.SSHException) as exc:
        raise SwitchConnectionError(
            f"switch {target}: no SSH session within {target.timeout:g} s "
            f"(the handshake did not complete: {exc or type(exc).__name__})"
        ) from None
    refusal = _judge(target, seen)
    if refusal is not None:
        raise refusal


def _judge(target: SwitchTarget, seen: str) -> SwitchHostKeyError | None:
    """The refusal of the key `seen` (unknown or changed), None when it is a trusted one."""
    if not target.trusted.keys:
        return unknown_key(str(target), target.trusted, seen)
    if seen not in target.trusted.keys:
        return changed_key(str(target), target.trusted, seen, target.trusted.preferred())
    return None


def _preferred_type(target: SwitchTarget) -> str:
    return target.trusted.preferred().split()[0] if target.trusted.keys else ""


def netmiko_options(target: SwitchTarget) -> dict[str, object]:
    """netmiko's options that check the switch's key against the trusted ones, before the login.

    `checked = netmiko_options(target)`, then `ConnectHandler(..., **checked)` and
    `forget_options(checked)`: paramiko compares the key right after the SSH handshake and never
    authenticates on a mismatch. Raises SwitchHostKeyError when no key is trusted at all.
    """
    require_known(target)
    path = known_hosts_file(target.trusted, target.host, target.port)
    return {
        "ssh_strict": True,
        "system_host_keys": False,
        "alt_host_keys": True,
        "alt_key_file": path,
        "disabled_algorithms": {"keys": refused_key_types(target.trusted)},
    }


def refused_key_types(trusted: TrustedKeys) -> list[str]:
    """The host key algorithms the client must not negotiate: those no trusted key can verify.

    An RSA key is verified with any RSA signature (`rsa-sha2-512`, `rsa-sha2-256`, `ssh-rsa`), so
    a switch that no longer signs with SHA-1 is not taken for a changed one:
    `refused_key_types(TrustedKeys(("ssh-rsa AAAA…",)))` -> `["ssh-ed25519", "ecdsa-sha2-nistp256", …]`.
    """
    import paramiko

    allowed = {key.split()[0] for key in trusted.keys}
    if "ssh-rsa" in allowed:
        allowed |= {"rsa-sha2-512", "rsa-sha2-256"}
    return [name for name in paramiko.Transport._preferred_keys if name not in allowed]


def forget_options(options: dict[str, object]) -> None:
    """Remove the known_hosts file `netmiko_options` wrote (once netmiko has read it)."""
    with contextlib.suppress(OSError):
        os.unlink(str(options["alt_key_file"]))


def netmiko_refusal(target: SwitchTarget, exc: BaseException) -> SwitchHostKeyError | None:
    """The host key refusal behind a netmiko connection error, or None for any other error."""
    import paramiko

    from elenta.pipeline.ssh_client import public_key_line

    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, paramiko.BadHostKeyException):
        seen, expected = public_key_line(cause.key), public_key_line(cause.expected_key)
        return changed_key(str(target), target.trusted, seen, expected)
    if isinstance(cause, paramiko.SSHException) and "not found in known_hosts" in str(cause):
        return unknown_key(str(target), target.trusted, offered_key(target.host, target.port, target.timeout))
    if isinstance(cause, paramiko.ssh_exception.IncompatiblePeer):
        return key_mismatch(target)  # no trusted key type on offer: the switch has another key
    return None


def key_mismatch(target: SwitchTarget) -> SwitchHostKeyError | None:
    """After a failed handshake: the refusal when the switch offers an untrusted key, else None.

    One more handshake, no login: `raise key_mismatch(target) or SwitchConnectionError(...)`.
    """
    seen = offered_key(target.host, target.port, target.timeout, _preferred_type(target))
    return _judge(target, seen) if seen else None


def ncclient_options(target: SwitchTarget) -> dict[str, object]:
    """ncclient's options that accept only the trusted key (the preferred one), checked before the login.

    `manager.connect(host=..., **ncclient_options(target))`; on `SSHUnknownHostError` raise
    `ncclient_refusal(target)`.
    """
    require_known(target)
    return {"hostkey_verify": True, "hostkey_b64": target.trusted.preferred().split()[1]}


def ncclient_refusal(target: SwitchTarget) -> SwitchHostKeyError:
    """The refusal of a NETCONF switch whose key is not the trusted one (the key it offers read again)."""
    expected = target.trusted.preferred()
    return key_mismatch(target) or changed_key(str(target), target.trusted, "", expected)
