"""Netboot images per MAC: the store, building a role's images with Nix, and serving them."""
