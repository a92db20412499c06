"""The sandbox provider's messages, checked the way a real receiver would check them.

Each message must pass ``openssl smime -verify`` against the test CA, parse with ``email``
(policy default) with the headers and subject prefix of RICEVUTE.md, and carry a daticert.xml
that defusedxml reads back with the data given. No servers: a throwaway CA made here.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import defusedxml.ElementTree as DefusedET
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from corrispondenza.sandbox import ricevute
from corrispondenza.sandbox.ricevute import Difetto, Firmatario, Invio

DOMINIO = "pec.sandbox.test"
MITTENTE = "recupero.crediti@pec.asl.test"
DESTINATARIO = "mario.rossi@pec.esempio.test"
OGGETTO = "Sollecito n. 12/2026 – Rossi & figli <srl>: già «più» dovuto"
MSGID = "<lettera-42.7f3a@corrispondenza.asl.test>"
IDENTIFICATIVO = "opec.20261123110000.1a2b3c4d@pec.sandbox.test"
QUANDO = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)  # 11:00:00 in Rome, +0100


@dataclass(frozen=True)
class Ambiente:
    firmatario: Firmatario
    ca_pem: Path
    certificato_pem: Path
    chiave_pem: Path


def _nome(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _certificato(soggetto: str, chiave, emittente: str, chiave_emittente, *, ca: bool) -> x509.Certificate:
    adesso = datetime.now(UTC)
    costruttore = (
        x509.CertificateBuilder()
        .subject_name(_nome(soggetto))
        .issuer_name(_nome(emittente))
        .public_key(chiave.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(adesso - timedelta(minutes=5))
        .not_valid_after(adesso + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        costruttore = costruttore.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        ).add_extension(x509.SubjectAlternativeName([x509.RFC822Name(f"posta-certificata@{DOMINIO}")]), False)
    return costruttore.sign(chiave_emittente, hashes.SHA256())


@pytest.fixture(scope="module")
def ambiente(tmp_path_factory: pytest.TempPathFactory) -> Ambiente:
    """A throwaway CA and the provider's signing certificate (not the sandbox's certificati.py)."""
    cartella = tmp_path_factory.mktemp("pki")
    chiave_ca = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _certificato("CA di prova PEC", chiave_ca, "CA di prova PEC", chiave_ca, ca=True)
    chiave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificato = _certificato("Sandbox PEC S.p.A.", chiave, "CA di prova PEC", chiave_ca, ca=False)
    pem = serialization.Encoding.PEM
    (cartella / "ca.pem").write_bytes(ca.public_bytes(pem))
    (cartella / "firma.pem").write_bytes(certificato.public_bytes(pem) + ca.public_bytes(pem))
    (cartella / "firma.key").write_bytes(
        chiave.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    firmatario = Firmatario(certificato, chiave, "Sandbox PEC S.p.A.", DOMINIO)
    return Ambiente(firmatario, cartella / "ca.pem", cartella / "firma.pem", cartella / "firma.key")


def _originale(*, fine_riga: bytes = b"\r\n") -> bytes:
    """Our outgoing PEC: a letter with a PDF attachment, an accented subject, Message-ID on our domain."""
    messaggio = EmailMessage()
    messaggio["From"] = MITTENTE
    messaggio["To"] = DESTINATARIO
    messaggio["Subject"] = OGGETTO
    messaggio["Message-ID"] = MSGID
    messaggio["X-TipoRicevuta"] = "completa"
    messaggio.set_content(
        "Gentile Mario Rossi,\nin allegato il sollecito. Cordialità.\n", cte="quoted-printable"
    )
    messaggio.add_attachment(
        b"%PDF-1.6 finto\n", maintype="application", subtype="pdf", filename="lettera.pdf"
    )
    return messaggio.as_bytes(policy=default.clone(linesep=fine_riga.decode()))


ORIGINALE = _originale()


def _invio() -> Invio:
    return Invio.da_messaggio(ORIGINALE, IDENTIFICATIVO)


def _verifica(messaggio: bytes, ca: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["openssl", "smime", "-verify", "-CAfile", str(ca), "-in", "/dev/stdin", "-out", "/dev/stdout"],
        input=messaggio,
        capture_output=True,
        check=False,
    )


def _leggi(messaggio: bytes) -> EmailMessage:
    return BytesParser(policy=default).parsebytes(messaggio)  # type: ignore[return-value]


def _parte(messaggio: EmailMessage, nome: str) -> EmailMessage | None:
    return next((p for p in messaggio.walk() if p.get_filename() == nome), None)


def _daticert(messaggio: EmailMessage):
    parte = _parte(messaggio, "daticert.xml")
    assert parte is not None, "daticert.xml mancante"
    return DefusedET.fromstring(parte.get_payload(decode=True))


Costruttore = Callable[[Firmatario], bytes]

CASI: dict[str, tuple[Costruttore, str, str | None, str | None]] = {
    # name: (builder, X-Ricevuta, consegna, errore-esteso)
    "accettazione": (lambda f: ricevute.accettazione(f, _invio(), data=QUANDO), "accettazione", None, None),
    "non-accettazione": (
        lambda f: ricevute.non_accettazione(
            f, _invio(), data=QUANDO, errore_esteso="5.3.4 - Messaggio troppo grande"
        ),
        "non-accettazione",
        None,
        "5.3.4 - Messaggio troppo grande",
    ),
    "presa-in-carico": (
        lambda f: ricevute.presa_in_carico(f, _invio(), data=QUANDO),
        "presa-in-carico",
        None,
        None,
    ),
    "avvenuta-consegna": (
        lambda f: ricevute.avvenuta_consegna(
            f, _invio(), destinatario=DESTINATARIO, data=QUANDO, originale=ORIGINALE
        ),
        "avvenuta-consegna",
        DESTINATARIO,
        None,
    ),
    "errore-consegna": (
        lambda f: ricevute.errore_consegna(
            f, _invio(), destinatario=DESTINATARIO, data=QUANDO, errore_esteso="5.1.1 - Utente non esistente"
        ),
        "errore-consegna",
        DESTINATARIO,
        "5.1.1 - Utente non esistente",
    ),
    "preavviso-errore-consegna": (
        lambda f: ricevute.preavviso_errore_consegna(f, _invio(), destinatario=DESTINATARIO, data=QUANDO),
        "preavviso-errore-consegna",
        DESTINATARIO,
        ricevute.PREAVVISO_PREDEFINITO,
    ),
}


@pytest.mark.parametrize("nome", CASI)
def test_ogni_ricevuta_e_firmata_dal_gestore_e_openssl_la_verifica(nome: str, ambiente: Ambiente) -> None:
    messaggio = CASI[nome][0](ambiente.firmatario)
    esito = _verifica(messaggio, ambiente.ca_pem)
    assert esito.returncode == 0, esito.stderr.decode()
    assert b"Verification successful" in esito.stderr
    assert b"\n" not in messaggio.replace(b"\r\n", b""), "solo CRLF"


@pytest.mark.parametrize("nome", CASI)
def test_ogni_ricevuta_ha_le_intestazioni_e_il_prefisso_documentati(nome: str, ambiente: Ambiente) -> None:
    _, tipo, _, _ = CASI[nome]
    letto = _leggi(CASI[nome][0](ambiente.firmatario))
    assert letto["X-Ricevuta"] == tipo
    assert letto["X-Trasporto"] is None
    assert letto["Subject"] == ricevute.PREFISSI[tipo] + OGGETTO
    assert letto["From"] == f"posta-certificata@{DOMINIO}"
    assert letto["To"] == MITTENTE
    assert letto["X-Riferimento-Message-ID"] == MSGID
    assert letto["Message-ID"].endswith(f"@{DOMINIO}>") and letto["Message-ID"] != MSGID
    assert letto["Date"].datetime == QUANDO
    assert letto.get_content_type() == "multipart/signed"
    assert letto.get_param("protocol") == "application/pkcs7-signature"
    assert letto.get_param("micalg") == "sha-256"
    firmato, firma = letto.get_payload()
    assert firmato.get_content_type() == "multipart/mixed"
    assert firma.get_content_type() == "application/pkcs7-signature"
    assert firma.get_filename() == "smime.p7s"


@pytest.mark.parametrize("nome", CASI)
def test_ogni_daticert_riporta_i_dati_passati(nome: str, ambiente: Ambiente) -> None:
    _, tipo, consegna, errore_esteso = CASI[nome]
    radice = _daticert(_leggi(CASI[nome][0](ambiente.firmatario)))
    assert radice.tag == "postacert"
    assert radice.get("tipo") == tipo
    assert radice.findtext("intestazione/mittente") == MITTENTE
    destinatari = radice.findall("intestazione/destinatari")
    assert [(d.text, d.get("tipo")) for d in destinatari] == [(DESTINATARIO, "certificato")]
    assert radice.findtext("intestazione/oggetto") == OGGETTO
    assert radice.findtext("dati/gestore-emittente") == "Sandbox PEC S.p.A."
    assert radice.find("dati/data").get("zona") == "+0100"
    assert (radice.findtext("dati/data/giorno"), radice.findtext("dati/data/ora")) == (
        "23/11/2026",
        "11:00:00",
    )
    assert radice.findtext("dati/identificativo") == IDENTIFICATIVO
    assert radice.findtext("dati/msgid") == MSGID
    assert radice.findtext("dati/consegna") == consegna
    assert radice.findtext("dati/errore-esteso") == errore_esteso


def test_la_ricevuta_manomessa_non_supera_la_verifica_ma_resta_leggibile(ambiente: Ambiente) -> None:
    messaggio = ricevute.accettazione(
        ambiente.firmatario, _invio(), data=QUANDO, difetto=Difetto.FIRMA_NON_VALIDA
    )
    esito = _verifica(messaggio, ambiente.ca_pem)
    assert esito.returncode != 0
    assert b"digest failure" in esito.stderr
    letto = _leggi(messaggio)
    assert letto["X-Ricevuta"] == "accettazione"
    assert _daticert(letto).get("tipo") == "accettazione"


def test_la_ricevuta_senza_daticert_e_firmata_ma_malformata(ambiente: Ambiente) -> None:
    messaggio = ricevute.avvenuta_consegna(
        ambiente.firmatario,
        _invio(),
        destinatario=DESTINATARIO,
        data=QUANDO,
        originale=ORIGINALE,
        difetto=Difetto.SENZA_DATICERT,
    )
    assert _verifica(messaggio, ambiente.ca_pem).returncode == 0
    letto = _leggi(messaggio)
    assert _parte(letto, "daticert.xml") is None
    assert _parte(letto, "postacert.eml") is not None


def test_la_ricevuta_completa_contiene_l_originale_identico_byte_per_byte(ambiente: Ambiente) -> None:
    messaggio = ricevute.avvenuta_consegna(
        ambiente.firmatario, _invio(), destinatario=DESTINATARIO, data=QUANDO, originale=ORIGINALE
    )
    contenuto_firmato = _verifica(messaggio, ambiente.ca_pem).stdout
    assert b'filename="postacert.eml"\r\n\r\n' + ORIGINALE + b"\r\n--" in contenuto_firmato
    letto = _leggi(messaggio)
    assert letto["X-TipoRicevuta"] == "completa"
    assert _daticert(letto).find("dati/ricevuta").get("tipo") == "completa"
    postacert = _parte(letto, "postacert.eml")
    assert postacert is not None and postacert.get_content_type() == "message/rfc822"
    assert postacert.get_payload(0)["Message-ID"] == MSGID


def test_un_originale_con_soli_lf_viaggia_in_forma_canonica_crlf(ambiente: Ambiente) -> None:
    originale_lf = _originale(fine_riga=b"\n")
    messaggio = ricevute.avvenuta_consegna(
        ambiente.firmatario, _invio(), destinatario=DESTINATARIO, data=QUANDO, originale=originale_lf
    )
    esito = _verifica(messaggio, ambiente.ca_pem)
    assert esito.returncode == 0
    assert originale_lf.replace(b"\n", b"\r\n") in esito.stdout


def test_la_ricevuta_breve_sostituisce_gli_allegati_con_il_loro_hash(ambiente: Ambiente) -> None:
    messaggio = ricevute.avvenuta_consegna(
        ambiente.firmatario,
        _invio(),
        destinatario=DESTINATARIO,
        data=QUANDO,
        originale=ORIGINALE,
        tipo_ricevuta="breve",
    )
    assert _verifica(messaggio, ambiente.ca_pem).returncode == 0
    letto = _leggi(messaggio)
    assert letto["X-TipoRicevuta"] == "breve"
    assert _daticert(letto).find("dati/ricevuta").get("tipo") == "breve"
    assert _parte(letto, "lettera.pdf") is None
    impronta = _parte(letto, "lettera.pdf.hash")
    assert impronta is not None
    attesa = hashlib.sha256(b"%PDF-1.6 finto\n").hexdigest()
    assert impronta.get_content().strip() == f"SHA-256 {attesa}"
    testo = next(p for p in letto.walk() if "Gentile Mario Rossi" in str(p.get_payload(decode=True) or b""))
    assert testo is not None


def test_la_ricevuta_sintetica_porta_solo_daticert(ambiente: Ambiente) -> None:
    messaggio = ricevute.avvenuta_consegna(
        ambiente.firmatario,
        _invio(),
        destinatario=DESTINATARIO,
        data=QUANDO,
        originale=ORIGINALE,
        tipo_ricevuta="sintetica",
    )
    assert _verifica(messaggio, ambiente.ca_pem).returncode == 0
    letto = _leggi(messaggio)
    assert letto["X-TipoRicevuta"] == "sintetica"
    assert _parte(letto, "postacert.eml") is None
    assert not any(p.get_content_type() == "message/rfc822" for p in letto.walk())
    assert _daticert(letto).find("dati/ricevuta").get("tipo") == "sintetica"


def test_verifica_sicurezza_in_errore_e_segnalata_nell_intestazione(ambiente: Ambiente) -> None:
    messaggio = ricevute.avvenuta_consegna(
        ambiente.firmatario,
        _invio(),
        destinatario=DESTINATARIO,
        data=QUANDO,
        originale=ORIGINALE,
        verifica_sicurezza_errore=True,
    )
    assert _leggi(messaggio)["X-VerificaSicurezza"] == "errore"


def test_la_busta_di_trasporto_non_e_una_ricevuta(ambiente: Ambiente) -> None:
    messaggio = ricevute.busta_di_trasporto(ambiente.firmatario, _invio(), ORIGINALE, data=QUANDO)
    esito = _verifica(messaggio, ambiente.ca_pem)
    assert esito.returncode == 0, esito.stderr.decode()
    letto = _leggi(messaggio)
    assert letto["X-Ricevuta"] is None
    assert letto["X-Trasporto"] == "posta-certificata"
    assert letto["Subject"] == "POSTA CERTIFICATA: " + OGGETTO
    mittente = letto["From"].addresses[0]
    assert (mittente.display_name, mittente.addr_spec) == (
        f"Per conto di: {MITTENTE}",
        f"posta-certificata@{DOMINIO}",
    )
    assert letto["Reply-To"] == MITTENTE
    assert letto["To"] == DESTINATARIO
    assert letto["Message-ID"] == f"<{IDENTIFICATIVO}>"
    assert letto["X-Riferimento-Message-ID"] == MSGID
    assert _daticert(letto).get("tipo") == "posta-certificata"
    assert b'filename="postacert.eml"\r\n\r\n' + ORIGINALE + b"\r\n--" in esito.stdout


def test_ogni_messaggio_del_gestore_ha_un_message_id_proprio(ambiente: Ambiente) -> None:
    primo, secondo = (
        _leggi(ricevute.accettazione(ambiente.firmatario, _invio(), data=QUANDO)) for _ in range(2)
    )
    assert primo["Message-ID"] != secondo["Message-ID"]
    fisso = ricevute.accettazione(
        ambiente.firmatario, _invio(), data=QUANDO, message_id="<fisso@pec.sandbox.test>"
    )
    assert _leggi(fisso)["Message-ID"] == "<fisso@pec.sandbox.test>"


def test_firmatario_da_file_con_catena_e_firma_x_pkcs7(ambiente: Ambiente) -> None:
    firmatario = Firmatario.da_file(
        ambiente.certificato_pem,
        ambiente.chiave_pem,
        gestore="Sandbox PEC S.p.A.",
        dominio=DOMINIO,
        tipo_firma="application/x-pkcs7-signature",
    )
    assert len(firmatario.catena) == 1 and firmatario.indirizzo == f"posta-certificata@{DOMINIO}"
    messaggio = ricevute.accettazione(firmatario, _invio(), data=QUANDO)
    assert _verifica(messaggio, ambiente.ca_pem).returncode == 0
    assert _leggi(messaggio).get_param("protocol") == "application/x-pkcs7-signature"
    certificati = subprocess.run(
        ["openssl", "smime", "-pk7out", "-in", "/dev/stdin"], input=messaggio, capture_output=True, check=True
    ).stdout
    elenco = subprocess.run(
        ["openssl", "pkcs7", "-print_certs", "-noout"], input=certificati, capture_output=True, check=True
    ).stdout
    assert elenco.count(b"subject=") == 2


def test_daticert_escape_ordine_e_ora_legale() -> None:
    xml = ricevute.daticert(
        "errore-consegna",
        mittente=MITTENTE,
        destinatari=[(DESTINATARIO, "certificato"), ("ufficio@esempio.test", "esterno")],
        oggetto=OGGETTO,
        gestore="Gestore «A&B» S.p.A.",
        data=datetime(2026, 7, 1, 8, 30, 5, tzinfo=UTC),
        identificativo=IDENTIFICATIVO,
        msgid=MSGID,
        consegna=DESTINATARIO,
        errore="no-dest",
        errore_esteso="5.1.1 - <utente> sconosciuto & irraggiungibile",
    )
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b"<msgid>&lt;lettera-42.7f3a@corrispondenza.asl.test&gt;</msgid>" in xml
    assert b"Rossi &amp; figli &lt;srl&gt;" in xml
    radice = DefusedET.fromstring(xml)
    assert (radice.get("tipo"), radice.get("errore")) == ("errore-consegna", "no-dest")
    assert [e.tag for e in radice] == ["intestazione", "dati"]
    assert [e.tag for e in radice.find("intestazione")] == [
        "mittente",
        "destinatari",
        "destinatari",
        "risposte",
        "oggetto",
    ]
    assert [e.tag for e in radice.find("dati")] == [
        "gestore-emittente",
        "data",
        "identificativo",
        "msgid",
        "consegna",
        "errore-esteso",
    ]
    assert radice.findall("intestazione/destinatari")[1].get("tipo") == "esterno"
    assert radice.findtext("intestazione/oggetto") == OGGETTO
    assert radice.findtext("dati/gestore-emittente") == "Gestore «A&B» S.p.A."
    assert radice.find("dati/data").get("zona") == "+0200"
    assert radice.findtext("dati/data/ora") == "10:30:05"
    assert radice.findtext("dati/errore-esteso") == "5.1.1 - <utente> sconosciuto & irraggiungibile"


def test_una_data_senza_fuso_e_rifiutata() -> None:
    with pytest.raises(ValueError, match="fuso orario"):
        ricevute.daticert(
            "accettazione",
            mittente=MITTENTE,
            destinatari=[(DESTINATARIO, "certificato")],
            oggetto="x",
            gestore="g",
            data=datetime(2026, 1, 1, 12, 0),
            identificativo="i",
            msgid=None,
        )


def test_invio_letto_dal_messaggio_originale() -> None:
    originale = (
        b"From: Ufficio <recupero.crediti@pec.asl.test>\r\nTo: a@pec.x.test, b@posta.y.test\r\n"
        b"Cc: c@pec.z.test\r\nReply-To: risposte@pec.asl.test\r\nSubject: Avviso\r\n"
        b"Message-ID: <m1@asl.test>\r\nX-TipoRicevuta: sintetica\r\n\r\ncorpo\r\n"
    )
    invio = Invio.da_messaggio(originale, "id-1", esterni={"b@posta.y.test"})
    assert invio.mittente == "recupero.crediti@pec.asl.test"
    assert invio.destinatari == (
        ("a@pec.x.test", "certificato"),
        ("b@posta.y.test", "esterno"),
        ("c@pec.z.test", "certificato"),
    )
    assert (invio.oggetto, invio.msgid, invio.tipo_ricevuta, invio.risposte) == (
        "Avviso",
        "<m1@asl.test>",
        "sintetica",
        "risposte@pec.asl.test",
    )


def test_testo_leggibile_in_iso_8859_1_quando_basta(ambiente: Ambiente) -> None:
    invio = Invio(
        MITTENTE, ((DESTINATARIO, "certificato"),), "Sollecito è già scaduto", MSGID, IDENTIFICATIVO
    )
    letto = _leggi(ricevute.accettazione(ambiente.firmatario, invio, data=QUANDO))
    testo = next(p for p in letto.walk() if p.get_content_type() == "text/plain")
    assert testo.get_content_charset() == "iso-8859-1"
    assert testo["Content-Transfer-Encoding"] == "quoted-printable"
    contenuto = testo.get_content()
    assert '"Sollecito è già scaduto"' in contenuto and "è stato accettato" in contenuto
    assert "23/11/2026 alle ore 11:00:00 (+0100)" in contenuto


def test_un_originale_a_8_bit_resta_identico_e_la_firma_regge(ambiente: Ambiente) -> None:
    originale = (
        f"From: {MITTENTE}\r\nTo: {DESTINATARIO}\r\nSubject: Avviso\r\nMessage-ID: {MSGID}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "Importo dovuto: 12,50 € — più interessi.\r\n"
    ).encode()
    invio = Invio.da_messaggio(originale, ricevute.nuovo_identificativo(DOMINIO, QUANDO))
    assert invio.identificativo.startswith("opec.20261123110000.")
    messaggio = ricevute.busta_di_trasporto(ambiente.firmatario, invio, originale, data=QUANDO)
    esito = _verifica(messaggio, ambiente.ca_pem)
    assert esito.returncode == 0, esito.stderr.decode()
    assert b"Content-Transfer-Encoding: 8bit\r\n" in esito.stdout
    assert originale + b"\r\n--" in esito.stdout
