"""Secrets and TLS for the mail servers: passwords only from the environment, certificates verified.

config.yaml names the environment variable (``password_env``), never the password (DESIGN.md,
Channels). Nothing here logs or stores the value; errors name the variable, not its content.
"""

from __future__ import annotations

import contextlib
import os
import ssl
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from corrispondenza.config.schema import CasellaPec, Server
from corrispondenza.errors import CasellaNonDisponibileError, ConfigError


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


def accedi_imap(casella: CasellaPec, cartella: Path) -> IMAPClient:
    """The PEC mailbox over IMAP, TLS verified and logged in: for the receipts, read by the
    sending queue after a crash and by the reconciler. Failures said in Italian."""
    server = casella.imap
    contesto = contesto_tls(server, cartella)
    segreto = password(server, "canali.pec.imap")
    client: IMAPClient | None = None
    try:
        client = IMAPClient(
            server.host,
            port=server.porta,
            ssl=server.tls == "implicito",
            ssl_context=contesto,
            timeout=casella.timeout_secondi,
        )
        _senza_traccia(client)
        if server.tls == "starttls":
            client.starttls(contesto)
        client.login(server.utente, segreto)
    except LoginError as exc:
        _chiudi(client)
        raise CasellaNonDisponibileError(
            f"La casella PEC {server.utente} rifiuta utente o password (variabile {server.password_env})"
        ) from exc
    except (IMAPClientError, OSError) as exc:
        _chiudi(client)
        raise CasellaNonDisponibileError(
            f"Casella PEC {server.utente} su {server.host}:{server.porta} non raggiungibile "
            f"({exc.__class__.__name__})",
            risposta=str(exc),
        ) from exc
    return client


def _senza_traccia(client: IMAPClient) -> None:
    """Nothing of the IMAP conversation is formatted into a log record.

    imapclient sets imaplib's debug level to 5 and routes it to the ``imapclient.imaplib``
    logger: every line and every literal fetched (the receipts, the letters they carry: health
    data, GDPR art. 9) is turned into its ``repr`` for a debug record, whatever level the logger
    has. At level 0 imaplib formats nothing for it; and that ``repr`` of every byte was half of
    what a fetch costs on this side.
    """
    client._imap.debug = 0  # imapclient has no API for it


def _chiudi(client: IMAPClient | None) -> None:
    if client is not None:
        with contextlib.suppress(IMAPClientError, OSError):
            client.shutdown()
