"""Errors of the netboot subsystem: each names the store, MAC or flake attribute and the fault."""

from __future__ import annotations

from elenta.exitcodes import BAD_INPUT, FAILED, UNREACHABLE
from elenta.model.errors import ElentaError


class NetbootError(ElentaError):
    """A netboot image could not be built, placed or found; nothing was half-applied."""

    exit_code = BAD_INPUT  # a bad argument, a missing file, a configuration Nix cannot build


class NetbootUnreachable(NetbootError):
    """The machine to introspect did not answer over SSH, or refused the login."""

    exit_code = UNREACHABLE


class NetbootDeployFailed(NetbootError):
    """The pyinfra run placing the images on the store servers failed (its output says where)."""

    exit_code = FAILED
