"""Errors of the netboot subsystem: each names the store, MAC or flake attribute and the fault."""

from __future__ import annotations

from elenta.model.errors import ElentaError


class NetbootError(ElentaError):
    """A netboot image could not be built, placed or found; nothing was half-applied."""

    exit_code = 2  # mostly a bad argument or a missing file; a failed deploy says otherwise


class NetbootDeployFailed(NetbootError):
    """The pyinfra run placing the images on the store servers failed (its output says where)."""

    exit_code = 1
