"""S/MIME signing of the sandbox provider's messages: the signer and the multipart/signed assembly.

The multipart levels are assembled by hand, not by ``email``'s generator: the bytes that are
signed must be exactly the bytes that travel (AMBIENTE.md §5, "the classic trap"), and a part
such as postacert.eml must keep the original's bytes, which a re-generated ``Message`` does
not guarantee. Verified in the tests with ``openssl smime -verify``.
"""

from __future__ import annotations

import base64
import email.policy
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

SMTP = email.policy.SMTP  # CRLF line endings: the canonical form that gets signed
CRLF = b"\r\n"


@dataclass(frozen=True)
class Firmatario:
    """The provider that signs: its key and certificate, its name and its mail domain.

    ``tipo_firma`` is the signature content type; real providers use both the standard and the
    old ``x-`` form (RICEVUTE.md, "MIME structure"), and a parser must accept either.
    """

    certificato: x509.Certificate
    chiave: pkcs7.PKCS7PrivateKeyTypes
    gestore: str  # daticert gestore-emittente, e.g. "Sandbox PEC S.p.A."
    dominio: str  # e.g. "pec.sandbox.test"
    indirizzo: str = ""  # receipts come From posta-certificata@<dominio> unless given
    catena: tuple[x509.Certificate, ...] = ()  # intermediate/CA certificates to embed
    tipo_firma: str = "application/pkcs7-signature"

    def __post_init__(self) -> None:
        if not self.indirizzo:
            object.__setattr__(self, "indirizzo", f"posta-certificata@{self.dominio}")

    @classmethod
    def da_pem(cls, certificato: bytes, chiave: bytes, *, gestore: str, dominio: str, **altri) -> Firmatario:
        """From PEM bytes; ``certificato`` may hold the whole chain, signer first."""
        certificati = x509.load_pem_x509_certificates(certificato)
        privata = serialization.load_pem_private_key(chiave, password=None)
        return cls(certificati[0], privata, gestore, dominio, catena=tuple(certificati[1:]), **altri)  # type: ignore[arg-type]

    @classmethod
    def da_file(
        cls, certificato: Path | str, chiave: Path | str, *, gestore: str, dominio: str, **altri
    ) -> Firmatario:
        """From PEM files, as the sandbox's test CA writes them."""
        return cls.da_pem(
            Path(certificato).read_bytes(),
            Path(chiave).read_bytes(),
            gestore=gestore,
            dominio=dominio,
            **altri,
        )


def multipart(tipo: bytes, parti: Sequence[bytes], parametri: bytes = b"", preambolo: bytes = b"") -> bytes:
    """A multipart entity by hand, so every part keeps its exact bytes.

    The CRLF before each delimiter belongs to the delimiter (RFC 2046 §5.1.1), so a part that
    ends with CRLF keeps it, and postacert.eml stays byte-identical to the original.
    """
    confine = _confine(parti)
    testa = b"Content-Type: " + tipo + b";" + parametri + b'\r\n boundary="' + confine + b'"\r\n\r\n'
    delimitatore = b"--" + confine
    corpo = (CRLF + delimitatore + CRLF).join(parti)
    return testa + preambolo + delimitatore + CRLF + corpo + CRLF + delimitatore + b"--\r\n"


def _confine(parti: Sequence[bytes]) -> bytes:
    while True:
        confine = b"----=_Part_" + secrets.token_hex(12).encode()
        if not any(confine in p for p in parti):
            return confine


def crlf(dati: bytes) -> bytes:
    """The canonical form that is signed and that SMTP delivers: every line ending is CRLF."""
    return re.sub(rb"\r?\n", CRLF, dati)


def firmato(
    firmatario: Firmatario,
    intestazioni: Sequence[tuple[str, str | Address]],
    corpo: bytes,
    *,
    manomesso: bool = False,
) -> bytes:
    """The whole message: envelope headers, then multipart/signed over ``corpo`` byte for byte."""
    # Binary: sign ``corpo`` as it is (already canonical CRLF), no translation by the library.
    opzioni = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]
    costruttore = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(corpo)
        .add_signer(firmatario.certificato, firmatario.chiave, hashes.SHA256())
    )
    for certificato in firmatario.catena:
        costruttore = costruttore.add_certificate(certificato)
    firma = costruttore.sign(serialization.Encoding.DER, opzioni)
    if manomesso:
        corpo = _manomesso(corpo)
    parte_firma = (
        f'Content-Type: {firmatario.tipo_firma}; name="smime.p7s"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        'Content-Disposition: attachment; filename="smime.p7s"\r\n'
        "Content-Description: S/MIME Cryptographic Signature\r\n\r\n"
    ).encode() + crlf(base64.encodebytes(firma))
    parametri = f' protocol="{firmatario.tipo_firma}";\r\n micalg=sha-256;'.encode()
    preambolo = b"This is an S/MIME signed message\r\n\r\n"
    segnato = multipart(b"multipart/signed", [corpo, parte_firma], parametri, preambolo)
    return _intestazioni(intestazioni) + b"MIME-Version: 1.0\r\n" + segnato


def _manomesso(corpo: bytes) -> bytes:
    """Change one letter of the human-readable text after signing: parseable, but the digest fails."""
    inizio = corpo.index(b"\r\n\r\n", corpo.index(b"Content-Type: text/plain")) + 4
    return corpo[:inizio] + corpo[inizio : inizio + 1].swapcase() + corpo[inizio + 1 :]


def _intestazioni(intestazioni: Sequence[tuple[str, str | Address]]) -> bytes:
    """Headers folded and RFC 2047-encoded by ``email`` (accented subjects), CRLF-terminated."""
    messaggio = EmailMessage(policy=SMTP)
    for nome, valore in intestazioni:
        messaggio[nome] = valore
    return b"".join(SMTP.fold_binary(nome, valore) for nome, valore in messaggio.items())


def come_parte(parte: EmailMessage) -> bytes:
    """Body parts carry no MIME-Version (``email`` adds one to each alternative it creates)."""
    for sotto in parte.walk():
        del sotto["MIME-Version"]
    return parte.as_bytes(policy=SMTP)
