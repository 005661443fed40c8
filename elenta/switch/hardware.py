"""Switch platforms elenta drives and the hardware models whose port lists it knows.

A cadaster switch may name its `model`; `elenta check` then refuses a port the model does not
have, before any connection. Without a model the port is checked against the running
configuration at plan time.

    >>> model_ports("cisco_2960_24TT_L")[-1]
    'GigabitEthernet0/2'

Pure: no third-party imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from elenta.switch.naming import expand_ports

PLATFORMS = ("cisco_ios", "arista_eos")


@dataclass(frozen=True)
class HardwareModel:
    """A switch model: its platform, its ports (as ranges) and whether trunks name an encapsulation."""

    platform: str
    ports: tuple[str, ...]
    trunk_encapsulation: bool = False  # `switchport trunk encapsulation dot1q` before `mode trunk`


MODELS: dict[str, HardwareModel] = {
    "cisco_2960_24TT_L": HardwareModel("cisco_ios", ("FastEthernet0/1-24", "GigabitEthernet0/1-2")),
    "cisco_2960_48TT_L": HardwareModel("cisco_ios", ("FastEthernet0/1-48", "GigabitEthernet0/1-2")),
    "cisco_3560_24TS": HardwareModel(
        "cisco_ios", ("FastEthernet0/1-24", "GigabitEthernet0/1-2"), trunk_encapsulation=True
    ),
    "cisco_3750x_48": HardwareModel(
        "cisco_ios", ("GigabitEthernet1/0/1-48", "GigabitEthernet1/1/1-4"), trunk_encapsulation=True
    ),
    "arista_7048t": HardwareModel("arista_eos", ("Ethernet1-52",)),
    "arista_7010t_48": HardwareModel("arista_eos", ("Ethernet1-52",)),
}


@cache
def model_ports(model: str) -> tuple[str, ...]:
    """Every port of a known model, in canonical form: `"FastEthernet0/1" in model_ports(m)`."""
    hardware = MODELS[model]
    return tuple(port for spec in hardware.ports for port in expand_ports(spec, hardware.platform))
