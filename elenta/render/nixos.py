"""Registers the NixOS subsystem's artifacts (its code lives in `elenta/nixos/`)."""

from elenta.nixos.artifacts import nixos_artifacts

__all__ = ["nixos_artifacts"]
