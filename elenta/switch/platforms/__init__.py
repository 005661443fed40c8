"""The switch platforms elenta drives, one module each: `DRIVERS["cisco_ios"]`.

Adding a platform (HPE/Aruba, Dell…): one module here defining its `SwitchDriver` (see
`elenta.switch.platform`), its template `elenta/switch/templates/<platform>.j2`, and its line below.
"""

from __future__ import annotations

from elenta.switch.platform import SwitchDriver
from elenta.switch.platforms import arista_eos, cisco_ios, dell_os6, juniper_junos

DRIVERS: dict[str, SwitchDriver] = {
    module.DRIVER.platform: module.DRIVER for module in (cisco_ios, arista_eos, juniper_junos, dell_os6)
}
