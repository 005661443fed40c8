"""elenta: run a homelab of NixOS machines from one source of truth."""

__version__ = "0.1.0"
