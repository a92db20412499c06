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

Reading the PKCS#7 with asn1crypto costs some 200 µs a receipt, seven times the RSA check: the
one shape providers sign, in strict DER, is read instead by a few lines here (``_tlv``), which
find the same bytes and reach the same verdict (``Verificatore._veloce``); any other shape or
encoding, and the first receipt of each certificate set, is read by asn1crypto as before.

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
from datetime import date, datetime
from enum import Enum
from functools import cached_property, lru_cache

from asn1crypto import cms, core
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from corrispondenza.ricevute.parser import Firma

_OID_DIGEST = (
    ("06052b0e03021a", "sha1"),
    ("0609608648016503040201", "sha256"),
    ("0609608648016503040202", "sha384"),
    ("0609608648016503040203", "sha512"),
)
_HASH = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_CONFINE = re.compile(rb'boundary="?([^";\r\n]+)"?', re.IGNORECASE)
_LF_SOLO = re.compile(rb"(?<!\r)\n")
_SPAZI = b" \t\n\r\x0b\x0c"  # what the bytes regex \s matches
_OID_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")
_ENCAP_DATI = bytes.fromhex("06092a864886f70d010701")  # the whole encapContentInfo: no eContent
_TIPO_MESSAGE_DIGEST = bytes.fromhex("06092a864886f70d010904")  # the whole OID element
_TIPO_SIGNING_TIME = bytes.fromhex("06092a864886f70d010905")
_DIGEST = {
    **{bytes.fromhex(oid): nome for oid, nome in _OID_DIGEST},
    **{bytes.fromhex(oid + "0500"): nome for oid, nome in _OID_DIGEST},
}
"""The contents of a digestAlgorithm the fast path knows (the OID, with or without NULL
parameters) and the name asn1crypto gives it."""
_RSA_PKCS1 = frozenset(
    bytes.fromhex(f"06092a864886f70d0101{n}{nulla}")
    for n in ("01", "05", "0b", "0c", "0d")
    for nulla in ("", "0500")
)
"""The contents of a signatureAlgorithm asn1crypto calls ``rsassa_pkcs1v15``: rsaEncryption and
sha1/256/384/512WithRSAEncryption, with or without NULL parameters (the hash is the digest's)."""
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
        self._testa: _Testa | None = None

    @property
    def ancore(self) -> tuple[x509.Certificate, ...]:
        return self._ancore

    def verifica(self, grezzo: bytes, adesso: datetime, *, veloce: bool = True) -> tuple[Firma, str] | None:
        """The verdict, or None when openssl must decide.

        ``veloce=False`` skips the DER fast path (``_veloce``) and reads everything with
        asn1crypto: the tests compare the two on every form they can make.
        """
        try:
            firmato, firma = _parti(grezzo)
            if veloce:
                # whatever stops it (not DER, an unreadable attribute, a key that is not RSA...),
                # the full reading decides, and raises the same where it must
                try:
                    verdetto = self._veloce(firmato, firma, adesso)
                except Exception:
                    verdetto = None
                if verdetto is not None:
                    return verdetto
            return self._verifica(firmato, firma, adesso)
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

    def _verifica(self, firmato: bytes, firma: bytes, adesso: datetime) -> tuple[Firma, str]:
        """The full reading with asn1crypto: any form it accepts, and it fills the memories the
        fast path reads."""
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
                tipo = self._tipo_letto(codifica)
            tipi.append(tipo)
        return tipi

    def _tipo_letto(self, codifica: bytes) -> str:
        """The type of an attribute not seen before, read in full as ``.native`` would (an
        unreadable one raises) and remembered with its encoding."""
        attributo = cms.CMSAttribute.load(codifica)
        attributo.native  # noqa: B018 - read for its errors
        tipo = attributo["type"].native
        _ricorda(self._attributi_letti, codifica, tipo)
        return tipo

    def _veloce(self, firmato: bytes, der: bytes, adesso: datetime) -> tuple[Firma, str] | None:
        """The verdict of ``_verifica`` on the one shape providers sign, read with ``_tlv``
        instead of asn1crypto (which costs most of a receipt's time); None for any other shape,
        or where the memories do not know the certificates yet: then ``_verifica`` decides.

        Accepted, in strict DER and nothing else: ContentInfo{signedData, [0] SignedData{version,
        digestAlgorithms, {data} detached, [0] certificates, no crls, one SignerInfo{version,
        sid, digestAlgorithm, [0] signedAttrs, RSA PKCS#1 v1.5, signature, no unsignedAttrs}}}.
        Every such input is one asn1crypto reads the same way, so the checks below are those of
        ``_verifica`` in its order, each on the same bytes: the certificate work from the same
        memories under the same keys (the exact encodings of the set and of the identifier);
        each signed attribute by its encoding in the same memory, or if unseen read in full
        (``_tipo_letto``), but for the digest and the signing time, different in each receipt,
        which are checked here as strictly as asn1crypto or left to it. The start, up to the
        signed attributes, is read by ``_Testa``.
        """
        testa = self._testa  # the start, as the last receipt's if it begins with the same bytes
        if testa is None or len(der) != testa.lunghezza or not der.startswith(testa.byte):
            testa = _Testa.di(der)
            if testa is None:
                return None
            self._testa = testa
        inizio, fine = len(testa.byte), testa.fine
        t, primo, s = _tlv(der, inizio, fine)  # signedAttrs [0] IMPLICIT
        if t != 0xA0 or primo == s:
            return None
        attributi, fine_attributi = der[inizio:s], s
        t, a, s = _tlv(der, s, fine)  # signatureAlgorithm
        if t != 0x30 or der[a:s] not in _RSA_PKCS1:
            return None
        t, a, s = _tlv(der, s, fine)  # signature, and nothing after it (no unsignedAttrs)
        if t != 0x04 or s != fine:
            return None
        valore = der[a:s]

        incorporati = self._insiemi.get(testa.insieme)
        if incorporati is None:
            return None
        certificati = self._certificati.get((testa.insieme, testa.sid if incorporati else b""))
        if certificati is None:
            return None
        if not certificati.del_firmatario:
            return Firma.NON_VALIDA, "firma non valida: il certificato del firmatario non è nel messaggio"
        attesa = None
        j = primo
        while j < fine_attributi:
            t, a, b = _tlv(der, j, fine_attributi)
            if t != 0x30:
                return None
            codifica = der[j:b]
            tipo = self._attributi_letti.get(codifica)
            if tipo is None or (tipo == "message_digest" and attesa is None):
                # the type, if one of these two (the values after it, inside the attribute)
                tipo_codificato = der[a : a + 11] if a + 11 < b else b""
                if tipo_codificato == _TIPO_MESSAGE_DIGEST:  # the first counts; any other is checked too
                    valore_attributo = _impronta_attesa(der, a + 11, b)
                    if valore_attributo is None:
                        return None
                    if attesa is None:
                        attesa = valore_attributo
                elif tipo_codificato == _TIPO_SIGNING_TIME:
                    if not _ora_di_firma_semplice(der, a + 11, b):
                        return None
                elif tipo is None:
                    self._tipo_letto(codifica)
            j = b
        algoritmo = testa.algoritmo
        if attesa != hashlib.new(algoritmo, firmato).digest():
            return (
                Firma.NON_VALIDA,
                "firma non valida: il contenuto è stato modificato dopo la firma (impronta diversa)",
            )
        try:
            certificati.chiave.verify(valore, b"\x31" + attributi[1:], padding.PKCS1v15(), _HASH[algoritmo]())
        except InvalidSignature:
            return Firma.NON_VALIDA, "firma non valida: la firma non corrisponde al certificato"
        return certificati.catena.verdetto(adesso)


