"""Errors of the netboot subsystem: each names the store, MAC or flake attribute and the fault."""

from __future__ import annotations

from elenta.model.errors import ElentaError


class NetbootError(ElentaError):
    """A netboot image could not be built, placed or found; nothing was half-applied."""

    exit_code = 3
