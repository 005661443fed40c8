"""Firewall checks that need more than the model: the host configurations as Nix evaluates them.

The openings themselves are rendered, purely, by `elenta.firewall.render`.
"""
