"""Registers the DHCP subsystem's plan artifacts (its code lives in `elenta.dhcp`).

# elenta-plugins: core wiring; the subsystem registry of issue 17 replaces this module.
"""

from elenta.dhcp.artifacts import dhcp_artifacts

__all__ = ["dhcp_artifacts"]
