"""Registers the topology picture's plan artifact (its code lives in `elenta.topology`).

# elenta-plugins: core wiring; the subsystem registry of issue 17 replaces this module.
"""

from elenta.topology.artifacts import topology_artifacts

__all__ = ["topology_artifacts"]
