"""Launch the third-party `fake-switches` Cisco emulator over SSH on a loopback address.

The launcher fixes two bugs of fake-switches 1.5 as shipped:

* its own launcher passes the enable password as bytes, so `enable` never matches the typed
  (text) password — here the SSH user database gets bytes and the enable password stays text;
* its Cisco configuration mode has no `end`, so netmiko's exit from configuration mode hangs —
  here `end` leaves configuration mode from any sub-mode, as on a real switch.

It adds what a homelab switch has and the emulator lacks: access-port lines it does not model
(`spanning-tree portfast`, `bpduguard`, voice VLAN, storm control, `nonegotiate`) are kept and
shown; port-channels appear in the running configuration; `write memory` saves the configuration
and `reload in N` / `reload cancel` schedule and cancel a reload to it (`--minute-seconds`
shortens a minute for tests); `show mac address-table` and `show lldp neighbors` list what
`--mac` and `--lldp` give.

It can also inject faults: `--reject REGEX` makes every configuration line matching REGEX answer
`% Invalid input detected at '^' marker.` without applying it (as a real switch does for a
command its image lacks); `--ignore REGEX` accepts a matching line silently without applying it;
`--cut REGEX` applies a matching line and then drops the session (the
change cut the management path). A frozen switch is the process stopped with SIGSTOP. Run it as
a program:

    python -m elenta.lab.switch_emulator --host 127.0.0.1 --port 2222 --password s3cret

or from Python: `with SwitchEmulator(password="s3cret") as sw: ...` (a free port on loopback).

`--model arista_7048t` plays an Arista EOS switch (`fake_arista.py`); `--model juniper_ex2200_24t`
or `juniper_ex2300_24t` a Junos switch over NETCONF (`fake_juniper.py`), where `--reject` and
`--cut` match the XML of an `edit-config`.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

if __package__:
    from .fake_common import Faults, dotted_mac, keep_extra, negation, saved_state
else:  # run as a file (see SwitchEmulator.start): its folder is on sys.path
    from fake_common import Faults, dotted_mac, keep_extra, negation, saved_state  # type: ignore[no-redef]

DEFAULT_MODEL = "cisco_2960_24TT_L"


@dataclass(frozen=True)
class Behaviour:
    """Faults to inject and the lab's clock: `Behaviour(reject="^description x", minute=1.0)`."""

    reject: str | None = None  # configuration lines refused with `% Invalid input`
    cut: str | None = None  # configuration lines applied, then the session dropped
    ignore: str | None = None  # configuration lines accepted silently and not applied
    minute: float = 60.0  # seconds in a minute, for `reload in N`
    macs: tuple[tuple[str, str], ...] = ()  # (port, MAC) rows of `show mac address-table`
    lldp: tuple[tuple[str, str], ...] = ()  # (port, "device:port id") rows of `show lldp neighbors`

    def arguments(self) -> list[str]:
        """The command-line flags that give this behaviour to the emulator's process."""
        out = [f"--minute-seconds={self.minute}"]
        for flag, value in (("--reject", self.reject), ("--cut", self.cut), ("--ignore", self.ignore)):
            if value:
                out.append(f"{flag}={value}")
        out += [f"--lldp={port}={neighbour}" for port, neighbour in self.lldp]
        return out + [f"--mac={port}={mac}" for port, mac in self.macs]


JUNIPER_MODELS = ("juniper_ex2200_24t", "juniper_ex2300_24t")  # NETCONF over SSH, see fake_juniper.py
MODELS = (
    "cisco_generic",
    "cisco_2960_24TT_L",
    "cisco_2960_48TT_L",
    "arista_7048t",
    "dell_n4032",
    *JUNIPER_MODELS,
)
ARISTA_PORTS = {"arista_7048t": [f"Ethernet{n}" for n in range(1, 53)]}
DELL_PORTS = {  # fake-switches' `dell10g_generic` (DNOS 6 CLI) with a Dell N4032's ports
    "dell_n4032": [f"tengigabitethernet 1/0/{n}" for n in range(1, 25)]
    + [f"fortygigabitethernet 1/1/{n}" for n in range(1, 3)],
}


