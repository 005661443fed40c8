"""Launch the third-party `fake-switches` Cisco emulator over SSH on a loopback address.

The launcher fixes two bugs of fake-switches 1.5 as shipped:

* its own launcher passes the enable password as bytes, so `enable` never matches the typed
  (text) password — here the SSH user database gets bytes and the enable password stays text;
* its Cisco configuration mode has no `end`, so netmiko's exit from configuration mode hangs —
  here `end` leaves configuration mode from any sub-mode, as on a real switch.

It can also inject a fault: `--reject REGEX` makes every configuration line matching REGEX answer
`% Invalid input detected at '^' marker.` without applying it (as a real switch does for a
command its image lacks). Run it as a program:

    python -m elenta.lab.switch_emulator --host 127.0.0.1 --port 2222 --password s3cret

or from Python: `with SwitchEmulator(password="s3cret") as sw: ...` (a free port on loopback).
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
from pathlib import Path
from types import TracebackType

DEFAULT_MODEL = "cisco_2960_24TT_L"
MODELS = ("cisco_generic", "cisco_2960_24TT_L", "cisco_2960_48TT_L")


def _core_class(model: str, reject: str | None) -> type:
    """The fake-switches core class for `model`, with `end` added and optional fault injection."""
    from fake_switches.cisco import cisco_core
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
    pattern = re.compile(reject) if reject else None

    class ConfigWithEnd(ConfigCommandProcessor):
        """Configuration mode that knows `end` (from any sub-mode: sub-modes fall back here)."""

        def do_end(self, *_: str) -> None:
            """`end`: back to the enabled prompt (sub-modes hand unknown lines to this mode)."""
            self.is_done = True

    class RejectingShellSession(cisco_core.CiscoShellSession):
        """Answers a configuration line matching the reject pattern with an IOS error."""

        def receive(self, line: str) -> bool:
            """One typed line: refused if it matches in configuration mode, else processed."""
            processor = self.command_processor
            in_config = False
            while processor.sub_processor is not None:
                processor = processor.sub_processor
                in_config = in_config or isinstance(processor, ConfigCommandProcessor)
            if pattern is not None and in_config and pattern.search(line):
                processor.write_line("                        ^")
                processor.write_line("% Invalid input detected at '^' marker.")
                processor.write_line("")
                processor.show_prompt()
                return True
            return super().receive(line)

    class PatchedCore(bases[model]):  # type: ignore[misc, valid-type]
        """The model's core with `end` in configuration mode and the rejecting session."""

        def new_command_processor(self) -> EnabledCommandProcessor:
            """The command tree of the model, with configuration mode knowing `end`."""
            return EnabledCommandProcessor(
                config=ConfigWithEnd(
                    config_vlan=ConfigVlanCommandProcessor(),
                    config_vrf=ConfigVRFCommandProcessor(),
                    config_interface=ConfigInterfaceCommandProcessor(),
                )
            )

        def launch(self, protocol: str, terminal_controller: object) -> object:
            """A new CLI session for one SSH connection."""
            session = super().launch(protocol, terminal_controller)
            return RejectingShellSession(session.command_processor)

    return PatchedCore


def serve(
    host: str, port: int, username: str, password: str, model: str, hostname: str, reject: str | None
) -> None:
    """Run the emulator in this process until killed: `serve("127.0.0.1", 2222, "root", "pw", ...)`."""
    from fake_switches import switch_configuration
    from fake_switches.transports.ssh_service import SwitchSshService
    from twisted.internet import reactor

    core_class = _core_class(model, reject)
    core = core_class(
        switch_configuration.SwitchConfiguration(
            "127.0.0.1",
            name=hostname,
            privileged_passwords=[password],  # text: what the enable prompt compares with
            ports=core_class.get_default_ports(),
        )
    )
    service = SwitchSshService(ip=host, port=port, switch_core=core, users={username: password.encode()})
    service.hook_to_reactor(reactor)
    print(f"fake switch {hostname} ({model}) listening on {host}:{port}", flush=True)
    reactor.run()  # type: ignore[attr-defined]


class SwitchEmulator:
    """A fake-switches Cisco emulator in a child process, stopped on exit.

    `with SwitchEmulator(password="pw") as sw: print(sw.host, sw.port)` (port: a free one)
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
        self.reject = reject
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> SwitchEmulator:
        """Start the child process and wait until its SSH port accepts connections."""
        # Run the file itself, not `-m`: importing the `elenta.lab` package would cost a second.
        command = [sys.executable, str(Path(__file__).resolve()), "--host", self.host]
        command += ["--port", str(self.port), "--username", self.username, "--model", self.model]
        command += ["--hostname", self.hostname]
        if self.reject:
            command += ["--reject", self.reject]
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
    parser.add_argument("--reject", help="regex: configuration lines that fail with '% Invalid input'")
    args = parser.parse_args(argv)
    if not args.host.startswith("127."):
        parser.error("the emulator listens on loopback (127.0.0.0/8) only")
    password = args.password or os.environ.get("ELENTA_FAKE_SWITCH_PASSWORD", "root")
    serve(args.host, args.port, args.username, password, args.model, args.hostname, args.reject)


if __name__ == "__main__":
    main()
