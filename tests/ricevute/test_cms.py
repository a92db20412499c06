"""The in-process signature check (``ricevute/cms``) gives openssl's verdict on every receipt the
sandbox signs, tampered or not, under the right or the wrong trust anchors, with both content
types; and it hands back to openssl what it cannot decide."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from corrispondenza.ricevute import cms as modulo_cms
from corrispondenza.ricevute.cms import Verificatore, carica_ancore
from corrispondenza.ricevute.firma import verifica_firma, verificatore
from corrispondenza.ricevute.parser import Firma
from corrispondenza.sandbox import ricevute
from corrispondenza.sandbox.certificati import NOME_PROVIDER, Certificati, crea_certificati
from corrispondenza.sandbox.ricevute import Difetto, Firmatario, Invio

QUANDO = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
INVIO = Invio(
    "recupero.crediti@pec.asl.test",
    (("mario.rossi@pec.esempio.test", "certificato"),),
    "Sollecito à € & <x>",
    "<lettera-1@corrispondenza.asl.test>",
    "opec.1@pec.sandbox.test",
)
ORIGINALE = b"From: a@b.test\r\nMessage-ID: <lettera-1@corrispondenza.asl.test>\r\n\r\n.ciao\r\n"


@pytest.fixture(scope="module")
def altra_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return crea_certificati(tmp_path_factory.mktemp("altra-ca-cms"), dominio_provider="altro.test").ca_cert


def _firmatario(
    certificati: Certificati, tipo_firma: str = "application/pkcs7-signature", chiave: Path | None = None
) -> Firmatario:
    return Firmatario.da_file(
        certificati.firma_cert,
        chiave or certificati.firma_key,
        gestore=NOME_PROVIDER,
        dominio=certificati.dominio_provider,
        tipo_firma=tipo_firma,
    )


def _messaggi(certificati: Certificati) -> dict[str, bytes]:
    messaggi = {}
    for tipo_firma in ("application/pkcs7-signature", "application/x-pkcs7-signature"):
        f = _firmatario(certificati, tipo_firma)
        for difetto in (None, Difetto.FIRMA_NON_VALIDA, Difetto.SENZA_DATICERT):
            chiave = f"{tipo_firma}-{difetto}"
            messaggi[f"accettazione-{chiave}"] = ricevute.accettazione(f, INVIO, data=QUANDO, difetto=difetto)
            messaggi[f"consegna-{chiave}"] = ricevute.avvenuta_consegna(
                f,
                INVIO,
                destinatario="mario.rossi@pec.esempio.test",
                data=QUANDO,
                originale=ORIGINALE,
                difetto=difetto,
            )
            messaggi[f"busta-{chiave}"] = ricevute.busta_di_trasporto(
                f, INVIO, ORIGINALE, data=QUANDO, difetto=difetto
            )
    return messaggi


@pytest.mark.parametrize("ca", ["giusta", "sbagliata"])
def test_stesso_verdetto_di_openssl(certificati_sandbox: Certificati, altra_ca: Path, ca: str) -> None:
    ca_file = certificati_sandbox.ca_cert if ca == "giusta" else altra_ca
    in_processo = verificatore(ca_file)
    assert in_processo is not None
    for nome, grezzo in _messaggi(certificati_sandbox).items():
        openssl = verifica_firma(grezzo, ca_file)[0]
        diretto = in_processo.verifica(grezzo, datetime.now(UTC))
        assert diretto is not None, nome
        assert diretto[0] is openssl, (nome, diretto, openssl)
        # an LF-only copy verifies the same way (openssl canonicalises line ends)
        assert in_processo.verifica(grezzo.replace(b"\r\n", b"\n"), datetime.now(UTC))[0] is openssl, nome


def test_certificati_letti_una_volta_per_il_gestore(certificati_sandbox: Certificati) -> None:
    v = Verificatore(carica_ancore(certificati_sandbox.ca_cert.read_bytes()))
    messaggi = _messaggi(certificati_sandbox)
    for nome in (
        "accettazione-application/pkcs7-signature-None",
        "consegna-application/pkcs7-signature-None",
    ):
        assert v.verifica(messaggi[nome], datetime.now(UTC))[0] is Firma.VALIDA
    assert len(v._certificati) == 1  # one provider, one certificate set: read once


def test_con_la_memoria_gli_stessi_verdetti_che_senza(
    certificati_sandbox: Certificati, altra_ca: Path
) -> None:
    """A verifier that has seen every message (twice, in both orders, LF-only copies too) gives on
    each the verdict and reason of a fresh one: the memory never changes a verdict."""
    messaggi = _messaggi(certificati_sandbox)
    tutti = [*messaggi.items(), *((f"{n}-lf", g.replace(b"\r\n", b"\n")) for n, g in messaggi.items())]
    for ca_file in (certificati_sandbox.ca_cert, altra_ca):
        ancore = carica_ancore(ca_file.read_bytes())
        esperto = Verificatore(ancore)
        for nome, grezzo in [*tutti, *reversed(tutti)]:
            adesso = datetime.now(UTC)
            assert esperto.verifica(grezzo, adesso) == Verificatore(ancore).verifica(grezzo, adesso), nome


def test_stesso_certificato_altre_autorita(certificati_sandbox: Certificati, altra_ca: Path) -> None:
    """The memory is per set of trust anchors: the same signer is valid for one, not for the other."""
    grezzo = _messaggi(certificati_sandbox)["accettazione-application/pkcs7-signature-None"]
    giusta = Verificatore(carica_ancore(certificati_sandbox.ca_cert.read_bytes()))
    sbagliata = Verificatore(carica_ancore(altra_ca.read_bytes()))
    for _ in range(3):
        assert giusta.verifica(grezzo, datetime.now(UTC))[0] is Firma.VALIDA
        esito, motivo = sbagliata.verifica(grezzo, datetime.now(UTC))
        assert esito is Firma.NON_VALIDA
        assert motivo == "firma non valida: il certificato non è emesso dalle autorità configurate"
    entrambe = Verificatore(
        [*carica_ancore(altra_ca.read_bytes()), *carica_ancore(certificati_sandbox.ca_cert.read_bytes())]
    )
    assert entrambe.verifica(grezzo, datetime.now(UTC))[0] is Firma.VALIDA


def test_manomessa_dopo_una_valida_dello_stesso_gestore(certificati_sandbox: Certificati) -> None:
    v = Verificatore(carica_ancore(certificati_sandbox.ca_cert.read_bytes()))
    messaggi = _messaggi(certificati_sandbox)
    for tipo in ("accettazione", "consegna", "busta"):
        assert v.verifica(messaggi[f"{tipo}-application/pkcs7-signature-None"], datetime.now(UTC))[0] is (
            Firma.VALIDA
        )
        manomessa = messaggi[f"{tipo}-application/pkcs7-signature-{Difetto.FIRMA_NON_VALIDA}"]
        assert v.verifica(manomessa, datetime.now(UTC)) == (
            Firma.NON_VALIDA,
            "firma non valida: il contenuto è stato modificato dopo la firma (impronta diversa)",
        )
        assert verifica_firma(manomessa, certificati_sandbox.ca_cert)[0] is Firma.NON_VALIDA  # openssl agrees


def test_firma_rifatta_con_un_altra_chiave_dopo_una_valida(
    certificati_sandbox: Certificati, tmp_path: Path
) -> None:
    """Same certificates embedded, the signature by someone else's key: the remembered public key
    is the certificate's, so the signature does not match."""
    v = Verificatore(carica_ancore(certificati_sandbox.ca_cert.read_bytes()))
    valida = ricevute.accettazione(_firmatario(certificati_sandbox), INVIO, data=QUANDO)
    assert v.verifica(valida, datetime.now(UTC))[0] is Firma.VALIDA
    altri = crea_certificati(tmp_path / "altri", dominio_provider="altro.test")
    impostore = ricevute.accettazione(
        _firmatario(certificati_sandbox, chiave=altri.firma_key), INVIO, data=QUANDO
    )
    assert v.verifica(impostore, datetime.now(UTC)) == (
        Firma.NON_VALIDA,
        "firma non valida: la firma non corrisponde al certificato",
    )
    assert verifica_firma(impostore, certificati_sandbox.ca_cert)[0] is Firma.NON_VALIDA  # openssl agrees