def _core_class(model: str, behaviour: Behaviour) -> type:
    """The fake-switches core class for `model`, completed (see the module doc) and with faults."""
    from fake_switches.cisco import cisco_core
    from fake_switches.cisco.command_processor import enabled as ios_enabled
    from fake_switches.cisco.command_processor.config import ConfigCommandProcessor
    from fake_switches.cisco.command_processor.config_interface import ConfigInterfaceCommandProcessor
    from fake_switches.cisco.command_processor.config_vlan import ConfigVlanCommandProcessor
    from fake_switches.cisco.command_processor.config_vrf import ConfigVRFCommandProcessor
    from fake_switches.cisco.command_processor.enabled import EnabledCommandProcessor

    bases = {
        "cisco_generic": cisco_core.CiscoSwitchCore,
        "cisco_2960_24TT_L": cisco_core.Cisco2960_24TT_L_SwitchCore,
        "cisco_2960_48TT_L": cisco_core.Cisco2960_48TT_L_SwitchCore,
    }
    minute = behaviour.minute
    macs = sorted(set(behaviour.macs))  # (port, MAC) rows: an uplink learns several MACs
    extra_lines = re.compile(
        r"^(spanning-tree (portfast|bpduguard|bpdufilter|guard|cost|port-priority)|switchport voice vlan "
        r"|switchport nonegotiate|storm-control )"
    )

    class ConfigWithEnd(ConfigCommandProcessor):
        """Configuration mode that knows `end` (from any sub-mode: sub-modes fall back here)."""

        def do_end(self, *_: str) -> None:
            """`end`: back to the enabled prompt (sub-modes hand unknown lines to this mode)."""
            self.is_done = True

    class InterfaceWithExtras(ConfigInterfaceCommandProcessor):
        """Interface mode that keeps the access-port lines fake-switches does not model."""

        def parse_and_execute_command(self, line: str) -> bool:
            """An extra line is stored (or removed with `no`) in the port; others as before."""
            body, negated = negation(line)
            if extra_lines.match(body):
                keep_extra(self.port, body, negated)
                return True
            return super().parse_and_execute_command(line)

    def running_interface(port: object) -> list[str]:
        data = ios_enabled.build_running_interface(port)
        return data + [f" {e}" for e in port.vendor_specific.get("extra", [])]  # type: ignore[attr-defined]

    class Enabled(EnabledCommandProcessor):
        """Enabled mode with port-channels and extras shown, saving, scheduled reloads, MACs."""

        def show_run(self) -> None:
            """`show running-config`, as fake-switches, plus port-channels and extra lines."""
            conf = self.switch_configuration
            data = ["version 12.1", "!", f"hostname {conf.name}", "!", "!"]
            for vlan in conf.vlans:
                data += [*ios_enabled.build_running_vlan(vlan), "!"]
            channels = [p for p in conf.ports if type(p).__name__ == "AggregatedPort"]
            for port in conf.get_physical_ports() + channels + conf.get_vlan_ports():
                data += [*running_interface(port), "!"]
            data += ["end", ""]
            self.write_line("Building configuration...")
            self.write_line("")
            self.write_line(f"Current configuration : {len(chr(10).join(data)) + 1} bytes")
            for line in data:
                self.write_line(line)

        def do_write(self, *args: str) -> None:
            """`write memory`: the configuration a reload comes back to."""
            _save(self.switch_configuration)
            super().do_write(*args)

        def do_reload(self, *args: str) -> None:
            """`reload in N` (asks to confirm) and `reload cancel`."""
            conf = self.switch_configuration
            if args[:1] == ("cancel",):
                timer = getattr(conf, "elenta_reload", None)
                if timer is not None and timer.active():
                    timer.cancel()
                    self.write_line("***")
                    self.write_line("*** --- SHUTDOWN ABORTED ---")
                    self.write_line("***")
                return
            if len(args) == 2 and args[0] == "in" and args[1].isdigit():
                self.write("Proceed with reload? [confirm]")
                self.continue_to(lambda _: self._schedule(int(args[1])))
                return
            self.write_line("% Incomplete command.")

        def _schedule(self, minutes: int) -> None:
            from twisted.internet import reactor

            conf = self.switch_configuration
            old = getattr(conf, "elenta_reload", None)
            if old is not None and old.active():
                old.cancel()
            conf.elenta_reload = reactor.callLater(minutes * minute, _reload, conf)  # type: ignore[attr-defined]
            self.write_line("")
            self.write_line(f"Reload scheduled in {minutes} minutes by elenta")
            self.show_prompt()

        def do_show(self, *args: str) -> None:
            """`show mac address-table`, else fake-switches' `show`."""
            if args[:2] == ("mac", "address-table"):
                self._show_macs()
            elif args[:2] == ("lldp", "neighbors"):
                self.write_line("Capability codes:")
                self.write_line(
                    "    (R) Router, (B) Bridge, (T) Telephone, (W) WLAN Access Point, (S) Station"
                )
                self.write_line("")
                self.write_line("Device ID           Local Intf     Hold-time  Capability      Port ID")
                for port_name, neighbour in behaviour.lldp:
                    device, _, port_id = neighbour.partition(":")
                    self.write_line(f"{device:<20}{port_name:<15}{120:<11}{'S':<16}{port_id}")
                self.write_line("")
                self.write_line(f"Total entries displayed: {len(behaviour.lldp)}")
            elif args[:1] == ("startup-config",):
                with saved_state(self.switch_configuration, _state_of_saved):
                    self.show_run()
            else:
                super().do_show(*args)

        def _show_macs(self) -> None:
            conf = self.switch_configuration
            self.write_line("          Mac Address Table")
            self.write_line("-------------------------------------------")
            self.write_line("")
            self.write_line("Vlan    Mac Address       Type        Ports")
            self.write_line("----    -----------       --------    -----")
            for port_name, mac in macs:
                port = conf.get_port_by_partial_name(port_name)
                vlan = (port.access_vlan if port is not None else None) or 1
                short = port.get_subname(length=2) if port is not None else port_name
                self.write_line(f"{vlan:>4}    {dotted_mac(mac)}    DYNAMIC     {short}")
            self.write_line(f"Total Mac Addresses for this criterion: {len(macs)}")

    refusal = (" " * 24 + "^", "% Invalid input detected at '^' marker.", "")
    faults = Faults(behaviour, ConfigCommandProcessor, refusal)

    class RejectingShellSession(cisco_core.CiscoShellSession):
        """An IOS session answering the faults (`--reject`, `--ignore`, `--cut`) first."""

        def receive(self, line: str) -> bool:
            """One typed line: refused, ignored or cut when it matches in configuration mode."""
            return faults.receive(self, line, super().receive)

    class PatchedCore(bases[model]):  # type: ignore[misc, valid-type]
        """The model's core with the completed command tree and the fault-injecting session."""

        def new_command_processor(self) -> EnabledCommandProcessor:
            """The command tree of the model, completed."""
            return Enabled(
                config=ConfigWithEnd(
                    config_vlan=ConfigVlanCommandProcessor(),
                    config_vrf=ConfigVRFCommandProcessor(),
                    config_interface=InterfaceWithExtras(),
                )
            )

        def launch(self, protocol: str, terminal_controller: object) -> object:
            """A new CLI session for one SSH connection."""
            session = super().launch(protocol, terminal_controller)
            return RejectingShellSession(session.command_processor)

    return PatchedCore


