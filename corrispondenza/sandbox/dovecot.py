"""A real Dovecot (IMAP + LMTP) on 127.0.0.1, in its own temp folder: the provider's mailboxes.

The recipe and its pitfalls are measured in AMBIENTE.md §1; each one is handled where it
bites and named in a comment. Each mailbox is a passwd-file of its own (``caselle/<address>``),
so a mailbox added while the server runs is usable at once, without a reload.
"""

from __future__ import annotations

import os
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from corrispondenza.sandbox import CasellaInesistenteError, CasellaPienaError, SandboxError
from corrispondenza.sandbox.certificati import Certificati

HOST = "127.0.0.1"
ATTESA_AVVIO = 10.0  # seconds; start to greeting is ~0.04 s on the project machine
ATTESA_ARRESTO = 10.0  # seconds; SIGTERM to exit is ~1.1 s (the master waits for its children)
# The address names a file (passwd-file per mailbox) and a passwd-file line: no separators in it.
_CARATTERI_VIETATI = set(":/\\ \t\r\n")

_CONFIGURAZIONE = """\
protocols = imap lmtp
listen = {host}
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
{tls}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_username_format = %Lu
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{d}/mail/%u/Maildir
mail_uid = mail
mail_gid = mail
# Quota only where a mailbox's passwd-file sets userdb_quota_rule; the others are unlimited.
mail_plugins = $mail_plugins quota
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/caselle/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/caselle/%u
  default_fields = uid=mail gid=mail home={d}/mail/%u
}}
plugin {{
  quota = maildir:Casella
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {porta_imap}
  }}
  inet_listener imaps {{
    address = {host}
    port = {porta_imaps}
  }}
}}
# No auth penalty: after a wrong password Dovecot delays every login from the same IP (2 s, doubling
# up to 15 s), and here every client is 127.0.0.1; tests use wrong passwords on purpose.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {host}
    port = {porta_lmtp}
  }}
}}
protocol lmtp {{
  postmaster_address = postmaster@{dominio}
}}
"""


