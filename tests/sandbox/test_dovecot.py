"""The sandbox Dovecot: what is delivered is what a client reads back, and nothing runs after a stop."""

from __future__ import annotations

import itertools
import re
import ssl
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from corrispondenza.sandbox import CasellaInesistenteError, CasellaPienaError, SandboxError
from corrispondenza.sandbox.certificati import Certificati
from corrispondenza.sandbox.dovecot import ServerDovecot

pytestmark = pytest.mark.integration

_numeri = itertools.count()
PASSWORD = "segreta"


@pytest.fixture
def casella(server_dovecot: ServerDovecot) -> str:
    """A fresh mailbox on the session's Dovecot, added while it runs; password ``segreta``."""
    indirizzo = f"utente{next(_numeri)}@esempio.test"
    server_dovecot.aggiungi_casella(indirizzo, PASSWORD)
    return indirizzo


def messaggio(oggetto: str, corpo: str = "Gentile utente, è à € & <prova>") -> bytes:
    m = EmailMessage()
    m["From"] = "ufficio@asl.esempio.test"
    m["To"] = "destinatario@esempio.test"
    m["Subject"] = oggetto
    m["Message-ID"] = f"<{oggetto.replace(' ', '-')}@asl.esempio.test>"
    m.set_content(corpo, cte="quoted-printable")
    return m.as_bytes(policy=SMTP)  # CRLF, as on the wire


def leggi(
    server: ServerDovecot, indirizzo: str, password: str = PASSWORD, cartella: str = "INBOX"
) -> list[bytes]:
    with IMAPClient(server.host, port=server.porta_imap, ssl=False) as client:
        client.login(indirizzo, password)
        client.select_folder(cartella, readonly=True)
        risposte = client.fetch(client.search(), ["BODY.PEEK[]"])
        return [risposte[uid][b"BODY[]"] for uid in sorted(risposte)]


def test_consegna_lmtp_riletta_identica_via_imap(server_dovecot: ServerDovecot, casella: str) -> None:
    originale = messaggio("consegna lmtp") + b".riga che inizia con un punto\r\n"
    server_dovecot.consegna(casella, originale)
    [letto] = leggi(server_dovecot, casella)
    intestazioni_aggiunte, resto = letto.split(b"From: ufficio", 1)
    assert b"From: ufficio" + resto == originale
    assert f"Delivered-To: {casella}".encode() in intestazioni_aggiunte


def test_consegna_imap_senza_intestazioni_aggiunte(server_dovecot: ServerDovecot, casella: str) -> None:
    originale = messaggio("consegna imap")
    server_dovecot.consegna_imap(casella, PASSWORD, originale)
    assert leggi(server_dovecot, casella) == [originale]


def test_casella_inesistente_errore_italiano(server_dovecot: ServerDovecot) -> None:
    with pytest.raises(
        CasellaInesistenteError, match=re.escape("La casella nessuno@esempio.test non esiste")
    ) as errore:
        server_dovecot.consegna("nessuno@esempio.test", messaggio("a nessuno"))
    assert "5.1.1" in errore.value.contesto["motivo"]


def test_caselle_separate(server_dovecot: ServerDovecot) -> None:
    prima, seconda = (f"separata{next(_numeri)}@esempio.test" for _ in range(2))
    server_dovecot.aggiungi_casella(prima, PASSWORD)
    server_dovecot.aggiungi_casella(seconda, PASSWORD)
    server_dovecot.consegna(prima, messaggio("solo alla prima"))
    assert len(leggi(server_dovecot, prima)) == 1
    assert leggi(server_dovecot, seconda) == []


def test_password_sbagliata_rifiutata(server_dovecot: ServerDovecot, casella: str) -> None:
    with pytest.raises(LoginError):
        leggi(server_dovecot, casella, password="sbagliata")
    with pytest.raises(SandboxError, match=re.escape(f"Accesso IMAP rifiutato per {casella}")):
        server_dovecot.consegna_imap(casella, "sbagliata", messaggio("rifiutato"))


def test_indirizzo_senza_distinzione_maiuscole(server_dovecot: ServerDovecot) -> None:
    server_dovecot.aggiungi_casella("Maiuscole@Esempio.TEST", PASSWORD)
    server_dovecot.consegna("MAIUSCOLE@esempio.test", messaggio("maiuscole"))
    assert len(leggi(server_dovecot, "maiuscole@esempio.test")) == 1