def _state_of(conf: object) -> tuple[list[object], list[object]]:
    import copy

    memo = {id(conf): conf}
    return copy.deepcopy((conf.vlans, conf.ports), memo)  # type: ignore[attr-defined]


def _save(conf: object) -> None:
    """Keep a copy of the configuration: what a reload comes back to."""
    conf.elenta_saved = _state_of(conf)  # type: ignore[attr-defined]


def _reload(conf: object) -> None:
    """The scheduled reload: the running configuration becomes the saved one again."""
    vlans, ports = _state_of_saved(conf)
    conf.vlans[:] = vlans  # type: ignore[attr-defined]
    conf.ports[:] = ports  # type: ignore[attr-defined]
    print(f"reloaded {conf.name} to its saved configuration", flush=True)  # type: ignore[attr-defined]


def _state_of_saved(conf: object) -> tuple[list[object], list[object]]:
    import copy

    memo = {id(conf): conf}
    return copy.deepcopy(conf.elenta_saved, memo)  # type: ignore[attr-defined]


def listen_ssh(host: str, port: int, core: object, users: dict[str, bytes], host_key: str | None) -> None:
    """Serve `core` over SSH on `host:port` with the private key in file `host_key`.

    fake-switches' own `SwitchSshService` serves one RSA key published in its source, the same
    for every emulator; this one serves the key it is given (fake-switches' key without one).
    Every password check is logged (`login attempt for user …`): tests read the log to prove
    that a refused host key stopped the client before it sent the password.
    """
    from fake_switches.transports.ssh_service import SSHDemoRealm, getRSAKeys
    from twisted.conch.ssh import factory, keys
    from twisted.cred import checkers, portal
    from twisted.internet import reactor

    class LoggedPasswords(checkers.InMemoryUsernamePasswordDatabaseDontUse):
        def requestAvatarId(self, credentials: object) -> object:
            name = getattr(credentials, "username", b"").decode(errors="replace")
            print(f"login attempt for user {name}", flush=True)
            return super().requestAvatarId(credentials)

    ssh_factory = factory.SSHFactory()
    ssh_factory.portal = portal.Portal(SSHDemoRealm(core))
    ssh_factory.portal.registerChecker(LoggedPasswords(**users))
    published = getRSAKeys()[1].encode()
    private = keys.Key.fromFile(host_key) if host_key else keys.Key.fromString(data=published)
    ssh_factory.publicKeys = {private.sshType(): private.public()}
    ssh_factory.privateKeys = {private.sshType(): private}
    reactor.listenTCP(port=port, factory=ssh_factory, interface=host)  # type: ignore[attr-defined]


