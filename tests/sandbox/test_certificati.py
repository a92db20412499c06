"""The sandbox certificates: a client trusting the test CA accepts the servers, openssl accepts the signer."""

from __future__ import annotations

import ssl
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from corrispondenza.sandbox.certificati import Certificati, crea_certificati


def stretta_di_mano(client: ssl.SSLContext, server: ssl.SSLContext, nome_host: str) -> dict:
    """A TLS handshake in memory (no socket, no thread); returns the certificate the client accepted."""
    verso_server, verso_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    lati = {
        "client": client.wrap_bio(verso_client, verso_server, server_hostname=nome_host),
        "server": server.wrap_bio(verso_server, verso_client, server_side=True),
    }
    conclusi: set[str] = set()
    for _ in range(10):
        for nome, lato in lati.items():
            try:
                if nome not in conclusi:
                    lato.do_handshake()
                    conclusi.add(nome)
            except ssl.SSLWantReadError:
                pass
        if len(conclusi) == 2:
            return lati["client"].getpeercert()
    raise AssertionError("stretta di mano TLS non conclusa")


def carica(percorso: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(percorso.read_bytes())


@pytest.mark.parametrize("nome_host", ["localhost", "127.0.0.1", "pec.sandbox.test", "imap.pec.sandbox.test"])
def test_server_tls_accettato_dal_client_della_sandbox(
    certificati_sandbox: Certificati, nome_host: str
) -> None:
    c = certificati_sandbox
    certificato = stretta_di_mano(c.ssl_context_client(), c.ssl_context_server(), nome_host)
    assert ("commonName", "localhost") in [voce for rdn in certificato["subject"] for voce in rdn]


def test_certificato_server_per_tls(certificati_sandbox: Certificati) -> None:
    server = carica(certificati_sandbox.server_cert)
    server.verify_directly_issued_by(carica(certificati_sandbox.ca_cert))
    uso = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(uso) == [ExtendedKeyUsageOID.SERVER_AUTH]


def test_nome_host_estraneo_rifiutato(certificati_sandbox: Certificati) -> None:
    c = certificati_sandbox
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
        stretta_di_mano(c.ssl_context_client(), c.ssl_context_server(), "pec.altro.test")


def test_client_senza_la_ca_rifiuta(certificati_sandbox: Certificati) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        stretta_di_mano(ssl.create_default_context(), certificati_sandbox.ssl_context_server(), "localhost")


def test_certificato_di_firma_per_smime(certificati_sandbox: Certificati) -> None:
    c = certificati_sandbox
    firma, ca = carica(c.firma_cert), carica(c.ca_cert)
    firma.verify_directly_issued_by(ca)
    uso = firma.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(uso) == [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    nomi = firma.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert nomi.get_values_for_type(x509.RFC822Name) == ["posta-certificata@pec.sandbox.test"]
    assert firma.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Sandbox PEC S.p.A."
    verifica = subprocess.run(
        ["openssl", "verify", "-CAfile", c.ca_cert, "-purpose", "smimesign", c.firma_cert],
        capture_output=True,
        text=True,
    )
    assert verifica.returncode == 0, verifica.stdout + verifica.stderr


def test_chiavi_private_leggibili_solo_dal_proprietario(certificati_sandbox: Certificati) -> None:
    c = certificati_sandbox
    assert {p.stat().st_mode & 0o777 for p in (c.ca_key, c.server_key, c.firma_key)} == {0o600}


def test_validita_intorno_a_oggi(certificati_sandbox: Certificati) -> None:
    adesso = datetime.now(UTC)
    for percorso in (
        certificati_sandbox.ca_cert,
        certificati_sandbox.server_cert,
        certificati_sandbox.firma_cert,
    ):
        cert = carica(percorso)
        assert cert.not_valid_before_utc < adesso < adesso + timedelta(days=365) < cert.not_valid_after_utc


def test_riusa_i_file_validi_e_rifa_quelli_guasti(tmp_path: Path) -> None:
    prima = crea_certificati(tmp_path)
    contenuti = {p: p.read_bytes() for p in (prima.ca_cert, prima.server_cert, prima.firma_key)}
    crea_certificati(tmp_path)
    assert {p: p.read_bytes() for p in contenuti} == contenuti
    prima.server_cert.write_text("guasto")
    crea_certificati(tmp_path)
    assert carica(prima.server_cert)  # readable again, under a new CA
    assert prima.ca_cert.read_bytes() != contenuti[prima.ca_cert]


def test_altro_dominio_rifa_il_certificato(tmp_path: Path) -> None:
    crea_certificati(tmp_path)
    altro = crea_certificati(tmp_path, dominio_provider="pec.altra.test")
    nomi = carica(altro.server_cert).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "pec.altra.test" in nomi.get_values_for_type(x509.DNSName)
    assert altro.indirizzo_firma == "posta-certificata@pec.altra.test"
