"""A switch's login, from where the cadaster says: an environment variable or a file.

The secret is never printed: `SwitchCredentials` hides it from `repr` and `str`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from elenta.model.cadaster import Credentials
from elenta.model.errors import ElentaError


class CredentialsError(ElentaError):
    """A switch's secret cannot be found where the cadaster says (the secret is never shown)."""

    exit_code = 2


@dataclass(frozen=True)
class SwitchCredentials:
    """Username, password and enable secret; `repr` shows only the username."""

    username: str
    password: str = field(repr=False)
    secret: str = field(repr=False)


def load_credentials(credentials: Credentials, key: str, base: Path) -> SwitchCredentials:
    """Read the secret named by the cadaster (a relative file is taken from the lab folder `base`).

    `load_credentials(machine.switch.credentials, "machines.sw1.switch.credentials", lab.root)`
    """
    if credentials.password_env:
        password = os.environ.get(credentials.password_env)
        if password is None:
            raise CredentialsError(
                f"{key}.password_env: environment variable {credentials.password_env} is not set"
            )
    elif credentials.password_file:
        path = Path(os.path.expanduser(credentials.password_file))
        path = path if path.is_absolute() else base / path
        try:
            password = path.read_text().rstrip("\n")
        except OSError as exc:
            raise CredentialsError(f"{key}.password_file: cannot read {path}: {exc.strerror}") from None
    else:
        raise CredentialsError(f"{key}: give password_env or password_file")
    secret = password
    if credentials.enable_env:
        secret_value = os.environ.get(credentials.enable_env)
        if secret_value is None:
            raise CredentialsError(
                f"{key}.enable_env: environment variable {credentials.enable_env} is not set"
            )
        secret = secret_value
    return SwitchCredentials(credentials.username, password, secret)