def serve(
    host: str,
    port: int,
    username: str,
    password: str,
    model: str,
    hostname: str,
    behaviour: Behaviour,
    host_key: str | None = None,
) -> None:
    """Run the emulator in this process until killed: `serve("127.0.0.1", 2222, "root", "pw", ...)`."""
    from fake_switches import switch_configuration
    from twisted.internet import reactor

    if model in JUNIPER_MODELS:
        if __package__:
            from .fake_juniper import PORTS, juniper_configuration, juniper_core
        else:  # run as a file (see SwitchEmulator.start): its folder is on sys.path
            from fake_juniper import PORTS, juniper_configuration, juniper_core  # type: ignore[no-redef]
        core_class = juniper_core(model, behaviour)
        configuration = juniper_configuration("127.0.0.1", hostname, password, PORTS[model])
        listen_ssh(host, port, core_class(configuration), {username: password.encode()}, host_key)
        print(f"fake switch {hostname} ({model}, NETCONF) listening on {host}:{port}", flush=True)
        reactor.run()  # type: ignore[attr-defined]
        return
    if model in ARISTA_PORTS:
        if __package__:
            from .fake_arista import arista_core
        else:  # run as a file (see SwitchEmulator.start): its folder is on sys.path
            from fake_arista import arista_core  # type: ignore[no-redef]
        core_class = arista_core(ARISTA_PORTS[model], behaviour, _save, _state_of_saved, _state_of)
    elif model in DELL_PORTS:
        if __package__:
            from .fake_dell import dell_core
        else:  # run as a file (see SwitchEmulator.start): its folder is on sys.path
            from fake_dell import dell_core  # type: ignore[no-redef]
        core_class = dell_core(DELL_PORTS[model], behaviour, _save, _state_of_saved)
    else:
        core_class = _core_class(model, behaviour)
    configuration = switch_configuration.SwitchConfiguration(
        "127.0.0.1",
        name=hostname,
        privileged_passwords=[password],  # text: what the enable prompt compares with
        ports=core_class.get_default_ports(),
    )
    core = core_class(configuration)
    _save(configuration)  # a fresh switch's saved configuration is its first one
    listen_ssh(host, port, core, {username: password.encode()}, host_key)
    print(f"fake switch {hostname} ({model}) listening on {host}:{port}", flush=True)
    reactor.run()  # type: ignore[attr-defined]


