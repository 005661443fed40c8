"""Managed switches: platform drivers, credentials, remediation and rollback, backup history.

The layers: `elenta.switch.render` (desired text), `elenta.facts.switch` (running text read over
SSH), `elenta.switch.diff` (hier-config remediation and rollback), `elenta.operations.switch`
(backup, push, save, confirm, roll back).
"""
