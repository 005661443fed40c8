"""NixOS machines: building their systems, reading where a host is, activation's confirm or rollback."""
