"""The provider's signature checked with openssl: valid, tampered, wrong CA, unsigned, no CA."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from corrispondenza.ricevute import firma as modulo_firma
from corrispondenza.ricevute.firma import con_firma, verifica_firma
from corrispondenza.ricevute.parser import Classe, Firma, analizza
from corrispondenza.sandbox import ricevute
from corrispondenza.sandbox.certificati import NOME_PROVIDER, Certificati, crea_certificati
from corrispondenza.sandbox.ricevute import Difetto, Firmatario, Invio

QUANDO = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
INVIO = Invio(
    "recupero.crediti@pec.asl.test",
    (("mario.rossi@pec.esempio.test", "certificato"),),
    "Sollecito",
    "<lettera-1@corrispondenza.asl.test>",
    "opec.1@pec.sandbox.test",
)


def _firmatario(certificati: Certificati, tipo_firma: str = "application/pkcs7-signature") -> Firmatario:
    return Firmatario.da_file(
        certificati.firma_cert,
        certificati.firma_key,
        gestore=NOME_PROVIDER,
        dominio=certificati.dominio_provider,
        tipo_firma=tipo_firma,
    )


@pytest.fixture(scope="module")
def altra_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return crea_certificati(tmp_path_factory.mktemp("altra-ca"), dominio_provider="altro.test").ca_cert


@pytest.mark.parametrize("tipo_firma", ["application/pkcs7-signature", "application/x-pkcs7-signature"])
def test_firma_valida_con_entrambi_i_tipi(certificati_sandbox: Certificati, tipo_firma: str) -> None:
    grezzo = ricevute.accettazione(_firmatario(certificati_sandbox, tipo_firma), INVIO, data=QUANDO)
    esito, motivo = verifica_firma(grezzo, certificati_sandbox.ca_cert)
    assert esito is Firma.VALIDA, motivo
    assert "ca.pem" in motivo


def test_firma_valida_anche_su_busta_e_consegna_completa(certificati_sandbox: Certificati) -> None:
    firmatario = _firmatario(certificati_sandbox)
    originale = b"From: a@b.test\r\nMessage-ID: <lettera-1@corrispondenza.asl.test>\r\n\r\nciao\r\n"
    for grezzo in (
        ricevute.busta_di_trasporto(firmatario, INVIO, originale, data=QUANDO),
        ricevute.avvenuta_consegna(
            firmatario, INVIO, destinatario="mario.rossi@pec.esempio.test", data=QUANDO, originale=originale
        ),
    ):
        assert verifica_firma(grezzo, certificati_sandbox.ca_cert)[0] is Firma.VALIDA


def test_trappola_firma_manomessa_non_valida(certificati_sandbox: Certificati) -> None:
    grezzo = ricevute.accettazione(
        _firmatario(certificati_sandbox), INVIO, data=QUANDO, difetto=Difetto.FIRMA_NON_VALIDA
    )
    esito, motivo = verifica_firma(grezzo, certificati_sandbox.ca_cert)
    assert esito is Firma.NON_VALIDA
    assert motivo == "firma non valida: PKCS7_signatureVerify:digest failure"


def test_trappola_ca_sbagliata_non_valida(certificati_sandbox: Certificati, altra_ca: Path) -> None:
    grezzo = ricevute.accettazione(_firmatario(certificati_sandbox), INVIO, data=QUANDO)
    esito, motivo = verifica_firma(grezzo, altra_ca)
    assert esito is Firma.NON_VALIDA
    assert motivo.startswith("firma non valida: PKCS7_verify:certificate verify error")


def test_daticert_mancante_ma_firma_valida(certificati_sandbox: Certificati) -> None:
    grezzo = ricevute.accettazione(
        _firmatario(certificati_sandbox), INVIO, data=QUANDO, difetto=Difetto.SENZA_DATICERT
    )
    r = con_firma(analizza(grezzo), grezzo, certificati_sandbox.ca_cert)
    assert (r.classe, r.firma) == (Classe.ILLEGGIBILE, Firma.VALIDA)
    assert r.motivo is not None and r.motivo.startswith("daticert.xml mancante; firma valida")


def test_firma_illeggibile_non_e_valida(certificati_sandbox: Certificati) -> None:
    grezzo = (
        b'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary="x"\r\n\r\n'
        b"--x\r\nContent-Type: text/plain\r\n\r\nciao\r\n--x\r\n"
        b"Content-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"bm9uIHVuYSBmaXJtYQ==\r\n--x--\r\n"
    )
    esito, motivo = verifica_firma(grezzo, certificati_sandbox.ca_cert)
    assert esito is Firma.NON_VALIDA and "firma non valida" in motivo


def test_non_verificabile_senza_ca_senza_firma_o_senza_openssl(
    certificati_sandbox: Certificati, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grezzo = ricevute.accettazione(_firmatario(certificati_sandbox), INVIO, data=QUANDO)
    assert verifica_firma(grezzo, None) == (
        Firma.NON_VERIFICABILE,
        "nessuna autorità di certificazione configurata per le ricevute",
    )
    esito, motivo = verifica_firma(b"From: a@b.test\r\n\r\nciao\r\n", certificati_sandbox.ca_cert)
    assert esito is Firma.NON_VERIFICABILE and "non è firmato" in motivo
    esito, motivo = verifica_firma(grezzo, tmp_path / "manca.pem")
    assert esito is Firma.NON_VERIFICABILE and "non trovato" in motivo
    (tmp_path / "rotta.pem").write_text("non un certificato\n")
    esito, motivo = verifica_firma(grezzo, tmp_path / "rotta.pem")
    assert esito is Firma.NON_VERIFICABILE and "non leggibile" in motivo
    monkeypatch.setattr(modulo_firma.shutil, "which", lambda _nome: None)
    esito, motivo = verifica_firma(grezzo, certificati_sandbox.ca_cert)
    assert esito is Firma.NON_VERIFICABILE and "openssl non installato" in motivo


def test_con_firma_aggiunge_l_esito_alla_ricevuta(certificati_sandbox: Certificati) -> None:
    grezzo = ricevute.accettazione(_firmatario(certificati_sandbox), INVIO, data=QUANDO)
    r = con_firma(analizza(grezzo), grezzo, certificati_sandbox.ca_cert)
    assert (r.classe, r.firma, r.msgid) == (Classe.RICEVUTA, Firma.VALIDA, INVIO.msgid)
    assert r.motivo == "firma valida, verificata con ca.pem"
    assert shutil.which("openssl") is not None


def test_con_firma_da_la_ricevuta_che_darebbe_replace(certificati_sandbox: Certificati) -> None:
    """``con_firma`` copies the fields instead of running ``__init__`` again: the result must be
    the object ``dataclasses.replace`` makes, field by field, hash and repr included."""
    firmatario = _firmatario(certificati_sandbox)
    verificatore = modulo_firma.verificatore(certificati_sandbox.ca_cert)
    casi = [
        ricevute.accettazione(firmatario, INVIO, data=QUANDO),
        ricevute.accettazione(firmatario, INVIO, data=QUANDO, difetto=Difetto.FIRMA_NON_VALIDA),
        b"Subject: non firmato\r\n\r\nx\r\n",
        b"\x00",
    ]
    for grezzo in casi:
        r = analizza(grezzo)
        nuova = con_firma(r, grezzo, certificati_sandbox.ca_cert, verificatore)
        firma, motivo = verifica_firma(grezzo, certificati_sandbox.ca_cert, verificatore)
        attesa = dataclasses.replace(r, firma=firma, motivo=f"{r.motivo}; {motivo}" if r.motivo else motivo)
        assert nuova == attesa and hash(nuova) == hash(attesa) and repr(nuova) == repr(attesa)
        assert dataclasses.asdict(nuova) == dataclasses.asdict(attesa)
        assert r.firma is Firma.NON_VERIFICABILE  # the receipt read is not changed
        with pytest.raises(dataclasses.FrozenInstanceError):
            nuova.firma = Firma.VALIDA  # type: ignore[misc]


def test_con_le_autorita_gia_caricate_non_si_rilegge_il_file(
    certificati_sandbox: Certificati, tmp_path: Path
) -> None:
    """The verifier holds the anchors loaded at the start of the run: its verdict stands even if
    the file went away since; without a verdict of its own (here: no verifier) the file decides."""
    ca = tmp_path / "ca.pem"
    shutil.copy(certificati_sandbox.ca_cert, ca)
    verificatore = modulo_firma.verificatore(ca)
    grezzo = ricevute.accettazione(_firmatario(certificati_sandbox), INVIO, data=QUANDO)
    ca.unlink()
    assert verifica_firma(grezzo, ca, verificatore)[0] is Firma.VALIDA
    esito, motivo = verifica_firma(grezzo, ca)
    assert esito is Firma.NON_VERIFICABILE and "non trovato" in motivo
