"""The sandbox PEC provider, end to end against the real servers: SMTP in, receipts read back over IMAP.

Messages are sent with plain ``smtplib`` (never with our sender) and receipts are read with
imapclient and ``email``, so these tests prove the provider, not code shared with the product.
"""

from __future__ import annotations

import email.policy
import itertools
import json
import os
import queue
import re
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from defusedxml import ElementTree
from imapclient import IMAPClient

from corrispondenza.sandbox.certificati import Certificati
from corrispondenza.sandbox.dovecot import ServerDovecot
from corrispondenza.sandbox.gestore import Esito, GestorePec, MessaggioAccettato, Scenario
from corrispondenza.sandbox.scenari import ElencoScenari

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DOMINIO_ENTE = "pec.ausl-esempio.example.it"
PASSWORD = "segreta-di-prova"
_numeri = itertools.count()


# --- helpers: a plain client, as any PEC user would have ----------------------------------------


def nuovo_indirizzo(prefisso: str, dominio: str) -> str:
    return f"{prefisso}{next(_numeri)}@{dominio}"


@pytest.fixture
def mittente(gestore_pec: GestorePec) -> str:
    """A fresh account of the provider, password ``PASSWORD``."""
    indirizzo = nuovo_indirizzo("ufficio", DOMINIO_ENTE)
    gestore_pec.aggiungi_mittente(indirizzo, PASSWORD)
    return indirizzo