class ServerDovecot:
    """One Dovecot instance: start, add mailboxes, deliver, stop; nothing left running after ``ferma``.

    With ``certificati`` it also listens for IMAP over TLS (``porta_imaps``); the plain IMAP port
    stays open on loopback, where Dovecot counts the connection as secured.
    """

    def __init__(self, certificati: Certificati | None = None) -> None:
        self._certificati = certificati
        self._caselle: dict[str, tuple[str, int | None]] = {}
        self._cartella: Path | None = None
        self._processo: subprocess.Popen[bytes] | None = None
        self._porte: dict[str, int] = {}

    def __enter__(self) -> ServerDovecot:
        self.avvia()
        return self

    def __exit__(
        self, tipo: type[BaseException] | None, errore: BaseException | None, traccia: TracebackType | None
    ) -> None:
        self.ferma()

    @property
    def host(self) -> str:
        return HOST

    @property
    def porta_imap(self) -> int:
        return self._porta("imap")

    @property
    def porta_imaps(self) -> int | None:
        """The IMAP-over-TLS port, or None when the server was made without certificates."""
        return self._porta("imaps") if self._certificati else None

    @property
    def porta_lmtp(self) -> int:
        return self._porta("lmtp")

    @property
    def file_configurazione(self) -> Path:
        """Its path is on the master's command line: that is how a test finds a leftover process."""
        return self._cartella_avviata() / "dovecot.conf"

    def avvia(self) -> None:
        """Write the config in a fresh temp folder, start ``dovecot -F`` and wait for the IMAP greeting."""
        if self._processo is not None:
            raise SandboxError("Il server Dovecot della sandbox è già avviato")
        if shutil.which("dovecot") is None:
            raise SandboxError(
                "Dovecot non installato: eseguire `make setup` (pacchetti dovecot-imapd, dovecot-lmtpd)"
            )
        self._cartella = self._prepara_cartella()
        try:
            self._porte = {nome: _porta_libera() for nome in ("imap", "imaps", "lmtp")}
            for indirizzo in self._caselle:
                self._scrivi_casella(indirizzo)
            self.file_configurazione.write_text(self._configurazione())
            with open(self._cartella / "dovecot.out", "wb") as uscita:
                self._processo = subprocess.Popen(
                    ["dovecot", "-F", "-c", str(self.file_configurazione)],
                    stdout=uscita,
                    stderr=subprocess.STDOUT,
                )
            self._attendi_saluto()
        except BaseException:  # also Ctrl-C: no folder and no process left behind
            self.ferma()
            raise

    def riavvia(self) -> None:
        """Stop the server and start it again on the same folder and ports, mail kept: what a
        client sees when the provider restarts its IMAP service (connections dropped, refused
        for a moment, then back with the same mailboxes and UIDs)."""
        if self._processo is None:
            raise SandboxError("Il server Dovecot della sandbox non è avviato")
        self._termina(self._processo)
        with open(self._cartella_avviata() / "dovecot.out", "ab") as uscita:
            self._processo = subprocess.Popen(
                ["dovecot", "-F", "-c", str(self.file_configurazione)],
                stdout=uscita,
                stderr=subprocess.STDOUT,
            )
        self._attendi_saluto()

    def ferma(self) -> None:
        """SIGTERM, then SIGKILL if the master has not exited in time; then remove the folder."""
        processo, self._processo = self._processo, None
        self._porte = {}
        if processo is not None:
            self._termina(processo)
        if self._cartella is not None:
            shutil.rmtree(self._cartella, ignore_errors=True)
            self._cartella = None

    @staticmethod
    def _termina(processo: subprocess.Popen[bytes]) -> None:
        processo.terminate()
        try:
            processo.wait(ATTESA_ARRESTO)
        except subprocess.TimeoutExpired:
            processo.kill()
            processo.wait(ATTESA_ARRESTO)

    def aggiungi_casella(self, indirizzo: str, password: str, *, quota_byte: int | None = None) -> None:
        """Create (or replace) a mailbox; ``quota_byte`` limits its size for the "mailbox full" case."""
        indirizzo = indirizzo.lower()  # Dovecot lowercases logins too (auth_username_format = %Lu)
        if (
            _CARATTERI_VIETATI & set(indirizzo + password)
            or "@" not in indirizzo
            or indirizzo.startswith(".")  # the name of the temporary passwd-file
            or not password
            or (quota_byte is not None and quota_byte <= 0)  # 0 would mean "no limit" to Dovecot
        ):
            raise SandboxError(
                f"Casella non valida per la sandbox: «{indirizzo}» (serve un indirizzo con @ che non inizi "
                "con un punto, una password, niente spazi, «:» o «/», una quota positiva)",
                indirizzo=indirizzo,
            )
        self._caselle[indirizzo] = (password, quota_byte)
        if self._cartella is not None:
            self._scrivi_casella(indirizzo)

    def consegna(self, destinatario: str, messaggio: bytes, *, mittente: str = "") -> None:
        """Put a raw RFC 5322 message into the INBOX over LMTP, as the provider's MTA would.

        Dovecot adds ``Return-Path``, ``Delivered-To`` and ``Received`` on top; the rest is kept
        byte for byte when the message has CRLF line ends.
        """
        try:
            with smtplib.LMTP(self.host, self.porta_lmtp, timeout=10) as lmtp:
                lmtp.sendmail(mittente, [destinatario], messaggio)
        except smtplib.SMTPRecipientsRefused as exc:
            codice, testo = next(iter(exc.recipients.values()))
            raise _rifiuto(destinatario, codice, testo) from exc
        except smtplib.SMTPResponseException as exc:
            raise _rifiuto(destinatario, exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise SandboxError(
                f"Consegna a {destinatario} non riuscita: Dovecot (LMTP) non risponde ({exc})",
                destinatario=destinatario,
            ) from exc

    def consegna_imap(self, indirizzo: str, password: str, messaggio: bytes, cartella: str = "INBOX") -> None:
        """Put a message into a folder with IMAP APPEND: no headers added, the bytes stay as given."""
        try:
            with IMAPClient(self.host, port=self.porta_imap, ssl=False, timeout=10) as client:
                client.login(indirizzo, password)
                client.append(cartella, messaggio)
        except LoginError as exc:
            raise SandboxError(f"Accesso IMAP rifiutato per {indirizzo}", indirizzo=indirizzo) from exc
        except IMAPClientError as exc:
            if "OVERQUOTA" in str(exc):
                raise CasellaPienaError(f"La casella {indirizzo} è piena", indirizzo=indirizzo) from exc
            raise SandboxError(
                f"Aggiunta del messaggio in {cartella} di {indirizzo} non riuscita: {exc}",
                indirizzo=indirizzo,
            ) from exc

    def _prepara_cartella(self) -> Path:
        cartella = Path(tempfile.mkdtemp(prefix="corrispondenza-dovecot-"))
        # Pitfall 1: mkdtemp gives 0700, and the auth process (user dovecot) must traverse it.
        cartella.chmod(0o755)
        # Pitfall 2: mail is never accessed as root; mail processes run as the system user mail.
        (cartella / "mail").mkdir()
        shutil.chown(cartella / "mail", "mail", "mail")
        return cartella

    def _configurazione(self) -> str:
        tls = "ssl = no"
        if self._certificati:
            c = self._certificati
            tls = (
                f"ssl = yes\nssl_cert = <{c.server_cert}\nssl_key = <{c.server_key}"  # the "<" reads the file
            )
        return _CONFIGURAZIONE.format(
            host=HOST,
            d=self._cartella,
            tls=tls,
            porta_imap=self._porte["imap"],
            porta_imaps=self._porte["imaps"] if self._certificati else 0,
            porta_lmtp=self._porte["lmtp"],
            dominio=self._certificati.dominio_provider if self._certificati else "sandbox.test",
        )

    def _scrivi_casella(self, indirizzo: str) -> None:
        """One passwd-file per mailbox, written through a rename so Dovecot never reads half of it.

        Dovecot rereads a passwd-file at most once a second, and only if its mtime or size changed:
        a single shared file would hide a mailbox added within a second of the last lookup. A new
        file is read at once; for a replaced one the mtime is moved on so the change is seen.
        """
        password, quota = self._caselle[indirizzo]
        extra = f"userdb_quota_rule=*:storage={quota}B" if quota is not None else ""
        cartella = self._cartella_avviata() / "caselle"
        cartella.mkdir(mode=0o755, exist_ok=True)
        finale, provvisorio = cartella / indirizzo, cartella / f".{indirizzo}.tmp"
        provvisorio.write_text(f"{indirizzo}:{{PLAIN}}{password}::::::{extra}\n")
        provvisorio.chmod(0o644)  # read by the auth process, which runs as user dovecot
        if finale.exists():
            istante = max(time.time(), finale.stat().st_mtime + 1)
            os.utime(provvisorio, (istante, istante))
        provvisorio.replace(finale)

    def _attendi_saluto(self) -> None:
        """Pitfall 3: an open port is not readiness; the ``* OK`` greeting comes once auth is up."""
        limite = time.monotonic() + ATTESA_AVVIO
        while time.monotonic() < limite:
            if self._processo is None or self._processo.poll() is not None:
                raise SandboxError(f"Dovecot non è partito:\n{self._registro()}")
            try:
                with socket.create_connection((HOST, self.porta_imap), timeout=1) as s:
                    if s.recv(200).startswith(b"* OK"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        raise SandboxError(f"Dovecot non risponde dopo {ATTESA_AVVIO:.0f} secondi:\n{self._registro()}")

    def _registro(self) -> str:
        """What Dovecot wrote: its log, and stdout/stderr for errors before the log is open."""
        parti = []
        for nome in ("dovecot.out", "dovecot.log"):
            percorso = self._cartella_avviata() / nome
            if percorso.exists() and percorso.stat().st_size:
                parti.append(f"--- {nome} ---\n{percorso.read_text(errors='replace')}")
        return "\n".join(parti) or "(nessun messaggio nel registro)"

    def _cartella_avviata(self) -> Path:
        if self._cartella is None:
            raise SandboxError("Il server Dovecot della sandbox non è avviato")
        return self._cartella

    def _porta(self, nome: str) -> int:
        if nome not in self._porte:
            raise SandboxError("Il server Dovecot della sandbox non è avviato")
        return self._porte[nome]


def _rifiuto(destinatario: str, codice: int, testo: bytes | str) -> SandboxError:
    """Turn an LMTP refusal into the error the PEC provider will map to a receipt."""
    motivo = testo.decode(errors="replace") if isinstance(testo, bytes) else testo
    if codice == 550:
        return CasellaInesistenteError(
            f"La casella {destinatario} non esiste nella sandbox", destinatario=destinatario, motivo=motivo
        )
    if codice in (452, 552) or "5.2.2" in motivo:
        return CasellaPienaError(
            f"La casella {destinatario} è piena", destinatario=destinatario, motivo=motivo
        )
    return SandboxError(
        f"Consegna a {destinatario} rifiutata da Dovecot: {codice} {motivo}",
        destinatario=destinatario,
        codice=codice,
    )


def _porta_libera() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]
