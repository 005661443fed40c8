"""Netboot images per MAC: the store, building a role's images with Nix, and serving them."""

DEFAULT_GRACE = 30.0  # seconds a generation in use is kept from `netboot gc`
