"""The S/MIME signature of a receipt verified in-process (asn1crypto + cryptography), so that
reading ten thousand receipts does not start ten thousand openssl processes.

The recipe of AMBIENTE.md §5, each step tested against openssl's verdict:

1. the signed entity is sliced from the *raw* bytes (never rebuilt with ``email``), line ends
   made canonical (CRLF) as openssl does;
2. the PKCS#7 SignedData is read from the second part; the signer's certificate is found by
   issuer and serial number (or subject key identifier) among the embedded ones;
3. the digest of the signed entity must equal the ``message-digest`` signed attribute;
4. the signature is checked over the signed attributes re-tagged as a SET OF;
5. the signer's certificate must chain (through embedded or configured intermediates) to one
   of the configured trust anchors, each link within its validity, and be fit for e-mail
   protection if it names its uses.

Anything this does not know how to check (another signature scheme, no signed attributes,
unusual structure) returns ``None``: the caller then asks openssl, whose verdict stands. No
I/O: certificates come in as objects, time as an argument.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from corrispondenza.ricevute.parser import Firma

_HASH = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_CONFINE = re.compile(rb'boundary="?([^";\r\n]+)"?', re.IGNORECASE)
_LF_SOLO = re.compile(rb"(?<!\r)\n")
MASSIMA_CATENA = 5


class _NonSo(Exception):
    """Not a case this module decides: openssl will."""


@dataclass
class Verificatore:
    """Trust anchors and what was already established about signer certificates."""

    ancore: list[x509.Certificate]
    _certificati_buoni: dict[bytes, datetime] = field(default_factory=dict)

    def verifica(self, grezzo: bytes, adesso: datetime) -> tuple[Firma, str] | None:
        """The verdict, or None when openssl must decide."""
        try:
            return self._verifica(grezzo, adesso)
        except _NonSo:
            return None
        except (ValueError, TypeError, KeyError, IndexError, binascii.Error, UnsupportedAlgorithm):
            return None

    def _verifica(self, grezzo: bytes, adesso: datetime) -> tuple[Firma, str]:
        firmato, firma = _parti(grezzo)
        dati = cms.ContentInfo.load(firma)
        if dati["content_type"].native != "signed_data":
            raise _NonSo
        signed = dati["content"]
        incorporati = [c.chosen for c in (signed["certificates"] or []) if c.name == "certificate"]
        [firmatario] = signed["signer_infos"]
        certificato = _certificato_del_firmatario(firmatario, incorporati)
        if certificato is None:
            return Firma.NON_VALIDA, "firma non valida: il certificato del firmatario non è nel messaggio"
        algoritmo = firmatario["digest_algorithm"]["algorithm"].native
        if algoritmo not in _HASH or firmatario["signed_attrs"].native is None:
            raise _NonSo
        impronta = hashlib.new(algoritmo, firmato).digest()
        attesa = next(
            (
                a["values"][0].native
                for a in firmatario["signed_attrs"]
                if a["type"].native == "message_digest"
            ),
            None,
        )
        if attesa != impronta:
            return (
                Firma.NON_VALIDA,
                "firma non valida: il contenuto è stato modificato dopo la firma (impronta diversa)",
            )
        cert = x509.load_der_x509_certificate(certificato.dump())
        if not _firma_corretta(firmatario, cert, algoritmo):
            return Firma.NON_VALIDA, "firma non valida: la firma non corrisponde al certificato"
        return self._catena(cert, [x509.load_der_x509_certificate(c.dump()) for c in incorporati], adesso)

    def _catena(
        self, cert: x509.Certificate, intermedi: list[x509.Certificate], adesso: datetime
    ) -> tuple[Firma, str]:
        chiave = cert.public_bytes(serialization.Encoding.DER)
        if chiave in self._certificati_buoni and _valido(cert, adesso):
            return Firma.VALIDA, "firma valida, verificata con le autorità configurate"
        if not _uso_email(cert):
            return Firma.NON_VALIDA, "firma non valida: certificato non destinato alla protezione della posta"
        attuale = cert
        for _ in range(MASSIMA_CATENA):
            if not _valido(attuale, adesso):
                return (
                    Firma.NON_VALIDA,
                    f"firma non valida: certificato scaduto o non ancora valido ({_nome(attuale)})",
                )
            ancora = _emittente(attuale, self.ancore)
            if ancora is not None:
                if not _valido(ancora, adesso):
                    return Firma.NON_VALIDA, "firma non valida: l'autorità di certificazione è scaduta"
                self._certificati_buoni[chiave] = adesso
                return Firma.VALIDA, "firma valida, verificata con le autorità configurate"
            superiore = _emittente(attuale, [c for c in intermedi if c != attuale])
            if superiore is None:
                return (
                    Firma.NON_VALIDA,
                    "firma non valida: il certificato non è emesso dalle autorità configurate",
                )
            attuale = superiore
        return Firma.NON_VALIDA, "firma non valida: catena dei certificati troppo lunga"


def _parti(grezzo: bytes) -> tuple[bytes, bytes]:
    """The signed entity (canonical CRLF) and the DER of the signature, from the raw message."""
    testa, separatore, corpo = grezzo.partition(b"\r\n\r\n")
    if not separatore:
        testa, separatore, corpo = grezzo.partition(b"\n\n")
    trovato = _CONFINE.search(testa)
    if not separatore or trovato is None or b"multipart/signed" not in testa.lower():
        raise _NonSo
    corpo = _LF_SOLO.sub(b"\r\n", corpo)
    delimitatore = b"--" + trovato.group(1)
    inizio = corpo.find(delimitatore + b"\r\n")
    if inizio != 0 and (inizio < 0 or corpo[inizio - 2 : inizio] != b"\r\n"):
        raise _NonSo
    inizio += len(delimitatore) + 2
    fine = corpo.find(b"\r\n" + delimitatore, inizio)
    if fine < 0:
        raise _NonSo
    firmato = corpo[inizio:fine]
    secondo = fine + 2 + len(delimitatore) + 2
    chiusura = corpo.find(b"\r\n" + delimitatore, secondo)
    if chiusura < 0:
        raise _NonSo
    parte = corpo[secondo:chiusura]
    _, _, contenuto = parte.partition(b"\r\n\r\n")
    return firmato, base64.b64decode(re.sub(rb"\s+", b"", contenuto), validate=True)


def _certificato_del_firmatario(firmatario: cms.SignerInfo, incorporati: list) -> cms.Certificate | None:
    sid = firmatario["sid"]
    for c in incorporati:
        if sid.name == "issuer_and_serial_number":
            emittente = sid.chosen["issuer"]
            # serial first, DER before the LDAP-normalised comparison: the latter is slow
            if c.serial_number == sid.chosen["serial_number"].native and (
                c.issuer.dump() == emittente.dump() or c.issuer == emittente
            ):
                return c
        elif c.key_identifier == sid.chosen.native:
            return c
    return None


def _firma_corretta(firmatario: cms.SignerInfo, cert: x509.Certificate, algoritmo: str) -> bool:
    chiave = cert.public_key()
    if not isinstance(chiave, rsa.RSAPublicKey):
        raise _NonSo
    schema = firmatario["signature_algorithm"].signature_algo
    if schema != "rsassa_pkcs1v15":
        raise _NonSo
    attributi = b"\x31" + firmatario["signed_attrs"].dump()[1:]  # [0] IMPLICIT re-tagged as SET OF
    try:
        chiave.verify(firmatario["signature"].native, attributi, padding.PKCS1v15(), _HASH[algoritmo]())
    except InvalidSignature:
        return False
    return True


def _emittente(cert: x509.Certificate, candidati: list[x509.Certificate]) -> x509.Certificate | None:
    for candidato in candidati:
        if candidato.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(candidato)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue
        return candidato
    return None


def _valido(cert: x509.Certificate, adesso: datetime) -> bool:
    return cert.not_valid_before_utc <= adesso <= cert.not_valid_after_utc


def _uso_email(cert: x509.Certificate) -> bool:
    """As openssl's smimesign purpose: if the certificate lists its uses, e-mail must be among them."""
    try:
        usi = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return ExtendedKeyUsageOID.EMAIL_PROTECTION in usi or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usi


def _nome(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


def carica_ancore(pem: bytes) -> list[x509.Certificate]:
    """The trust anchors of a CA file (PEM, one or more certificates)."""
    return x509.load_pem_x509_certificates(pem)
