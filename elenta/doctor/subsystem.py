"""`elenta doctor` registered like a subsystem: it reads the live network, renders and deploys nothing.

It reads what the DHCP and DNS subsystems serve, so it is not core code; registering it here gives
the command line its task.
"""

from elenta.subsystem import Subsystem


class Doctor(Subsystem):
    """The live network against the cadaster (`elenta doctor`)."""

    name = "doctor"
    order = 99
    tasks = "elenta.tasks.doctor"


subsystem = Doctor()