@dataclass(frozen=True)
class _Testa:
    """What the fast path reads before the signed attributes: the certificate set, the signer's
    identifier, the digest algorithm, where the SignerInfo ends. A function of those bytes and
    of the total length only (nothing else is looked at), so a receipt that starts with the same
    bytes and is as long has the same: the verifier keeps the last one and compares instead of
    walking again (all the receipts of a provider start the same way)."""

    lunghezza: int
    byte: bytes
    insieme: bytes
    sid: bytes
    algoritmo: str
    fine: int

    @classmethod
    def di(cls, der: bytes) -> _Testa | None:
        """None if it is not the start of the shape ``Verificatore._veloce`` reads."""
        t, i, fine = _tlv(der, 0, len(der))
        if t != 0x30 or fine != len(der):
            return None
        t, a, b = _tlv(der, i, fine)
        if t != 0x06 or der[a:b] != _OID_SIGNED_DATA:
            return None
        t, a, b = _tlv(der, b, fine)
        if t != 0xA0 or b != fine:
            return None
        t, i, b = _tlv(der, a, fine)  # SignedData
        if t != 0x30 or b != fine:
            return None
        t, a, i = _tlv(der, i, fine)  # version
        if t != 0x02 or a == i:
            return None
        t, a, i = _tlv(der, i, fine)  # digestAlgorithms
        if t != 0x31:
            return None
        t, a, i = _tlv(der, i, fine)  # encapContentInfo: data, detached
        if t != 0x30 or der[a:i] != _ENCAP_DATI:
            return None
        inizio = i
        t, a, i = _tlv(der, i, fine)  # certificates [0] IMPLICIT
        if t != 0xA0:
            return None
        insieme = der[inizio:i]
        t, a, i = _tlv(der, i, fine)  # signerInfos (crls [1] would be here)
        if t != 0x31 or i != fine:
            return None
        t, s, fine = _tlv(der, a, i)  # the one SignerInfo
        if t != 0x30 or fine != i:
            return None
        t, a, s = _tlv(der, s, fine)  # version
        if t != 0x02 or a == s:
            return None
        inizio = s
        t, a, s = _tlv(der, s, fine)  # sid: issuerAndSerialNumber or [0] subjectKeyIdentifier
        if t != 0x30 and t != 0x80:
            return None
        sid = der[inizio:s]
        t, a, s = _tlv(der, s, fine)  # digestAlgorithm
        algoritmo = _DIGEST.get(der[a:s])
        if t != 0x30 or algoritmo is None:
            return None
        return cls(len(der), der[:s], insieme, sid, algoritmo, fine)


