"""One SMTP connection to a mailbox's server, and what its replies mean for the letter.

The transaction is driven command by command (MAIL, RCPT, DATA) rather than with
``sendmail``, because the point at which it breaks decides what we may do next:

- refused or broken *before* the message is handed over (connect, MAIL, RCPT, the ``354`` of
  DATA): the server provably did not take it; a 4xx or a broken connection may be retried,
  a 5xx is final (``TrasportoTemporaneoError`` / ``TrasportoPermanenteError``);
- broken *after* the message is handed over and before the final reply: the server may have
  taken it (``EsitoIncertoError``). Only the provider's receipts can tell; resending blind is
  how a debtor gets the same letter twice.

Passwords never reach a log or an error message: only the server's replies do.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from pathlib import Path
from types import TracebackType

from corrispondenza.canali.credenziali import contesto_tls, password
from corrispondenza.config.schema import Server
from corrispondenza.errors import (
    EsitoIncertoError,
    TrasportoError,
    TrasportoPermanenteError,
    TrasportoTemporaneoError,
)

_PUNTO_A_INIZIO_RIGA = re.compile(rb"(?m)^\.")


class ServerNonRaggiungibileError(TrasportoTemporaneoError):
    """No connection to the server (down, network): no letter reached it, none spends an attempt."""


class CanaleNonDisponibileError(TrasportoError):
    """The server cannot be used at all (refused login, untrusted certificate, unreachable):
    no letter is at fault, none is marked failed; the channel stops for this run."""


class ConnessioneSmtp:
    """A lazily opened, reused connection (one per mailbox: providers throttle parallel ones)."""

    def __init__(self, server: Server, percorso: str, cartella: Path, *, timeout: float) -> None:
        self._server = server
        self._percorso = percorso  # the YAML path, for messages about the password variable
        self._cartella = cartella
        self._timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> ConnessioneSmtp:
        return self

    def __exit__(
        self, tipo: type[BaseException] | None, errore: BaseException | None, traccia: TracebackType | None
    ) -> None:
        self.chiudi()

    def chiudi(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def invia(self, mittente: str, destinatario: str, messaggio: bytes) -> str:
        """Hand one message for one recipient to the server; return its final reply (2xx)."""
        smtp = self.apri()
        try:
            self._comando(smtp.mail(mittente), "MAIL FROM")
            self._comando(smtp.rcpt(destinatario), "RCPT TO")
            codice, risposta = smtp.docmd("DATA")
            self._comando((codice, risposta), "DATA", atteso=354)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._perdi()
            raise TrasportoTemporaneoError(
                f"Connessione con {self._server.host} interrotta prima dell'invio del messaggio",
                risposta=str(exc),
            ) from exc
        except TrasportoError:
            self._azzera(smtp)
            raise
        return self._dati(smtp, messaggio)

    def _dati(self, smtp: smtplib.SMTP, messaggio: bytes) -> str:
        corpo = _PUNTO_A_INIZIO_RIGA.sub(b"..", messaggio)
        if not corpo.endswith(b"\r\n"):
            corpo += b"\r\n"
        try:
            smtp.send(corpo + b".\r\n")
            codice, risposta = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._perdi()
            raise EsitoIncertoError(
                f"Connessione con {self._server.host} interrotta dopo l'invio del messaggio: "
                "il gestore potrebbe averlo preso in carico",
                risposta=str(exc),
            ) from exc
        self._comando((codice, risposta), "fine del messaggio")
        return f"{codice} {_testo(risposta)}"

    def apri(self) -> smtplib.SMTP:
        """Connect and log in, once; later calls reuse the connection. Failures said in Italian."""
        if self._smtp is not None:
            return self._smtp
        server = self._server
        try:
            self._smtp = self._accedi(contesto_tls(server, self._cartella), password(server, self._percorso))
        except ssl.SSLCertVerificationError as exc:
            raise CanaleNonDisponibileError(
                f"Il certificato del server {server.host}:{server.porta} non è attendibile "
                f"({exc.verify_message}): connessione rifiutata. Per un server di prova indicare "
                f"il suo certificato in {self._percorso}.ca_file.",
                risposta=str(exc.verify_message),
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise CanaleNonDisponibileError(
                f"Il server {server.host} rifiuta utente o password di {self._percorso} "
                f"(variabile {server.password_env}): {exc.smtp_code} {_testo(exc.smtp_error)}",
                codice=exc.smtp_code,
                risposta=_testo(exc.smtp_error),
            ) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise ServerNonRaggiungibileError(
                f"Server {server.host}:{server.porta} non raggiungibile ({exc.__class__.__name__})",
                risposta=str(exc),
            ) from exc
        return self._smtp

    def _accedi(self, contesto: ssl.SSLContext, segreto: str) -> smtplib.SMTP:
        server = self._server
        smtp: smtplib.SMTP | None = None
        try:
            if server.tls == "implicito":
                smtp = smtplib.SMTP_SSL(server.host, server.porta, context=contesto, timeout=self._timeout)
            else:
                smtp = smtplib.SMTP(server.host, server.porta, timeout=self._timeout)
                smtp.starttls(context=contesto)
            smtp.login(server.utente, segreto)
        except BaseException:
            if smtp is not None:
                smtp.close()  # a refused login must not leave a socket open
            raise
        return smtp

    def _comando(self, esito: tuple[int, bytes], fase: str, *, atteso: int | None = None) -> None:
        codice, risposta = esito
        if (atteso is None and 200 <= codice < 300) or codice == atteso:
            return
        testo = _testo(risposta)
        classe = TrasportoPermanenteError if 500 <= codice < 600 else TrasportoTemporaneoError
        raise classe(
            f"Il server ha rifiutato il messaggio ({fase}): {codice} {testo}", codice=codice, risposta=testo
        )

    def _azzera(self, smtp: smtplib.SMTP) -> None:
        """After a refusal the connection is reused: RSET, or drop it if even that fails."""
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._perdi()

    def _perdi(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


def _testo(risposta: bytes | str) -> str:
    return risposta.decode("utf-8", "replace") if isinstance(risposta, bytes) else risposta