def test_le_date_si_guardano_a_ogni_messaggio(certificati_sandbox: Certificati) -> None:
    """The chain is remembered, not its validity: the same signer is checked at each message's time."""
    v = Verificatore(carica_ancore(certificati_sandbox.ca_cert.read_bytes()))
    grezzo = _messaggi(certificati_sandbox)["accettazione-application/pkcs7-signature-None"]
    firma = x509.load_pem_x509_certificate(certificati_sandbox.firma_cert.read_bytes())
    prima, dopo = (
        firma.not_valid_before_utc - timedelta(days=1),
        firma.not_valid_after_utc + timedelta(days=1),
    )
    for _ in range(2):
        for quando in (datetime.now(UTC), prima, dopo):
            assert v.verifica(grezzo, quando) == Verificatore(v.ancore).verifica(grezzo, quando)
        assert v.verifica(grezzo, datetime.now(UTC))[0] is Firma.VALIDA
        esito, motivo = v.verifica(grezzo, dopo)
        assert esito is Firma.NON_VALIDA and motivo.startswith("firma non valida: certificato scaduto")


def test_memoria_limitata(
    certificati_sandbox: Certificati, altra_ca: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(modulo_cms, "MASSIMI_RICORDATI", 3)
    v = Verificatore(carica_ancore(certificati_sandbox.ca_cert.read_bytes()))
    for nome, grezzo in _messaggi(certificati_sandbox).items():
        adesso = datetime.now(UTC)
        assert v.verifica(grezzo, adesso) == Verificatore(v.ancore).verifica(grezzo, adesso), nome
        assert len(v._attributi_letti) <= 3 and len(v._certificati) <= 3 and len(v._insiemi) <= 3


def test_quello_che_non_sa_decidere_lo_decide_openssl(certificati_sandbox: Certificati) -> None:
    v = Verificatore(carica_ancore(certificati_sandbox.ca_cert.read_bytes()))
    assert v.verifica(b"From: a@b\r\n\r\nnon firmato\r\n", datetime.now(UTC)) is None
    troncato = _messaggi(certificati_sandbox)["accettazione-application/pkcs7-signature-None"][:-200]
    assert v.verifica(troncato, datetime.now(UTC)) is None
    assert verifica_firma(troncato, certificati_sandbox.ca_cert, v)[0] is Firma.NON_VALIDA  # openssl's word
