"""Secrets and TLS for the mail servers: passwords only from the environment, certificates verified.

config.yaml names the environment variable (``password_env``), never the password (DESIGN.md,
Channels). Nothing here logs or stores the value; errors name the variable, not its content.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

from corrispondenza.config.schema import Server
from corrispondenza.errors import ConfigError


def password(server: Server, percorso: str) -> str:
    """The password of ``server`` from the variable config.yaml names at ``percorso``."""
    valore = os.environ.get(server.password_env)
    if not valore:
        raise ConfigError(
            f"La variabile d'ambiente {server.password_env} (indicata in {percorso}.password_env) "
            "non è impostata: impostarla con la password della casella prima di inviare.",
            variabile=server.password_env,
        )
    return valore


def contesto_tls(server: Server, cartella: Path) -> ssl.SSLContext:
    """Verify the server's certificate and host name; ``ca_file`` (relative to the config's
    folder) replaces the system CAs, as for the sandbox's test CA."""
    if server.ca_file is None:
        contesto = ssl.create_default_context()
    else:
        ca = Path(server.ca_file) if Path(server.ca_file).is_absolute() else cartella / server.ca_file
        if not ca.is_file():
            raise ConfigError(f"File dei certificati (ca_file) non trovato: {ca}", file=str(ca))
        contesto = ssl.create_default_context(cafile=str(ca))
    contesto.minimum_version = ssl.TLSVersion.TLSv1_2
    return contesto
