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

What depends only on the certificates (steps 2 and 5 but the dates, the signer's public key) is
worked out once per distinct certificate set, not once per receipt: all the receipts of a
provider carry the same ones (``Verificatore``).

Anything this does not know how to check (another signature scheme, no signed attributes,
unusual structure) returns ``None``: the caller then asks openssl, whose verdict stands. No
I/O: certificates come in as objects, time as an argument.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import cached_property

from asn1crypto import cms, core
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from corrispondenza.ricevute.parser import Firma

_HASH = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_CONFINE = re.compile(rb'boundary="?([^";\r\n]+)"?', re.IGNORECASE)
_LF_SOLO = re.compile(rb"(?<!\r)\n")
_SPAZI = b" \t\n\r\x0b\x0c"  # what the bytes regex \s matches
MASSIMA_CATENA = 5
MASSIMI_RICORDATI = 256
"""How many distinct certificate sets (and, apart, signed attributes) a verifier remembers: a
mailbox has a handful of providers; past this the memory starts again, so forged messages with
ever new certificates cannot make it grow."""


class _NonSo(Exception):
    """Not a case this module decides: openssl will."""


class Verificatore:
    """Trust anchors, and what was already worked out about the certificates signatures carry.

    All the receipts of a provider carry the same certificates: reading them, finding the
    signer's and walking its chain to the anchors is done once per distinct encoding (the exact
    bytes of the certificate set and of the signer's identifier) and remembered here, for these
    anchors only (they cannot change: a tuple). Per message there remains what depends on it:
    its digest, its signed attributes, the signature, and the validity dates at its time.
    """

    def __init__(self, ancore: Sequence[x509.Certificate]) -> None:
        self._ancore = tuple(ancore)
        self._insiemi: dict[bytes, list[cms.Certificate]] = {}
        self._certificati: dict[tuple[bytes, bytes], _Certificati] = {}
        self._attributi_letti: dict[bytes, str] = {}

    @property
    def ancore(self) -> tuple[x509.Certificate, ...]:
        return self._ancore

    def verifica(self, grezzo: bytes, adesso: datetime) -> tuple[Firma, str] | None:
        """The verdict, or None when openssl must decide."""
        try:
            return self._verifica(grezzo, adesso)
        except _NonSo:
            return None
        # InvalidVersion: a certificate cryptography cannot load (an X.509 version it does not
        # know); as for anything else unreadable here, openssl decides
        except (
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            binascii.Error,
            UnsupportedAlgorithm,
            x509.InvalidVersion,
        ):
            return None

    def _verifica(self, grezzo: bytes, adesso: datetime) -> tuple[Firma, str]:
        firmato, firma = _parti(grezzo)
        dati = cms.ContentInfo.load(firma)
        if dati["content_type"].native != "signed_data":
            raise _NonSo
        signed = dati["content"]
        [firmatario] = signed["signer_infos"]
        certificati = self._certificati_di(signed["certificates"], firmatario["sid"])
        if not certificati.del_firmatario:
            return Firma.NON_VALIDA, "firma non valida: il certificato del firmatario non è nel messaggio"
        algoritmo = firmatario["digest_algorithm"]["algorithm"].native
        attributi = firmatario["signed_attrs"]
        if algoritmo not in _HASH:
            raise _NonSo
        tipi = self._tipi_degli_attributi(attributi)
        if tipi is None:
            raise _NonSo
        impronta = hashlib.new(algoritmo, firmato).digest()
        attesa = next(
            (
                a["values"][0].native
                for a, tipo in zip(attributi, tipi, strict=True)
                if tipo == "message_digest"
            ),
            None,
        )
        if attesa != impronta:
            return (
                Firma.NON_VALIDA,
                "firma non valida: il contenuto è stato modificato dopo la firma (impronta diversa)",
            )
        if not _firma_corretta(firmatario, certificati.chiave, algoritmo):
            return Firma.NON_VALIDA, "firma non valida: la firma non corrisponde al certificato"
        return certificati.catena.verdetto(adesso)

    def _certificati_di(self, insieme: cms.CertificateSet, sid: cms.SignerIdentifier) -> _Certificati:
        """The embedded certificates and the signer's among them, read once per distinct encoding.

        The signer's identifier is read only if there are certificates to look it up among, as
        the lookup itself would.
        """
        codifica = insieme.dump()
        incorporati = self._insiemi.get(codifica)
        if incorporati is None:
            incorporati = [c.chosen for c in (insieme or []) if c.name == "certificate"]
            _ricorda(self._insiemi, codifica, incorporati)
        chiave = (codifica, sid.dump() if incorporati else b"")
        trovati = self._certificati.get(chiave)
        if trovati is None:
            trovati = _Certificati(incorporati, _certificato_del_firmatario(sid, incorporati), self._ancore)
            _ricorda(self._certificati, chiave, trovati)
        return trovati

    def _tipi_degli_attributi(self, attributi: cms.CMSAttributes) -> list[str] | None:
        """The type of each signed attribute, None if there are none; each attribute read in
        full as ``.native`` would (an unreadable one raises), once per distinct encoding: the
        same for every receipt (content type, capabilities), so only the signing time and the
        digest are read each time."""
        if isinstance(attributi, core.Void) or attributi.contents is None:
            return None  # absent: ``.native`` is None
        tipi = []
        for attributo in attributi:
            codifica = attributo.dump()
            tipo = self._attributi_letti.get(codifica)
            if tipo is None:
                cms.CMSAttribute.load(codifica).native  # noqa: B018 - read for its errors
                tipo = attributo["type"].native
                _ricorda(self._attributi_letti, codifica, tipo)
            tipi.append(tipo)
        return tipi


def _ricorda(memoria: dict, chiave: object, valore: object) -> None:
    if len(memoria) >= MASSIMI_RICORDATI:
        memoria.clear()
    memoria[chiave] = valore


class _Certificati:
    """What the certificates of a signature establish whatever the message: the signer's among
    them, its public key and its chain to the trust anchors. Each is worked out when first
    needed, in the order the recipe needs it (an error raises there, again each time)."""

    def __init__(
        self,
        incorporati: list[cms.Certificate],
        firmatario: cms.Certificate | None,
        ancore: tuple[x509.Certificate, ...],
    ) -> None:
        self._incorporati, self._firmatario, self._ancore = incorporati, firmatario, ancore

    @property
    def del_firmatario(self) -> bool:
        """Whether the signer's certificate is among them."""
        return self._firmatario is not None

    @cached_property
    def certificato(self) -> x509.Certificate:
        if self._firmatario is None:  # the caller asks only when there is one
            raise _NonSo
        return x509.load_der_x509_certificate(self._firmatario.dump())

    @cached_property
    def chiave(self) -> rsa.RSAPublicKey:
        chiave = self.certificato.public_key()
        if not isinstance(chiave, rsa.RSAPublicKey):
            raise _NonSo
        return chiave

    @cached_property
    def catena(self) -> _Catena:
        intermedi = [x509.load_der_x509_certificate(c.dump()) for c in self._incorporati]
        return _Catena.di(self.certificato, intermedi, self._ancore)


class _FineCatena(Enum):
    ANCORA = "ancora"
    SENZA_EMITTENTE = "senza emittente"
    TROPPO_LUNGA = "troppo lunga"


@dataclass(frozen=True)
class _Catena:
    """The signer's chain as far as it does not depend on time: each link with the trust anchor
    that issued it (if one did), and how the walk ended. ``verdetto`` adds the validity dates."""

    per_la_posta: bool
    anelli: tuple[tuple[x509.Certificate, x509.Certificate | None], ...]
    fine: _FineCatena | None

    @classmethod
    def di(
        cls, cert: x509.Certificate, intermedi: list[x509.Certificate], ancore: tuple[x509.Certificate, ...]
    ) -> _Catena:
        if not _uso_email(cert):
            return cls(False, (), None)
        anelli = []
        attuale = cert
        for _ in range(MASSIMA_CATENA):
            ancora = _emittente(attuale, ancore)
            anelli.append((attuale, ancora))
            if ancora is not None:
                return cls(True, tuple(anelli), _FineCatena.ANCORA)
            superiore = _emittente(attuale, [c for c in intermedi if c != attuale])
            if superiore is None:
                return cls(True, tuple(anelli), _FineCatena.SENZA_EMITTENTE)
            attuale = superiore
        return cls(True, tuple(anelli), _FineCatena.TROPPO_LUNGA)

    def verdetto(self, adesso: datetime) -> tuple[Firma, str]:
        """Walk the links again, each within its validity at ``adesso``."""
        if not self.per_la_posta:
            return Firma.NON_VALIDA, "firma non valida: certificato non destinato alla protezione della posta"
        for certificato, ancora in self.anelli:
            if not _valido(certificato, adesso):
                return (
                    Firma.NON_VALIDA,
                    f"firma non valida: certificato scaduto o non ancora valido ({_nome(certificato)})",
                )
            if ancora is not None:
                if not _valido(ancora, adesso):
                    return Firma.NON_VALIDA, "firma non valida: l'autorità di certificazione è scaduta"
                return Firma.VALIDA, "firma valida, verificata con le autorità configurate"
        if self.fine is _FineCatena.SENZA_EMITTENTE:
            return (
                Firma.NON_VALIDA,
                "firma non valida: il certificato non è emesso dalle autorità configurate",
            )
        return Firma.NON_VALIDA, "firma non valida: catena dei certificati troppo lunga"


def _parti(grezzo: bytes) -> tuple[bytes, bytes]:
    """The signed entity (canonical CRLF) and the DER of the signature, from the raw message."""
    testa, separatore, corpo = grezzo.partition(b"\r\n\r\n")
    if not separatore:
        testa, separatore, corpo = grezzo.partition(b"\n\n")
    trovato = _CONFINE.search(testa)
    if not separatore or trovato is None or b"multipart/signed" not in testa.lower():
        raise _NonSo
    if corpo.count(b"\n") != corpo.count(b"\r\n"):  # some LF without its CR (else nothing to do)
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
    return firmato, base64.b64decode(contenuto.translate(None, _SPAZI), validate=True)


def _certificato_del_firmatario(
    sid: cms.SignerIdentifier, incorporati: list[cms.Certificate]
) -> cms.Certificate | None:
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


def _firma_corretta(firmatario: cms.SignerInfo, chiave: rsa.RSAPublicKey, algoritmo: str) -> bool:
    schema = firmatario["signature_algorithm"].signature_algo
    if schema != "rsassa_pkcs1v15":
        raise _NonSo
    attributi = b"\x31" + firmatario["signed_attrs"].dump()[1:]  # [0] IMPLICIT re-tagged as SET OF
    try:
        chiave.verify(firmatario["signature"].native, attributi, padding.PKCS1v15(), _HASH[algoritmo]())
    except InvalidSignature:
        return False
    return True


def _emittente(cert: x509.Certificate, candidati: Sequence[x509.Certificate]) -> x509.Certificate | None:
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