class _NonDer(Exception):
    """Not the strict DER the fast path reads."""


def _tlv(der: bytes, i: int, limite: int) -> tuple[int, int, int]:
    """The tag byte of the element at ``i``, where its contents start and end: a definite
    length in its minimal form (up to three length bytes), within ``limite``. Anything else
    (indefinite or padded length, overrun) is not DER: asn1crypto, which reads BER too, decides
    instead. Written out by case: it runs some thirty times per receipt."""
    inizio = i + 2
    if inizio > limite:
        raise _NonDer
    lunghezza = der[i + 1]
    if lunghezza >= 0x80:
        if lunghezza == 0x81:
            inizio += 1
            if inizio > limite or der[i + 2] < 0x80:
                raise _NonDer
            lunghezza = der[i + 2]
        elif lunghezza == 0x82:
            inizio += 2
            if inizio > limite or der[i + 2] == 0:
                raise _NonDer
            lunghezza = der[i + 2] << 8 | der[i + 3]
        elif lunghezza == 0x83:
            inizio += 3
            if inizio > limite or der[i + 2] == 0:
                raise _NonDer
            lunghezza = der[i + 2] << 16 | der[i + 3] << 8 | der[i + 4]
        else:
            raise _NonDer
    fine = inizio + lunghezza
    if fine > limite:
        raise _NonDer
    return der[i], inizio, fine


def _impronta_attesa(der: bytes, i: int, limite: int) -> bytes | None:
    """The value of a message-digest attribute, from its values at ``i``: a SET of exactly one
    primitive OCTET STRING, else None (asn1crypto decides)."""
    t, i, fine = _tlv(der, i, limite)
    if t != 0x31 or fine != limite:
        return None
    t, i, fine = _tlv(der, i, limite)
    if t != 0x04 or fine != limite:
        return None
    return der[i:fine]


def _ora_di_firma_semplice(der: bytes, i: int, limite: int) -> bool:
    """Whether the values after the signing-time type (``i`` to ``limite``) are exactly one
    UTCTime ``YYMMDDHHMMSSZ`` naming a real instant: a form asn1crypto's ``.native`` reads (its
    regular expression, its century rule, then ``datetime``, whose limits are checked here). It
    accepts more (no seconds, offsets, a GeneralizedTime, several values): those it reads itself.
    """
    if limite - i != 17 or der[i : i + 4] != b"\x31\x0f\x17\x0d" or der[limite - 1] != 0x5A:
        return False
    cifre = der[i + 4 : limite - 1]
    if not cifre.isdigit():  # ASCII digits only, on bytes
        return False
    ore, minuti, secondi = int(cifre[6:8]), int(cifre[8:10]), int(cifre[10:12])
    return ore < 24 and minuti < 60 and secondi < 60 and _giorno_esiste(cifre[:6])


@lru_cache(maxsize=MASSIMI_RICORDATI)
def _giorno_esiste(aammgg: bytes) -> bool:
    """Whether ``YYMMDD`` (1950-2049, as asn1crypto reads UTCTime) is a day of the calendar;
    remembered, as receipts are signed on few distinct days."""
    anno = int(aammgg[:2])
    try:
        date(anno + (2000 if anno < 50 else 1900), int(aammgg[2:4]), int(aammgg[4:6]))
    except ValueError:
        return False
    return True


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
