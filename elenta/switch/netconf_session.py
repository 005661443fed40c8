"""A NETCONF session to a switch (Junos), over SSH with ncclient: `with open_netconf(target) as m:`.

The same bounds and errors as the CLI sessions of `elenta.switch.session`: "connection refused"
and "no answer" told apart before SSH starts, a refused login named, every reply bounded by the
cadaster's `switch.timeout`. ncclient is imported when a session opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from elenta.exitcodes import FAILED
from elenta.model.errors import ElentaError
from elenta.switch.host_keys import key_mismatch, ncclient_options, ncclient_refusal
from elenta.switch.session import SwitchConnectionError, SwitchTarget, probe

if TYPE_CHECKING:
    from ncclient.manager import Manager


class NetconfRefusal(ElentaError):
    """The switch answered an RPC elenta needed with an `rpc-error` (nothing was committed)."""

    exit_code = FAILED


def session_errors() -> tuple[type[BaseException], ...]:
    """What a NETCONF session raises when it breaks (transport, timeout) — not an `rpc-error`."""
    from ncclient.operations import TimeoutExpiredError
    from ncclient.transport import TransportError

    return (TransportError, TimeoutExpiredError, OSError, EOFError)


@contextmanager
def open_netconf(target: SwitchTarget) -> Iterator[Manager]:
    """A NETCONF session to `target`, closed on exit; `rpc-error` warnings are not raised.

    The switch's host key must be the trusted one (`target.trusted`), checked after the SSH
    handshake and before the login: else SwitchHostKeyError, and the password is never sent.
    """
    probe(target)
    from ncclient import manager
    from ncclient.operations import RaiseMode, RPCError
    from ncclient.transport import AuthenticationError, SSHUnknownHostError

    checked = ncclient_options(target)

    try:
        session = manager.connect(
            host=target.host,
            port=target.port,
            username=target.credentials.username,
            password=target.credentials.password,
            **checked,
            allow_agent=False,
            look_for_keys=False,
            timeout=target.timeout,
            device_params={"name": "default"},
        )
    except SSHUnknownHostError:
        raise ncclient_refusal(target) from None
    except AuthenticationError:
        raise SwitchConnectionError(
            f"switch {target}: login refused for user {target.credentials.username!r}"
        ) from None
    except session_errors() as exc:
        # A key exchange that failed may be a switch without the trusted key type (never a timeout).
        refusal = key_mismatch(target) if str(exc).startswith("Negotiation failed") else None
        raise refusal or SwitchConnectionError(
            f"switch {target}: no NETCONF session within {target.timeout:g} s ({type(exc).__name__})"
        ) from None
    session.timeout = target.timeout
    session.raise_mode = RaiseMode.ERRORS
    try:
        yield session
    except session_errors() as exc:
        raise SwitchConnectionError(f"switch {target}: session failed: {type(exc).__name__}: {exc}") from None
    except RPCError as exc:
        raise NetconfRefusal(f"switch {target}: the switch answered with an error: {exc}") from None
    finally:
        with suppress(Exception):  # the session may be gone already: closing it is best effort
            session.close_session()
