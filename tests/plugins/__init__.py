"""Subsystems that live outside elenta, registered the way a user's plugin is (`ELENTA_PLUGINS`)."""
