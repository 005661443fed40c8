"""A small subsystem for the tests: a message of the day on every NixOS machine.

It is everything a subsystem is, outside the elenta package and named by no core module:
`render.py` (pure: the plan's artifacts and the checks), `deploy.py` (the pyinfra deploy),
`tasks.py` (the invoke task `elenta motd`), and `subsystem.py`, its registration object. A test
registers it for a command with `ELENTA_PLUGINS=tests.plugins.motd.subsystem` (and the
repository on `PYTHONPATH`, so that the pyinfra process of a deploy imports it too).
"""