class SwitchEmulator:
    """A fake-switches Cisco emulator in a child process, stopped on exit.

    `with SwitchEmulator(password="pw") as sw: print(sw.host, sw.port, sw.public_key)` (port: a
    free one). It serves the host key in file `host_key` (the lab's: `ensure_switch_key`), or a
    new one of its own that is removed when it stops.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        username: str = "root",
        password: str = "root",
        model: str = DEFAULT_MODEL,
        hostname: str = "switch",
        reject: str | None = None,
        log: Path | None = None,
        behaviour: Behaviour | None = None,
        host_key: Path | None = None,
    ) -> None:
        self.host = host
        if port is None:
            from elenta.lab.hosts import free_port  # here, not at the top: the child process skips it

            port = free_port(host)
        self.port = port
        self.username = username
        self.password = password
        self.model = model
        self.hostname = hostname
        self.behaviour = behaviour or Behaviour(reject=reject)
        self.log = log
        self.host_key = host_key
        self._own_key: Path | None = None  # a key made for this emulator alone, removed at stop
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def public_key(self) -> str:
        """`"ssh-ed25519 AAAA…"`: the host key the emulator serves (once started)."""
        key = self.host_key or self._own_key
        assert key is not None, "start the emulator first"
        return " ".join(Path(f"{key}.pub").read_text().split()[:2])

    def start(self, timeout: float = 20.0) -> SwitchEmulator:
        """Start the child process and wait until its SSH port accepts connections."""
        # Run the file itself, not `-m`: importing the `elenta.lab` package would cost a second.
        command = [sys.executable, str(Path(__file__).resolve()), "--host", self.host]
        command += ["--port", str(self.port), "--username", self.username, "--model", self.model]
        command += ["--hostname", self.hostname, *self.behaviour.arguments()]
        if self.host_key is None and self._own_key is None:
            import tempfile

            from elenta.lab.keys import generate_key

            self._own_key = Path(tempfile.mkdtemp(prefix="elenta-fake-switch-")) / "ssh_host_ed25519_key"
            generate_key(self._own_key, f"elenta-fake-switch-{self.hostname}")
        command += ["--host-key", str(self.host_key or self._own_key)]
        env = dict(os.environ, ELENTA_FAKE_SWITCH_PASSWORD=self.password)
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"fake switch exited with code {self.process.returncode} (log: {self.log})"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"fake switch did not listen on {self.host}:{self.port} within {timeout}s")

    def stop(self) -> None:
        """Stop the child process (it is ours: we kill it by its own pid)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._own_key is not None:
            import shutil

            shutil.rmtree(self._own_key.parent, ignore_errors=True)
            self._own_key = None

    def __enter__(self) -> SwitchEmulator:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Command line: `python -m elenta.lab.switch_emulator --port 2222` (password from env or flag)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=2222)
    parser.add_argument("--username", default="root")
    parser.add_argument(
        "--password", help="login and enable password (default: $ELENTA_FAKE_SWITCH_PASSWORD)"
    )
    parser.add_argument("--model", default=DEFAULT_MODEL, choices=MODELS)
    parser.add_argument("--hostname", default="switch")
    parser.add_argument(
        "--host-key", help="private SSH host key file to serve (default: fake-switches' published RSA key)"
    )
    parser.add_argument("--reject", help="regex: configuration lines that fail with '%% Invalid input'")
    parser.add_argument("--cut", help="regex: configuration lines applied, then the session dropped")
    parser.add_argument("--ignore", help="regex: configuration lines accepted silently, not applied")
    parser.add_argument("--minute-seconds", type=float, default=60.0, help="length of a minute (reload in)")
    parser.add_argument("--mac", action="append", default=[], help="PORT=MAC seen on a port (repeatable)")
    parser.add_argument(
        "--lldp", action="append", default=[], help="PORT=DEVICE:PORTID neighbour (repeatable)"
    )
    args = parser.parse_args(argv)
    if not args.host.startswith("127."):
        parser.error("the emulator listens on loopback (127.0.0.0/8) only")
    password = args.password or os.environ.get("ELENTA_FAKE_SWITCH_PASSWORD", "root")
    macs = tuple(tuple(item.split("=", 1)) for item in args.mac)
    lldp = tuple(tuple(item.split("=", 1)) for item in args.lldp)
    behaviour = Behaviour(args.reject, args.cut, args.ignore, args.minute_seconds, macs, lldp)  # type: ignore[arg-type]
    serve(args.host, args.port, args.username, password, args.model, args.hostname, behaviour, args.host_key)


if __name__ == "__main__":
    main()