def messaggio(mittente: str, destinatario: str, **intestazioni: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = mittente
    m["To"] = destinatario
    m["Subject"] = "Sollecito di pagamento n. 12"
    m["Message-ID"] = f"<lettera-{next(_numeri)}@asl.esempio.test>"
    for nome, valore in intestazioni.items():
        m[nome.replace("_", "-")] = valore
    m.set_content("Gentile signora, è pregata di pagare € 12,50.", cte="quoted-printable")
    m.add_attachment(b"%PDF-1.7 finto", maintype="application", subtype="pdf", filename="lettera.pdf")
    return m


def smtps(gestore: GestorePec, certificati: Certificati, login: str = "", password: str = PASSWORD):
    client = smtplib.SMTP_SSL(
        gestore.host, gestore.porta_smtp, context=certificati.ssl_context_client(), timeout=10
    )
    if login:
        try:
            client.login(login, password)
        except smtplib.SMTPException:
            client.close()
            raise
    return client


def invia(gestore: GestorePec, certificati: Certificati, m: EmailMessage, login: str | None = None) -> None:
    with smtps(gestore, certificati, login or str(m["From"])) as client:
        client.send_message(m)


def invia_grezzo(
    gestore: GestorePec, certificati: Certificati, login: str, destinatari: list[str], grezzo: bytes
) -> None:
    with smtps(gestore, certificati, login) as client:
        client.sendmail(login, destinatari, grezzo)


def leggi(dovecot: ServerDovecot, indirizzo: str, password: str = PASSWORD) -> list[EmailMessage]:
    """The mailbox's messages in arrival (UID) order, parsed; ``raw`` keeps the bytes as fetched."""
    with IMAPClient(dovecot.host, port=dovecot.porta_imap, ssl=False, timeout=10) as client:
        client.login(indirizzo, password)
        client.select_folder("INBOX", readonly=True)
        risposte = client.fetch(client.search(), ["BODY.PEEK[]"])
    letti = []
    for uid in sorted(risposte):
        grezzo = risposte[uid][b"BODY[]"]
        m = email.message_from_bytes(grezzo, policy=email.policy.default)
        m.raw = grezzo  # type: ignore[attr-defined]
        letti.append(m)
    return letti


def tipi(messaggi: list[EmailMessage]) -> list[str]:
    return [str(m["X-Ricevuta"]) for m in messaggi]


def daticert(ricevuta: EmailMessage):
    for parte in ricevuta.walk():
        if parte.get_filename() == "daticert.xml":
            return ElementTree.fromstring(parte.get_payload(decode=True))
    raise AssertionError("daticert.xml assente")


def postacert(ricevuta: EmailMessage) -> EmailMessage | None:
    for parte in ricevuta.walk():
        if parte.get_content_type() == "message/rfc822":
            return parte.get_payload(0)
    return None


def verifica_firma(grezzo: bytes, ca: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["openssl", "smime", "-verify", "-CAfile", str(ca), "-in", "/dev/stdin", "-out", "/dev/null"],
        input=grezzo,
        capture_output=True,
    )


# --- acceptance and delivery ---------------------------------------------------------------------


def test_l_accettazione_e_nella_casella_prima_della_risposta_250(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    gestore_pec.scenario("*@tarda.example.it", Scenario(ritardo=0.5))
    m = messaggio(mittente, nuovo_indirizzo("debitore", "tarda.example.it"))
    invia(gestore_pec, certificati_sandbox, m)
    # No waiting at all: the acceptance had to be written before the 250 came back.
    [ricevuta] = leggi(server_dovecot, mittente)
    assert ricevuta["X-Ricevuta"] == "accettazione"
    assert ricevuta["X-Riferimento-Message-ID"] == m["Message-ID"]
    assert str(ricevuta["Subject"]).startswith("ACCETTAZIONE: ")
    assert ricevuta["From"] == certificati_sandbox.indirizzo_firma
    gestore_pec.attendi_quiete()


def test_consegnata_ricevuta_completa_firmata_busta_nella_casella_del_destinatario(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    destinatario = nuovo_indirizzo("debitore", "pec.esempio.it")
    m = messaggio(mittente, destinatario)
    invia(gestore_pec, certificati_sandbox, m)
    gestore_pec.attendi_quiete()
    accettazione, consegna = leggi(server_dovecot, mittente)
    assert tipi([accettazione, consegna]) == ["accettazione", "avvenuta-consegna"]
    assert consegna["X-Riferimento-Message-ID"] == m["Message-ID"]
    assert consegna["X-TipoRicevuta"] == "completa"
    assert verifica_firma(consegna.raw, certificati_sandbox.ca_cert).returncode == 0
    assert verifica_firma(accettazione.raw, certificati_sandbox.ca_cert).returncode == 0
    dati = daticert(consegna)
    assert dati.get("tipo") == "avvenuta-consegna"
    assert dati.findtext("dati/consegna") == destinatario
    assert dati.findtext("dati/msgid") == m["Message-ID"]
    [registrato] = [a for a in gestore_pec.accettati if a.message_id == m["Message-ID"]]
    assert dati.findtext("dati/identificativo") == registrato.identificativo
    assert daticert(accettazione).findtext("dati/identificativo") == registrato.identificativo
    originale = postacert(consegna)
    assert originale is not None and originale["Message-ID"] == m["Message-ID"]
    [busta] = leggi(server_dovecot, destinatario, gestore_pec.password_casella(destinatario))
    assert busta["X-Trasporto"] == "posta-certificata" and busta["X-Ricevuta"] is None
    assert busta["Message-ID"] == f"<{registrato.identificativo}>"


def test_accettato_registrato_con_ora_italiana_dimensione_e_impronta(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    destinatario = nuovo_indirizzo("debitore", "pec.esempio.it")
    m = messaggio(mittente, destinatario)
    prima = datetime.now(ZoneInfo("Europe/Rome"))
    invia(gestore_pec, certificati_sandbox, m)
    [registrato] = [a for a in gestore_pec.accettati if a.message_id == m["Message-ID"]]
    assert isinstance(registrato, MessaggioAccettato)
    assert (registrato.mittente, registrato.destinatari, registrato.canale) == (
        mittente,
        (destinatario,),
        "pec",
    )
    assert registrato.quando.utcoffset() is not None
    assert 0 <= (registrato.quando - prima).total_seconds() < 5
    assert registrato.dimensione > 0 and re.fullmatch(r"[0-9a-f]{64}", registrato.sha256)
    accettazione = leggi(server_dovecot, mittente)[0]
    data = daticert(accettazione).find("dati/data")
    assert data.findtext("giorno") == f"{registrato.quando:%d/%m/%Y}"
    assert data.findtext("ora") == f"{registrato.quando:%H:%M:%S}"
    assert data.get("zona") == f"{registrato.quando:%z}"
    gestore_pec.attendi_quiete()


@pytest.mark.parametrize("tipo", ["breve", "sintetica"])
def test_la_ricevuta_di_consegna_segue_x_tiporicevuta(
    tipo: str,
    gestore_pec: GestorePec,
    certificati_sandbox: Certificati,
    server_dovecot: ServerDovecot,
    mittente: str,
) -> None:
    m = messaggio(mittente, nuovo_indirizzo("debitore", "pec.esempio.it"), X_TipoRicevuta=tipo)
    invia(gestore_pec, certificati_sandbox, m)
    gestore_pec.attendi_quiete()
    _, consegna = leggi(server_dovecot, mittente)
    assert consegna["X-TipoRicevuta"] == tipo
    assert daticert(consegna).find("dati/ricevuta").get("tipo") == tipo
    assert (postacert(consegna) is None) == (tipo == "sintetica")


# --- TLS and AUTH --------------------------------------------------------------------------------


def test_un_client_che_non_si_fida_della_ca_della_sandbox_e_rifiutato(gestore_pec: GestorePec) -> None:
    di_sistema = ssl.create_default_context()  # the system's CAs (smtplib's default checks nothing)
    with pytest.raises(ssl.SSLCertVerificationError):
        smtplib.SMTP_SSL(gestore_pec.host, gestore_pec.porta_smtp, context=di_sistema, timeout=5)


def test_password_sbagliata_535(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, mittente: str
) -> None:
    with pytest.raises(smtplib.SMTPAuthenticationError) as errore:
        smtps(gestore_pec, certificati_sandbox, mittente, password="sbagliata")
    assert errore.value.smtp_code == 535


def test_senza_autenticazione_530_e_nessun_invio(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, mittente: str
) -> None:
    m = messaggio(mittente, nuovo_indirizzo("debitore", "pec.esempio.it"))
    with (
        smtps(gestore_pec, certificati_sandbox) as client,
        pytest.raises(smtplib.SMTPSenderRefused) as errore,
    ):
        client.send_message(m)
    assert errore.value.smtp_code == 530
    assert gestore_pec.conta(str(m["Message-ID"])) == 0


def test_auth_plain_e_login_entrambe_accettate(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, mittente: str
) -> None:
    for meccanismo in ("PLAIN", "LOGIN"):
        with smtps(gestore_pec, certificati_sandbox) as client:
            client.ehlo()
            client.user, client.password = mittente, PASSWORD
            metodo = client.auth_plain if meccanismo == "PLAIN" else client.auth_login
            assert client.auth(meccanismo, metodo)[0] == 235


# --- non-acceptance ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registro(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("registro") / "registro.jsonl"


@pytest.fixture(scope="module")
def gestore_piccolo(
    certificati_sandbox: Certificati, server_dovecot: ServerDovecot, registro: Path
) -> Iterator[GestorePec]:
    """A provider with a 20 KB limit and a registro file, on the same Dovecot."""
    with GestorePec(certificati_sandbox, server_dovecot, limite_byte=20_000, registro=registro) as gestore:
        yield gestore


def test_messaggio_troppo_grande_non_accettato_e_non_registrato(
    gestore_piccolo: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot
) -> None:
    mittente = nuovo_indirizzo("ufficio", DOMINIO_ENTE)
    gestore_piccolo.aggiungi_mittente(mittente, PASSWORD)
    m = messaggio(mittente, nuovo_indirizzo("debitore", "pec.esempio.it"))
    m.add_attachment(os.urandom(30_000), maintype="application", subtype="pdf", filename="grande.pdf")
    invia(gestore_piccolo, certificati_sandbox, m)  # 250: providers answer with a receipt, not an error
    [avviso] = leggi(server_dovecot, mittente)
    assert avviso["X-Ricevuta"] == "non-accettazione"
    assert avviso["X-Riferimento-Message-ID"] == m["Message-ID"]
    assert str(avviso["Subject"]).startswith("AVVISO DI NON ACCETTAZIONE: ")
    assert daticert(avviso).findtext("dati/errore-esteso").startswith("5.3.4 - messaggio troppo grande")
    assert verifica_firma(avviso.raw, certificati_sandbox.ca_cert).returncode == 0
    assert gestore_piccolo.conta(str(m["Message-ID"])) == 0
    assert all(a.message_id != m["Message-ID"] for a in gestore_piccolo.accettati)


def test_registro_jsonl_una_riga_per_messaggio_accettato(
    gestore_piccolo: GestorePec, certificati_sandbox: Certificati, registro: Path
) -> None:
    mittente = nuovo_indirizzo("ufficio", DOMINIO_ENTE)
    gestore_piccolo.aggiungi_mittente(mittente, PASSWORD)
    m = messaggio(mittente, nuovo_indirizzo("debitore", "pec.esempio.it"))
    invia(gestore_piccolo, certificati_sandbox, m)
    righe = [json.loads(r) for r in registro.read_text().splitlines()]
    [riga] = [r for r in righe if r["message_id"] == m["Message-ID"]]
    [registrato] = [a for a in gestore_piccolo.accettati if a.message_id == m["Message-ID"]]
    assert riga == registrato.come_json()
    assert riga["canale"] == "pec" and riga["identificativo"].startswith("opec.")
    assert registro.stat().st_mode & 0o777 == 0o600
    gestore_piccolo.attendi_quiete()


def _senza(m: EmailMessage, nome: str) -> EmailMessage:
    del m[nome]
    return m


ERRORI_FORMALI = {
    "from-diverso-dal-login": (
        lambda mit, dest: messaggio("altro@" + DOMINIO_ENTE, dest),
        "5.7.1 - mittente non autorizzato",
    ),
    "bcc": (lambda mit, dest: messaggio(mit, dest, Bcc="nascosto@pec.esempio.it"), "5.6.0"),
    "to-diverso-da-rcpt": (lambda mit, dest: messaggio(mit, "altro@pec.esempio.it"), "5.6.0"),
    "senza-message-id": (lambda mit, dest: _senza(messaggio(mit, dest), "Message-ID"), "5.6.0"),
    "senza-from": (lambda mit, dest: _senza(messaggio(mit, dest), "From"), "5.6.0"),
}


@pytest.mark.parametrize("caso", list(ERRORI_FORMALI))
def test_errore_formale_avviso_di_non_accettazione(
    caso: str,
    gestore_pec: GestorePec,
    certificati_sandbox: Certificati,
    server_dovecot: ServerDovecot,
    mittente: str,
) -> None:
    costruisci, codice = ERRORI_FORMALI[caso]
    destinatario = nuovo_indirizzo("debitore", "pec.esempio.it")
    m = costruisci(mittente, destinatario)
    gia = len(gestore_pec.accettati)
    # Raw sendmail: send_message would drop the Bcc header and read recipients from the headers.
    invia_grezzo(
        gestore_pec, certificati_sandbox, mittente, [destinatario], m.as_bytes(policy=email.policy.SMTP)
    )
    [avviso] = leggi(server_dovecot, mittente)
    assert avviso["X-Ricevuta"] == "non-accettazione"
    assert avviso["To"] == mittente  # to the authenticated account, whatever the From says
    assert daticert(avviso).findtext("dati/errore-esteso").startswith(codice)
    assert len(gestore_pec.accettati) == gia


# --- counting, duplicates, order -----------------------------------------------------------------


def test_conta_gli_invii_ripetuti_dello_stesso_message_id(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, mittente: str
) -> None:
    m = messaggio(mittente, nuovo_indirizzo("debitore", "pec.esempio.it"))
    assert gestore_pec.conta(str(m["Message-ID"])) == 0
    invia(gestore_pec, certificati_sandbox, m)
    invia(gestore_pec, certificati_sandbox, m)
    assert gestore_pec.conta(str(m["Message-ID"])) == 2
    identificativi = {a.identificativo for a in gestore_pec.accettati if a.message_id == m["Message-ID"]}
    assert len(identificativi) == 2  # each submission is a new PEC message for the provider
    gestore_pec.attendi_quiete()


def test_ricevuta_duplicata_stesso_message_id_e_contenuto(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    gestore_pec.scenario("*@doppia.example.it", Scenario(duplicata=True))
    invia(gestore_pec, certificati_sandbox, messaggio(mittente, nuovo_indirizzo("d", "doppia.example.it")))
    gestore_pec.attendi_quiete()
    accettazione, prima, seconda = leggi(server_dovecot, mittente)
    assert tipi([accettazione, prima, seconda]) == ["accettazione", "avvenuta-consegna", "avvenuta-consegna"]
    assert prima["Message-ID"] == seconda["Message-ID"]
    assert prima.get_body().as_bytes() == seconda.get_body().as_bytes()
    assert prima.raw.split(b"\r\nFrom: ", 1)[1] == seconda.raw.split(b"\r\nFrom: ", 1)[1]


def test_consegna_scritta_prima_dell_accettazione(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    gestore_pec.scenario("*@disordinata.example.it", Scenario(consegna_prima=True, ritardo=0.2))
    m = messaggio(mittente, nuovo_indirizzo("d", "disordinata.example.it"))
    invia(gestore_pec, certificati_sandbox, m)
    assert gestore_pec.conta(str(m["Message-ID"])) == 1  # recorded before the 250 all the same
    gestore_pec.attendi_quiete()
    assert tipi(leggi(server_dovecot, mittente)) == ["avvenuta-consegna", "accettazione"]


def test_il_ritardo_sposta_la_consegna_non_l_accettazione(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    gestore_pec.scenario("*@lenta.example.it", Scenario(ritardo=0.3))
    invia(gestore_pec, certificati_sandbox, messaggio(mittente, nuovo_indirizzo("d", "lenta.example.it")))
    assert tipi(leggi(server_dovecot, mittente)) == ["accettazione"]
    gestore_pec.attendi_quiete()
    assert tipi(leggi(server_dovecot, mittente)) == ["accettazione", "avvenuta-consegna"]


def test_invii_in_parallelo_tutti_accettati_e_consegnati(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    messaggi = [messaggio(mittente, nuovo_indirizzo("d", "pec.esempio.it")) for _ in range(8)]
    fili = [threading.Thread(target=invia, args=(gestore_pec, certificati_sandbox, m)) for m in messaggi]
    for filo in fili:
        filo.start()
    for filo in fili:
        filo.join(30)
    gestore_pec.attendi_quiete()
    assert all(gestore_pec.conta(str(m["Message-ID"])) == 1 for m in messaggi)
    letti = leggi(server_dovecot, mittente)
    per_tipo = {
        t: sorted(str(r["X-Riferimento-Message-ID"]) for r in letti if r["X-Ricevuta"] == t)
        for t in set(tipi(letti))
    }
    attesi = sorted(str(m["Message-ID"]) for m in messaggi)
    assert per_tipo == {"accettazione": attesi, "avvenuta-consegna": attesi}


# --- SMTP-level faults ---------------------------------------------------------------------------


def test_errore_temporaneo_451_poi_l_invio_riesce(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    destinatario = nuovo_indirizzo("d", "intermittente.example.it")
    gestore_pec.scenario(destinatario, Scenario(smtp_temporanei=2))
    m = messaggio(mittente, destinatario)
    for _ in range(2):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as errore:
            invia(gestore_pec, certificati_sandbox, m)
        codice, testo = errore.value.recipients[destinatario]
        assert codice == 451 and testo.startswith(b"4.3.0")
    assert gestore_pec.conta(str(m["Message-ID"])) == 0
    invia(gestore_pec, certificati_sandbox, m)
    assert gestore_pec.conta(str(m["Message-ID"])) == 1
    gestore_pec.attendi_quiete()
    assert tipi(leggi(server_dovecot, mittente)) == ["accettazione", "avvenuta-consegna"]


def test_errore_permanente_550_a_ogni_tentativo(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    destinatario = nuovo_indirizzo("d", "chiusa.example.it")
    gestore_pec.scenario(destinatario, Scenario(smtp_permanente=True))
    m = messaggio(mittente, destinatario)
    for _ in range(3):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as errore:
            invia(gestore_pec, certificati_sandbox, m)
        codice, testo = errore.value.recipients[destinatario]
        assert codice == 550 and testo.startswith(b"5.1.1")
    assert gestore_pec.conta(str(m["Message-ID"])) == 0
    assert leggi(server_dovecot, mittente) == []


# --- delivery failures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("esito", "errore", "codice"),
    [
        (Esito.CASELLA_INESISTENTE, "no-dest", "5.1.1"),
        (Esito.RIFIUTATA, "altro", "5.7.1"),
    ],
)
def test_mancata_consegna_con_il_codice_dell_esito(
    esito: Esito,
    errore: str,
    codice: str,
    gestore_pec: GestorePec,
    certificati_sandbox: Certificati,
    server_dovecot: ServerDovecot,
    mittente: str,
) -> None:
    dominio = f"{esito}.example.it"
    gestore_pec.scenario(f"*@{dominio}", Scenario(esito=esito))
    destinatario = nuovo_indirizzo("d", dominio)
    m = messaggio(mittente, destinatario)
    invia(gestore_pec, certificati_sandbox, m)
    gestore_pec.attendi_quiete()
    accettazione, avviso = leggi(server_dovecot, mittente)
    assert tipi([accettazione, avviso]) == ["accettazione", "errore-consegna"]
    assert str(avviso["Subject"]).startswith("AVVISO DI MANCATA CONSEGNA: ")
    assert avviso["X-Riferimento-Message-ID"] == m["Message-ID"]
    dati = daticert(avviso)
    assert dati.get("errore") == errore
    assert dati.findtext("dati/consegna") == destinatario
    assert dati.findtext("dati/errore-esteso").startswith(codice)
    assert gestore_pec.password_casella(destinatario) is None  # nothing was delivered


def test_casella_piena_rifiutata_dalla_quota_reale_di_dovecot(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    gestore_pec.scenario("*@piena.example.it", Scenario(esito=Esito.CASELLA_PIENA))
    destinatario = nuovo_indirizzo("d", "piena.example.it")
    invia(gestore_pec, certificati_sandbox, messaggio(mittente, destinatario))
    gestore_pec.attendi_quiete()
    accettazione, avviso = leggi(server_dovecot, mittente)
    assert tipi([accettazione, avviso]) == ["accettazione", "errore-consegna"]
    assert daticert(avviso).findtext("dati/errore-esteso").startswith("5.2.2")
    # The mailbox exists (with its tiny quota) and is empty: Dovecot itself said no.
    assert leggi(server_dovecot, destinatario, gestore_pec.password_casella(destinatario)) == []


def test_senza_risposta_preavviso_poi_errore_5_4_1(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    gestore_pec.scenario("*@muta.example.it", Scenario(esito=Esito.SENZA_RISPOSTA, ritardo=0.5))
    destinatario = nuovo_indirizzo("d", "muta.example.it")
    invia(gestore_pec, certificati_sandbox, messaggio(mittente, destinatario))
    assert tipi(leggi(server_dovecot, mittente)) == ["accettazione"]
    limite = time.monotonic() + 5
    while len(letti := leggi(server_dovecot, mittente)) < 2 and time.monotonic() < limite:
        time.sleep(0.05)
    assert tipi(letti) == ["accettazione", "preavviso-errore-consegna"]  # the final error is 0.5 s away
    gestore_pec.attendi_quiete()
    _, preavviso, avviso = leggi(server_dovecot, mittente)
    assert tipi([preavviso, avviso]) == ["preavviso-errore-consegna", "errore-consegna"]
    assert not daticert(preavviso).findtext("dati/errore-esteso").startswith("5.")
    assert daticert(avviso).findtext("dati/errore-esteso").startswith("5.4.1")
    assert gestore_pec.password_casella(destinatario) is None


def test_esterno_solo_accettazione_con_destinatario_esterno_e_posta_ordinaria(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    gestore_pec.scenario("*@gmail.example.com", Scenario(esito=Esito.ESTERNO))
    destinatario = nuovo_indirizzo("mario.rossi", "gmail.example.com")
    invia(gestore_pec, certificati_sandbox, messaggio(mittente, destinatario))
    gestore_pec.attendi_quiete()
    [accettazione] = leggi(server_dovecot, mittente)
    assert accettazione["X-Ricevuta"] == "accettazione"
    [voce] = daticert(accettazione).findall("intestazione/destinatari")
    assert (voce.text, voce.get("tipo")) == (destinatario, "esterno")
    [arrivato] = leggi(server_dovecot, destinatario, gestore_pec.password_casella(destinatario))
    assert arrivato["X-Ricevuta"] is None


def test_il_primo_scenario_che_corrisponde_vince() -> None:
    elenco = ElencoScenari()
    elenco.aggiungi("vip@piena.example.it", Scenario())
    elenco.aggiungi("*@PIENA.example.it", Scenario(esito=Esito.CASELLA_PIENA))
    elenco.aggiungi("*@piena.example.it", Scenario(esito=Esito.RIFIUTATA))
    assert elenco.per("VIP@piena.example.it") == Scenario()
    assert elenco.per("altro@Piena.Example.IT").esito is Esito.CASELLA_PIENA
    assert elenco.per("nessuno@altrove.example.it") == Scenario()


# --- the ordinary mail server --------------------------------------------------------------------


def test_posta_ordinaria_richiede_starttls_e_consegna_il_messaggio_com_e(
    gestore_pec: GestorePec, certificati_sandbox: Certificati, server_dovecot: ServerDovecot, mittente: str
) -> None:
    destinatario = nuovo_indirizzo("mario", "posta.example.com")
    m = messaggio(mittente, destinatario)
    inviato = m.as_bytes(policy=email.policy.SMTP)
    with smtplib.SMTP(gestore_pec.host, gestore_pec.porta_posta, timeout=10) as client:
        client.ehlo()
        assert not client.has_extn("auth")  # no AUTH in clear
        with pytest.raises(smtplib.SMTPSenderRefused) as errore:
            client.send_message(m)
        assert errore.value.smtp_code == 530
    with smtplib.SMTP(gestore_pec.host, gestore_pec.porta_posta, timeout=10) as client:
        client.starttls(context=certificati_sandbox.ssl_context_client())
        client.login(mittente, PASSWORD)
        client.sendmail(mittente, [destinatario], inviato)
    [arrivato] = leggi(server_dovecot, destinatario, gestore_pec.password_casella(destinatario))
    assert arrivato.raw.endswith(inviato)  # as it was sent, below Dovecot's delivery headers
    assert arrivato["Message-ID"] == m["Message-ID"] and arrivato["X-Trasporto"] is None
    [registrato] = [a for a in gestore_pec.accettati if a.message_id == m["Message-ID"]]
    assert (registrato.canale, registrato.identificativo) == ("posta", None)
    assert gestore_pec.conta(str(m["Message-ID"])) == 1
    assert leggi(server_dovecot, mittente) == []  # no receipts on the ordinary channel


# --- lifecycle and the command -------------------------------------------------------------------


def test_ferma_non_lascia_thread_ne_porte(
    certificati_sandbox: Certificati, server_dovecot: ServerDovecot
) -> None:
    prima = set(threading.enumerate())
    gestore = GestorePec(certificati_sandbox, server_dovecot)
    with gestore:
        porte = (gestore.porta_smtp, gestore.porta_posta)
        assert len(set(threading.enumerate()) - prima) >= 3  # two event loops and the worker
    assert set(threading.enumerate()) - prima == set()
    for porta in porte:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((gestore.host, porta), timeout=2).close()
    gestore.ferma()  # a second stop is harmless


def _righe(flusso) -> tuple[queue.Queue[str], threading.Thread]:
    """The lines of a pipe, read by a thread so that a test can wait for one with a timeout."""
    righe: queue.Queue[str] = queue.Queue()

    def leggi_tutto() -> None:
        for riga in flusso:
            righe.put(riga)

    lettore = threading.Thread(target=leggi_tutto, daemon=True)
    lettore.start()
    return righe, lettore


def _fino_a(righe: queue.Queue[str], modello: str, timeout: float = 30) -> tuple[str, list[str]]:
    lette: list[str] = []
    limite = time.monotonic() + timeout
    while time.monotonic() < limite:
        try:
            riga = righe.get(timeout=0.2)
        except queue.Empty:
            continue
        lette.append(riga)
        if re.search(modello, riga):
            return riga, lette
    raise AssertionError(f"«{modello}» non comparso; letto:\n{''.join(lette)}")


def _figli(pid: int) -> list[int]:
    figli = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            campi = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(campi[1]) == pid:
            figli.append(int(stat.parent.name))
    return figli


def _vivo(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_il_comando_sandbox_avvia_stampa_i_dati_e_si_ferma_con_sigterm(tmp_path: Path) -> None:
    cartella = tmp_path / "sandbox"
    processo = subprocess.Popen(
        [sys.executable, "-m", "corrispondenza", "sandbox", "--cartella", str(cartella)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    try:
        righe, lettore = _righe(processo.stdout)
        riga, lette = _fino_a(righe, r"export CORRISPONDENZA_PEC_PASSWORD=")
        testo = "".join(lette)
        password = riga.split("=", 1)[1].strip()
        porta = int(re.search(r"SMTP PEC \(TLS implicito\):\s+127\.0\.0\.1 porta (\d+)", testo)[1])
        porta_imap = int(re.search(r"IMAP:\s+127\.0\.0\.1 porta (\d+)", testo)[1])
        utente = re.search(r"Utente \(SMTP e IMAP\):\s+(\S+)", testo)[1]
        assert utente == "recupero.crediti@pec.ausl-esempio.example.it"
        assert str(cartella / "ca.pem") in testo
        assert password not in testo.replace(riga, "")  # printed on the export line only
        dovecot = [p for p in _figli(processo.pid) if b"dovecot" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert dovecot
        m = messaggio(utente, "debitore@pec.esempio.it")
        contesto = ssl.create_default_context(cafile=str(cartella / "ca.pem"))
        with smtplib.SMTP_SSL("127.0.0.1", porta, context=contesto, timeout=10) as client:
            client.login(utente, password)
            client.send_message(m)
        with IMAPClient("127.0.0.1", port=porta_imap, ssl=False, timeout=10) as client:
            client.login(utente, password)
            assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] >= 1
        processo.send_signal(signal.SIGTERM)
        assert processo.wait(20) == 0
        _fino_a(righe, r"Sandbox fermata\.")
    finally:
        if processo.poll() is None:
            processo.kill()
            processo.wait()
        lettore.join(5)  # EOF once the process is gone
        processo.stdout.close()
    assert [p for p in dovecot if _vivo(p)] == []
    [riga_registro] = (cartella / "registro.jsonl").read_text().splitlines()
    assert json.loads(riga_registro)["message_id"] == m["Message-ID"]


def test_il_comando_sandbox_in_json_si_ferma_con_ctrl_c(tmp_path: Path) -> None:
    processo = subprocess.Popen(
        [sys.executable, "-m", "corrispondenza", "sandbox", "--cartella", str(tmp_path), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    try:
        righe, lettore = _righe(processo.stdout)
        _, lette = _fino_a(righe, r"^\}$")
        dati = json.loads("".join(lette))
        assert dati["utente"] == "recupero.crediti@pec.ausl-esempio.example.it"
        assert dati["ca"] == str(tmp_path / "ca.pem")
        password = dati["variabili"]["CORRISPONDENZA_PEC_PASSWORD"]
        contesto = ssl.create_default_context(cafile=dati["ca"])
        with smtplib.SMTP_SSL(dati["host"], dati["porta_smtp_pec"], context=contesto, timeout=10) as client:
            assert client.login(dati["utente"], password)[0] == 235
        dovecot = [p for p in _figli(processo.pid) if b"dovecot" in Path(f"/proc/{p}/cmdline").read_bytes()]
        processo.send_signal(signal.SIGINT)
        assert processo.wait(20) == 0
    finally:
        if processo.poll() is None:
            processo.kill()
            processo.wait()
        lettore.join(5)
        processo.stdout.close()
    assert dovecot and [p for p in dovecot if _vivo(p)] == []
