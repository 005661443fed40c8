"""Managed switches: platform drivers, credentials, remediation and rollback, backup history.

The layers: `elenta.switch.render` (desired text), `elenta.facts.switch` (running text read over
SSH), `elenta.switch.diff` (hier-config remediation and rollback), `elenta.operations.switch`
(backup, push, save, confirm, roll back). `elenta.switch.ports` is the port map (`elenta net
ports`, the topology's switch ports) and the cabling warnings of `elenta check`;
`elenta.switch.bonds` the machines' bonds (their discovery entries' `bonds`).
"""
