"""Where and how to reach a switch (from the cadaster), and a netmiko session to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from netmiko import BaseConnection, ConnectHandler
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoBaseException, NetmikoTimeoutException
from paramiko.ssh_exception import SSHException

from elenta.exitcodes import UNREACHABLE
from elenta.model.errors import ElentaError, ModelError
from elenta.model.lab import Lab
from elenta.switch.credentials import SwitchCredentials, load_credentials
from elenta.switch.drivers import SwitchDriver, driver_for


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

    def __str__(self) -> str:
        return f"{self.name} ({self.host}:{self.port})"


def switch_target(lab: Lab, name: str) -> SwitchTarget:
    """The management address, SSH port, driver and credentials of switch `name` in the lab.

    The address is the switch's interface on `switch.management_network`, else its primary one.
    """
    machine = lab.cadaster.machines.get(name)
    key = ("machines", name, "switch")
    if machine is None or machine.switch is None:
        raise ModelError.one(lab.cadaster_file, key, f"{name!r} is not a managed switch in the cadaster")
    switch = machine.switch
    try:
        driver = driver_for(switch.platform)
    except KeyError as exc:
        raise ModelError.one(lab.cadaster_file, (*key, "platform"), exc.args[0]) from None
    iface = None
    if switch.management_network:
        iface = next((i for i in machine.interfaces.values() if i.network == switch.management_network), None)
    if iface is None:
        primary = machine.primary_interface()
        iface = primary[1] if primary else None
    if iface is None:
        raise ModelError.one(
            lab.cadaster_file, ("machines", name, "interfaces"), "a switch needs a management IP"
        )
    credentials = load_credentials(
        switch.credentials, f"{lab.cadaster_file}: machines.{name}.switch.credentials", lab.root
    )
    return SwitchTarget(name, str(iface.ip), machine.ssh.port, driver, credentials, switch.shutdown_unused)


@contextmanager
def open_session(target: SwitchTarget, timeout: float = 15.0) -> Iterator[BaseConnection]:
    """An enabled netmiko session, closed on exit: `with open_session(target) as conn: ...`."""
    try:
        connection = ConnectHandler(
            device_type=target.driver.netmiko_device_type,
            host=target.host,
            port=target.port,
            username=target.credentials.username,
            password=target.credentials.password,
            secret=target.credentials.secret,
            conn_timeout=timeout,
            auth_timeout=timeout,
            banner_timeout=timeout,
            use_keys=False,
            allow_agent=False,
        )
    except NetmikoAuthenticationException:
        raise SwitchConnectionError(
            f"switch {target}: login refused for user {target.credentials.username!r}"
        ) from None
    except (NetmikoTimeoutException, OSError) as exc:
        raise SwitchConnectionError(f"switch {target}: cannot connect ({type(exc).__name__})") from None
    try:
        connection.enable()
        yield connection
    except (NetmikoBaseException, SSHException, OSError, EOFError) as exc:
        raise SwitchConnectionError(f"switch {target}: session failed: {type(exc).__name__}: {exc}") from None
    finally:
        connection.disconnect()
