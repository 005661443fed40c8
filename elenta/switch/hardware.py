"""The hardware models whose port lists elenta knows, from every platform's module.

A cadaster switch may name its `model`; its desired state then refuses a port the model does not
have, before any connection. Without a model the port is checked against the running
configuration at plan time.

    >>> model_ports("cisco_2960_24TT_L")[-1]
    'GigabitEthernet0/2'
"""

from __future__ import annotations

from functools import cache

from elenta.switch.naming import expand_ports
from elenta.switch.platform import HardwareModel
from elenta.switch.platforms import DRIVERS

PLATFORMS = tuple(DRIVERS)
MODELS: dict[str, HardwareModel] = {model: hw for d in DRIVERS.values() for model, hw in d.models.items()}
MODEL_PLATFORM: dict[str, str] = {model: d.platform for d in DRIVERS.values() for model in d.models}


@cache
def model_ports(model: str) -> tuple[str, ...]:
    """Every port of a known model, in canonical form: `"FastEthernet0/1" in model_ports(m)`."""
    platform = MODEL_PLATFORM[model]
    return tuple(port for spec in MODELS[model].ports for port in expand_ports(spec, platform))
