"""The in-process signature check (``ricevute/cms``) gives openssl's verdict on every receipt the
sandbox signs, tampered or not, under the right or the wrong trust anchors, with both content
types; and it hands back to openssl what it cannot decide."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

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


def _messaggi(certificati: Certificati) -> dict[str, bytes]:
    messaggi = {}
    for tipo_firma in ("application/pkcs7-signature", "application/x-pkcs7-signature"):
        f = Firmatario.da_file(
            certificati.firma_cert,
            certificati.firma_key,
            gestore=NOME_PROVIDER,
            dominio=certificati.dominio_provider,
            tipo_firma=tipo_firma,
        )
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


def test_verdetto_memorizzato_per_il_certificato_del_gestore(certificati_sandbox: Certificati) -> None:
    v = Verificatore(carica_ancore(certificati_sandbox.ca_cert.read_bytes()))
    grezzo = _messaggi(certificati_sandbox)["accettazione-application/pkcs7-signature-None"]
    assert v.verifica(grezzo, datetime.now(UTC))[0] is Firma.VALIDA
    assert len(v._certificati_buoni) == 1
    assert v.verifica(grezzo, datetime.now(UTC))[0] is Firma.VALIDA


def test_quello_che_non_sa_decidere_lo_decide_openssl(certificati_sandbox: Certificati) -> None:
    v = Verificatore(carica_ancore(certificati_sandbox.ca_cert.read_bytes()))
    assert v.verifica(b"From: a@b\r\n\r\nnon firmato\r\n", datetime.now(UTC)) is None
    troncato = _messaggi(certificati_sandbox)["accettazione-application/pkcs7-signature-None"][:-200]
    assert v.verifica(troncato, datetime.now(UTC)) is None
    assert verifica_firma(troncato, certificati_sandbox.ca_cert, v)[0] is Firma.NON_VALIDA  # openssl's word