@pytest.mark.parametrize(
    ("indirizzo", "quota"),
    [
        ("../fuori@esempio.test", None),
        ("senza-chiocciola", None),
        (".punto@esempio.test", None),
        ("a@b.test", 0),
    ],
)
def test_casella_non_valida(server_dovecot: ServerDovecot, indirizzo: str, quota: int | None) -> None:
    with pytest.raises(SandboxError, match="Casella non valida"):
        server_dovecot.aggiungi_casella(indirizzo, PASSWORD, quota_byte=quota)


def test_casella_piena(server_dovecot: ServerDovecot) -> None:
    indirizzo = f"piena{next(_numeri)}@esempio.test"
    server_dovecot.aggiungi_casella(indirizzo, PASSWORD, quota_byte=2000)
    server_dovecot.consegna(indirizzo, messaggio("ci sta"))
    grande = messaggio("troppo grande", corpo="x" * 3000)
    with pytest.raises(CasellaPienaError, match=re.escape(f"La casella {indirizzo} è piena")):
        server_dovecot.consegna(indirizzo, grande)
    with pytest.raises(CasellaPienaError):
        server_dovecot.consegna_imap(indirizzo, PASSWORD, grande)
    assert len(leggi(server_dovecot, indirizzo)) == 1


def test_imaps_con_la_ca_della_sandbox(
    server_dovecot: ServerDovecot, certificati_sandbox: Certificati, casella: str
) -> None:
    server_dovecot.consegna(casella, messaggio("via tls"))
    contesto = certificati_sandbox.ssl_context_client()
    with IMAPClient(
        server_dovecot.host, port=server_dovecot.porta_imaps, ssl=True, ssl_context=contesto
    ) as c:
        c.login(casella, PASSWORD)
        assert c.select_folder("INBOX", readonly=True)[b"EXISTS"] == 1


def test_imaps_rifiutato_senza_la_ca(server_dovecot: ServerDovecot) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(server_dovecot.host, port=server_dovecot.porta_imaps, ssl=True, timeout=5)


def processi_con(testo: str) -> list[int]:
    """Pids whose command line contains ``testo`` (the config path is on the master's)."""
    trovati = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if testo.encode() in cmdline.read_bytes():
                trovati.append(int(cmdline.parent.name))
        except OSError:  # the process ended while we looked
            continue
    return trovati


def stato_e_padre(pid: int) -> tuple[str, int] | None:
    """State letter and parent pid from /proc/PID/stat, or None once the pid is gone."""
    try:
        # "pid (comm) state ppid ...": comm may hold spaces, so split after the last ")"
        campi = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return campi[0], int(campi[1])


def figli_di(pid: int) -> list[int]:
    tutti = (int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit())
    return [figlio for figlio in tutti if (stato_e_padre(figlio) or ("", 0))[1] == pid]


def vivo(pid: int) -> bool:
    """A zombie has already exited: here PID 1 does not reap orphans, so dovecot/log can stay one."""
    stato = stato_e_padre(pid)
    return stato is not None and stato[0] != "Z"


def test_ferma_non_lascia_processi_ne_file() -> None:
    server = ServerDovecot()
    with server:
        configurazione = server.file_configurazione
        [master] = processi_con(str(configurazione))
        figli = figli_di(master)
        assert figli  # imap-login, lmtp, auth...: they must go too
    assert processi_con(str(configurazione)) == []
    assert [pid for pid in [master, *figli] if vivo(pid)] == []
    assert not configurazione.parent.exists()
    server.ferma()  # a second stop is harmless


def test_avvio_fallito_mostra_il_registro(tmp_path: Path) -> None:
    senza_file = Certificati(tmp_path / "mancanti", "pec.sandbox.test")
    server = ServerDovecot(senza_file)
    with pytest.raises(SandboxError, match="Dovecot non è partito") as errore:
        server.avvia()
    assert "server.pem" in errore.value.messaggio
    with pytest.raises(SandboxError, match="non è avviato"):
        server.porta_imap  # noqa: B018 - the property itself raises


def test_casella_sostituita_vale_entro_un_secondo(server_dovecot: ServerDovecot, casella: str) -> None:
    """Dovecot rereads a passwd-file at most once a second, and only if its mtime or size changed.

    The new password has the same length as the old one: only the mtime tells them apart.
    """
    leggi(server_dovecot, casella)
    server_dovecot.aggiungi_casella(casella, "diversa")
    limite = time.monotonic() + 3
    while True:
        try:
            assert leggi(server_dovecot, casella, password="diversa") == []
            break
        except LoginError:
            if time.monotonic() > limite:
                raise
            time.sleep(0.2)
    with pytest.raises(LoginError):
        leggi(server_dovecot, casella)
