"""Where and how to reach a switch (from the cadaster), and a netmiko session to it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache

from netmiko import BaseConnection
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoBaseException, NetmikoTimeoutException
from netmiko.ssh_dispatcher import ssh_dispatcher
from paramiko.ssh_exception import SSHException

from elenta.exitcodes import UNREACHABLE
from elenta.model.errors import ElentaError, ModelError
from elenta.model.lab import Lab
from elenta.switch import host_keys
from elenta.switch.credentials import SwitchCredentials, load_credentials
from elenta.switch.drivers import SwitchDriver
from elenta.switch.host_keys import TrustedKeys, netmiko_refusal
from elenta.switch.plan import switch_table


class SwitchConnectionError(ElentaError):
    """A switch cannot be reached or refuses the login (names the switch and its address)."""

    exit_code = UNREACHABLE


@dataclass(frozen=True)
class SwitchTarget:
    """One switch to manage: `switch_target(lab, "sw1").host == "127.0.1.250"`."""

    name: str
    host: str
    port: int
    driver: SwitchDriver
    credentials: SwitchCredentials
    shutdown_unused: bool
    timeout: float = 15.0  # seconds for the connection, the login and each reply
    revert_minutes: int = 0  # self-revert timer around a push (0: none)
    trusted: TrustedKeys = host_keys.NO_KEYS  # its SSH host keys (none: every key is refused)

    def __str__(self) -> str:
        return f"{self.name} ({self.host}:{self.port})"


def switch_target(lab: Lab, name: str) -> SwitchTarget:
    """The management address, SSH port, driver and credentials of switch `name` in the lab.

    The address is `management_address(lab, name)`.
    """
    switch, driver = switch_table(lab, name)
    machine = lab.cadaster.machines[name]
    host = management_address(lab, name)
    credentials = load_credentials(
        switch.credentials, f"{lab.cadaster_file}: machines.{name}.switch.credentials", lab.root
    )
    return SwitchTarget(
        name,
        host,
        machine.ssh.port,
        driver,
        credentials,
        switch.shutdown_unused,
        switch.timeout,
        switch.revert_minutes if (driver.revert_schedule or driver.revert_session or driver.netconf) else 0,
        host_keys.trusted_keys(lab, name, host, machine.ssh.port),
    )


def management_address(lab: Lab, name: str) -> str:
    """The address elenta reaches switch `name` at: `management_address(lab, "sw1") == "127.0.1.250"`.

    Its interface on `switch.management_network`, else its primary one.
    """
    switch = lab.cadaster.machines[name].switch
    machine = lab.cadaster.machines[name]
    iface = None
    if switch is not None and switch.management_network:
        iface = next((i for i in machine.interfaces.values() if i.network == switch.management_network), None)
    if iface is None:
        primary = machine.primary_interface()
        iface = primary[1] if primary else None
    if iface is None:
        raise ModelError.one(
            lab.cadaster_file, ("machines", name, "interfaces"), "a switch needs a management IP"
        )
    return str(iface.ip)


def probe(target: SwitchTarget) -> None:
    """Open and close one TCP connection, telling "refused" from "no answer": `probe(target)`."""
    try:
        with socket.create_connection((target.host, target.port), timeout=target.timeout):
            return
    except ConnectionRefusedError:
        reason = "connection refused (nothing listens there)"
    except TimeoutError:
        reason = f"no answer within {target.timeout:g} s (switch down, frozen, or filtered)"
    except OSError as exc:
        reason = f"cannot connect: {exc.strerror or exc}"
    raise SwitchConnectionError(f"switch {target}: {reason}")


@cache
def _connection_class(device_type: str, prompt: str | None) -> type[BaseConnection]:
    """netmiko's class for the platform (as `ConnectHandler` picks it).

    Where the platform names the prompt of its configuration sub-modes (`config_prompt`), the
    configuration mode is checked by that prompt, from any sub-mode, instead of netmiko's wait
    for two seconds of silence (its Dell DNOS 6 driver): `_connection_class("dell_os6", ")#")`.
    """
    base: type[BaseConnection] = ssh_dispatcher(device_type)
    if prompt is None:
        return base

    class PromptChecked(base):  # type: ignore[misc, valid-type]
        def check_config_mode(
            self, check_string: str = prompt, pattern: str = r"[>#]", force_regex: bool = False
        ) -> bool:
            return bool(super().check_config_mode(check_string=check_string, pattern=pattern))

    return PromptChecked


@contextmanager
def open_session(target: SwitchTarget) -> Iterator[BaseConnection]:
    """An enabled netmiko session, closed on exit: `with open_session(target) as conn: ...`.

    Every wait is bounded by `target.timeout` (the cadaster's `switch.timeout`): a switch that
    accepts the connection but never answers fails within about that time. The switch's host key
    must be one of `target.trusted` (else SwitchHostKeyError, before the password is sent).
    """
    probe(target)
    timeout = target.timeout
    checked = host_keys.netmiko_options(target)
    try:
        connection = _connection_class(target.driver.netmiko_device_type, target.driver.config_prompt)(
            device_type=target.driver.netmiko_device_type,
            host=target.host,
            port=target.port,
            username=target.credentials.username,
            password=target.credentials.password,
            secret=target.credentials.secret,
            conn_timeout=timeout,
            auth_timeout=timeout,
            banner_timeout=timeout,
            blocking_timeout=timeout,
            session_timeout=timeout,
            read_timeout_override=timeout,
            use_keys=False,
            allow_agent=False,
            **checked,
        )
    except ValueError:  # netmiko enables while preparing the session (Dell DNOS 6)
        raise SwitchConnectionError(
            f"switch {target}: enable refused (wrong enable secret? "
            f"machines.{target.name}.switch.credentials)"
        ) from None
    except NetmikoAuthenticationException:
        raise SwitchConnectionError(
            f"switch {target}: login refused for user {target.credentials.username!r}"
        ) from None
    except (NetmikoTimeoutException, SSHException, OSError, EOFError) as exc:
        raise netmiko_refusal(target, exc) or SwitchConnectionError(
            f"switch {target}: no SSH session within {timeout:g} s ({type(exc).__name__})"
        ) from None
    finally:
        host_keys.forget_options(checked)
    try:
        try:
            connection.enable()
        except ValueError:
            raise SwitchConnectionError(
                f"switch {target}: enable refused (wrong enable secret? "
                f"machines.{target.name}.switch.credentials)"
            ) from None
        yield connection
    except (NetmikoBaseException, SSHException, OSError, EOFError) as exc:
        raise SwitchConnectionError(f"switch {target}: session failed: {type(exc).__name__}: {exc}") from None
    finally:
        with suppress(NetmikoBaseException, SSHException, OSError, EOFError):
            connection.disconnect()
