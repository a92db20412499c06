"""A test CA and the certificates of the local PEC provider: TLS for its servers, S/MIME for receipts.

Made with ``cryptography`` as AMBIENTE.md §4 describes (RSA 2048, SHA-256). Files are reused
while they are still valid, so that a demo folder keeps the same CA across runs and a client
configured with it once keeps working.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOME_PROVIDER = "Sandbox PEC S.p.A."
VALIDITA = timedelta(days=3 * 365)
# Reuse files only if they stay valid this long: a demo started today must not fail next week.
MARGINE = timedelta(days=30)


@dataclass(frozen=True)
class Certificati:
    """Paths of the PEM files in the folder; keys are mode 0600."""

    cartella: Path
    dominio_provider: str

    @property
    def ca_cert(self) -> Path:
        return self.cartella / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.cartella / "ca-key.pem"

    @property
    def server_cert(self) -> Path:
        return self.cartella / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.cartella / "server-key.pem"

    @property
    def firma_cert(self) -> Path:
        return self.cartella / "firma.pem"

    @property
    def firma_key(self) -> Path:
        return self.cartella / "firma-key.pem"

    @property
    def indirizzo_firma(self) -> str:
        """The provider's own address, written in the signing certificate and in receipts' From."""
        return f"posta-certificata@{self.dominio_provider}"

    def ssl_context_server(self) -> ssl.SSLContext:
        contesto = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        contesto.load_cert_chain(self.server_cert, self.server_key)
        return contesto

    def ssl_context_client(self) -> ssl.SSLContext:
        """Trusts only the sandbox CA; host names are checked as a real client would."""
        return ssl.create_default_context(cafile=str(self.ca_cert))


def crea_certificati(cartella: Path, *, dominio_provider: str = "pec.sandbox.test") -> Certificati:
    """Create (or reuse, if still valid and for the same domain) the CA, TLS and signing certificates."""
    cartella.mkdir(parents=True, exist_ok=True)
    certificati = Certificati(cartella, dominio_provider)
    if _validi(certificati):
        return certificati
    adesso = datetime.now(UTC)
    ca_key = _nuova_chiave(certificati.ca_key)
    ca_nome = _nome(f"{NOME_PROVIDER} CA di prova")
    ca = _firma(_base(ca_nome, ca_nome, ca_key, ca_key, adesso), ca_key, _estensioni_ca())
    _scrivi_cert(certificati.ca_cert, ca)
    server_key = _nuova_chiave(certificati.server_key)
    server = _base(_nome("localhost"), ca_nome, server_key, ca_key, adesso)
    _scrivi_cert(certificati.server_cert, _firma(server, ca_key, _estensioni_server(dominio_provider)))
    firma_key = _nuova_chiave(certificati.firma_key)
    firma = _base(_nome(NOME_PROVIDER), ca_nome, firma_key, ca_key, adesso)
    _scrivi_cert(
        certificati.firma_cert, _firma(firma, ca_key, _estensioni_firma(certificati.indirizzo_firma))
    )
    return certificati


def _validi(certificati: Certificati) -> bool:
    """True when every file is there, chains to the CA, matches its key and is not near expiry."""
    coppie = [
        (certificati.ca_cert, certificati.ca_key),
        (certificati.server_cert, certificati.server_key),
        (certificati.firma_cert, certificati.firma_key),
    ]
    if not all(p.exists() for coppia in coppie for p in coppia):
        return False
    try:
        ca = x509.load_pem_x509_certificate(certificati.ca_cert.read_bytes())
        for cert_path, key_path in coppie:
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            # Our own files: skipping the RSA consistency check saves ~70 ms a key on every reuse.
            chiave = serialization.load_pem_private_key(
                key_path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
            )
            cert.verify_directly_issued_by(ca)
            if cert.public_key() != chiave.public_key():
                return False
            if cert.not_valid_after_utc < datetime.now(UTC) + MARGINE:
                return False
        server = x509.load_pem_x509_certificate(certificati.server_cert.read_bytes())
        nomi = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return certificati.dominio_provider in nomi.get_values_for_type(x509.DNSName)
    except (ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False


def _nuova_chiave(percorso: Path) -> rsa.RSAPrivateKey:
    chiave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    percorso.unlink(missing_ok=True)
    percorso.touch(mode=0o600)
    percorso.chmod(0o600)  # touch's mode is filtered by the umask; be explicit
    percorso.write_bytes(
        chiave.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return chiave


def _scrivi_cert(percorso: Path, cert: x509.Certificate) -> None:
    percorso.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _nome(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, NOME_PROVIDER),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _base(
    soggetto: x509.Name,
    emittente: x509.Name,
    chiave: rsa.RSAPrivateKey,
    chiave_emittente: rsa.RSAPrivateKey,
    adesso: datetime,
) -> x509.CertificateBuilder:
    """Subject, issuer, dates, serial and the key identifiers every certificate here has."""
    pubblica = chiave.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(soggetto)
        .issuer_name(emittente)
        .public_key(pubblica)
        .serial_number(x509.random_serial_number())
        .not_valid_before(adesso - timedelta(minutes=5))
        .not_valid_after(adesso + VALIDITA)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(pubblica), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(chiave_emittente.public_key()),
            critical=False,
        )
    )


def _firma(
    costruttore: x509.CertificateBuilder,
    chiave_ca: rsa.RSAPrivateKey,
    estensioni: list[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    for estensione, critica in estensioni:
        costruttore = costruttore.add_extension(estensione, critical=critica)
    return costruttore.sign(chiave_ca, hashes.SHA256())


def _uso_chiave(*, ca: bool = False, non_ripudio: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=non_ripudio,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _estensioni_ca() -> list[tuple[x509.ExtensionType, bool]]:
    return [(x509.BasicConstraints(ca=True, path_length=0), True), (_uso_chiave(ca=True), True)]


def _estensioni_server(dominio: str) -> list[tuple[x509.ExtensionType, bool]]:
    """Python checks host names against the SAN only (CN is ignored), so every name a client uses is here."""
    nomi = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.DNSName(dominio),
            x509.DNSName(f"*.{dominio}"),
            x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
        ]
    )
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_uso_chiave(), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (nomi, False),
    ]


def _estensioni_firma(indirizzo: str) -> list[tuple[x509.ExtensionType, bool]]:
    """emailProtection: without it ``openssl smime -verify`` rejects the signer (unsuitable purpose)."""
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_uso_chiave(non_ripudio=True), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False),
        (x509.SubjectAlternativeName([x509.RFC822Name(indirizzo)]), False),
    ]
