"""The DER fast path of ``ricevute/cms`` gives, on every input, the verdict and reason of the full
asn1crypto reading (``veloce=False``): on the receipts the sandbox signs and on every mutation
made here (bytes flipped, attributes changed and re-signed, BER forms, other shapes); and it is
really the fast path that decides the receipts of a known provider.

Bounded and deterministic (``derandomize=True``, no example database)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from corrispondenza.ricevute import cms as modulo_cms
from corrispondenza.ricevute.cms import Verificatore, carica_ancore
from corrispondenza.ricevute.parser import Firma
from corrispondenza.sandbox import ricevute
from corrispondenza.sandbox.certificati import Certificati, crea_certificati
from corrispondenza.sandbox.ricevute import Difetto, Firmatario, Invio

LIMITATO = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
QUANDO = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
VALIDA = (Firma.VALIDA, "firma valida, verificata con le autorità configurate")


def _invio(n: int) -> Invio:
    return Invio(
        "recupero.crediti@pec.asl.test",
        ((f"debitore{n}@pec.esempio.test", "certificato"),),
        f"Sollecito n. {n}",
        f"<lettera-{n}@corrispondenza.asl.test>",
        f"opec.{n}@pec.sandbox.test",
    )


# --- a small DER tree, to make the mutations ---------------------------------------------------


@dataclass
class Nodo:
    tag: int
    valore: bytes = b""  # contents of a primitive element
    figli: list[Nodo] | None = None  # of a constructed one
    forma: str = "der"  # or "lunga" (length with one byte more than needed), "indefinita"

    def codifica(self) -> bytes:
        contenuto = self.valore if self.figli is None else b"".join(f.codifica() for f in self.figli)
        if self.forma == "indefinita":
            return bytes([self.tag, 0x80]) + contenuto + b"\x00\x00"
        return bytes([self.tag]) + _lunghezza(len(contenuto), self.forma == "lunga") + contenuto


def _lunghezza(n: int, lunga: bool = False) -> bytes:
    if n < 0x80 and not lunga:
        return bytes([n])
    cifre = n.to_bytes((n.bit_length() + 7) // 8 + (1 if lunga and n >= 0x80 else 0))
    return bytes([0x80 | len(cifre)]) + cifre


def _leggi(der: bytes) -> Nodo:
    nodi, fine = _leggi_da(der, 0)
    assert fine == len(der)
    return nodi


def _leggi_da(der: bytes, i: int) -> tuple[Nodo, int]:
    tag, n = der[i], der[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(der[i : i + k])
        i += k
    contenuto = der[i : i + n]
    if tag & 0x20:  # constructed: in DER, elements one after the other
        figli, j = [], 0
        while j < n:
            figlio, j = _leggi_da(contenuto, j)
            figli.append(figlio)
        return Nodo(tag, figli=figli), i + n
    return Nodo(tag, valore=contenuto), i + n


def _signed_data(radice: Nodo) -> Nodo:
    return radice.figli[1].figli[0]


def _signer_info(radice: Nodo) -> Nodo:
    return _signed_data(radice).figli[-1].figli[0]


def _attributi(radice: Nodo) -> Nodo:
    return _signer_info(radice).figli[3]


def _attributo(radice: Nodo, oid: str) -> Nodo:
    cercato = bytes.fromhex(oid)
    return next(a for a in _attributi(radice).figli if a.figli[0].valore == cercato)


OID_MD = "2a864886f70d010904"
OID_ORA = "2a864886f70d010905"


# --- the receipts, signed and mutated ----------------------------------------------------------


@dataclass(frozen=True)
class Ambiente:
    ancore: tuple[x509.Certificate, ...]
    valida: bytes
    chiave: rsa.RSAPrivateKey
    certificato: x509.Certificate

    def esperto(self) -> Verificatore:
        """A verifier that has already seen a valid receipt of this provider."""
        v = Verificatore(self.ancore)
        assert v.verifica(self.valida, datetime.now(UTC)) == VALIDA
        return v

    def der(self, grezzo: bytes | None = None) -> bytes:
        return modulo_cms._parti(self.valida if grezzo is None else grezzo)[1]

    def rifirma(self, radice: Nodo) -> None:
        """A fresh signature over the (changed) signed attributes, with the provider's own key."""
        attributi = b"\x31" + _attributi(radice).codifica()[1:]
        firma = self.chiave.sign(attributi, padding.PKCS1v15(), hashes.SHA256())
        _signer_info(radice).figli[5].valore = firma


@pytest.fixture(scope="module")
def ambiente(certificati_sandbox: Certificati, firmatario: Firmatario) -> Ambiente:
    chiave = serialization.load_pem_private_key(certificati_sandbox.firma_key.read_bytes(), None)
    assert isinstance(chiave, rsa.RSAPrivateKey)
    return Ambiente(
        tuple(carica_ancore(certificati_sandbox.ca_cert.read_bytes())),
        ricevute.accettazione(firmatario, _invio(0), data=QUANDO),
        chiave,
        x509.load_pem_x509_certificate(certificati_sandbox.firma_cert.read_bytes()),
    )


def _con_der(grezzo: bytes, der: bytes) -> bytes:
    """``grezzo`` with ``der`` in place of its signature (base64, lines of 76)."""
    confine = re.search(rb'boundary="?([^";\r\n]+)"?', grezzo.partition(b"\r\n\r\n")[0]).group(1)
    chiusura = grezzo.rindex(b"\r\n--" + confine + b"--")
    parte = grezzo.rindex(b"--" + confine + b"\r\n", 0, chiusura)
    inizio = grezzo.index(b"\r\n\r\n", parte) + 4
    testo = base64.encodebytes(der).replace(b"\n", b"\r\n")
    return grezzo[:inizio] + testo + grezzo[chiusura:]


class Spia:
    """Counts the full readings (``Verificatore._verifica``) of one verifier."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, v: Verificatore) -> None:
        self.letture = 0
        originale = Verificatore._verifica

        def contata(io: Verificatore, *argomenti: object) -> tuple[Firma, str]:
            if io is v:
                self.letture += 1
            return originale(io, *argomenti)

        monkeypatch.setattr(Verificatore, "_verifica", contata)


def _stessi_verdetti(ambiente: Ambiente, grezzo: bytes) -> tuple[Firma, str] | None:
    """The verdict of a verifier that knows the provider (fast path), twice, equal to that of
    the full reading by a fresh verifier and by the one that knows it; returned."""
    adesso = datetime.now(UTC)
    esperto = ambiente.esperto()
    with pytest.MonkeyPatch.context() as monkeypatch:
        spia = Spia(monkeypatch, esperto)
        veloce = esperto.verifica(grezzo, adesso)
    if currently_in_test_context():  # for --hypothesis-show-statistics
        event("deciso dal percorso veloce" if spia.letture == 0 else "deciso dalla lettura completa")
        event(f"verdetto: {veloce[1] if veloce else None}")
    assert esperto.verifica(grezzo, adesso) == veloce  # again, with whatever it remembered
    assert Verificatore(ambiente.ancore).verifica(grezzo, adesso, veloce=False) == veloce
    assert esperto.verifica(grezzo, adesso, veloce=False) == veloce
    return veloce


# --- named mutations: (change to the tree, re-sign, expected verdict, fast path decides) ----


def _sposta_ora(radice: Nodo, testo: bytes, tag: int = 0x17) -> None:
    _attributo(radice, OID_ORA).figli[1].figli = [Nodo(tag, testo)]


def _ora_due_valori(radice: Nodo) -> None:
    valori = _attributo(radice, OID_ORA).figli[1]
    valori.figli = [*valori.figli, Nodo(0x17, b"261123100000Z")]


def _altra_impronta(valore: Nodo) -> Callable[[Nodo], None]:
    def cambia(radice: Nodo) -> None:
        attributi = _attributi(radice)
        attributi.figli.append(
            Nodo(0x30, figli=[Nodo(0x06, bytes.fromhex(OID_MD)), Nodo(0x31, figli=[valore])])
        )

    return cambia


def _attributo_sconosciuto(radice: Nodo) -> None:
    _attributi(radice).figli.append(
        Nodo(0x30, figli=[Nodo(0x06, bytes.fromhex("2b0601040182370a0301")), Nodo(0x31, figli=[Nodo(0x05)])])
    )


def _tipo_di_contenuto(valore: Nodo) -> Callable[[Nodo], None]:
    def cambia(radice: Nodo) -> None:
        _attributo(radice, "2a864886f70d010903").figli[1].figli = [valore]

    return cambia


def _firma_alterata(radice: Nodo) -> None:
    firma = _signer_info(radice).figli[5]
    firma.valore = firma.valore[:100] + bytes([firma.valore[100] ^ 1]) + firma.valore[101:]


def _impronta_alterata(radice: Nodo) -> None:
    valore = _attributo(radice, OID_MD).figli[1].figli[0]
    valore.valore = bytes([valore.valore[0] ^ 0x80]) + valore.valore[1:]


def _algoritmo_firma(oid: str, parametri: bool = True) -> Callable[[Nodo], None]:
    def cambia(radice: Nodo) -> None:
        _signer_info(radice).figli[4].figli = [
            Nodo(0x06, bytes.fromhex(oid)),
            *([Nodo(0x05)] if parametri else []),
        ]

    return cambia


def _algoritmo_impronta(oid: str) -> Callable[[Nodo], None]:
    def cambia(radice: Nodo) -> None:
        _signer_info(radice).figli[2].figli = [Nodo(0x06, bytes.fromhex(oid))]

    return cambia


def _secondo_firmatario(radice: Nodo) -> None:
    firmatari = _signed_data(radice).figli[-1]
    firmatari.figli = [*firmatari.figli, firmatari.figli[0]]


def _crls(radice: Nodo) -> None:
    _signed_data(radice).figli.insert(4, Nodo(0xA1, figli=[]))


def _non_firmati(radice: Nodo) -> None:
    _signer_info(radice).figli.append(Nodo(0xA1, figli=[_attributo(radice, OID_ORA)]))


def _senza_attributi(radice: Nodo) -> None:
    del _signer_info(radice).figli[3]


def _con_contenuto(radice: Nodo) -> None:
    _signed_data(radice).figli[2].figli.append(Nodo(0xA0, figli=[Nodo(0x04, b"ciao")]))


def _seriale_diverso(radice: Nodo) -> None:
    seriale = _signer_info(radice).figli[1].figli[1]
    seriale.valore = seriale.valore[:-1] + bytes([seriale.valore[-1] ^ 1])


def _senza_certificati(radice: Nodo) -> None:
    del _signed_data(radice).figli[3]


def _certificati_vuoti(radice: Nodo) -> None:
    _signed_data(radice).figli[3].figli = []


def _versione_diversa(radice: Nodo) -> None:
    _signed_data(radice).figli[0].valore = b"\x03"


def _tipo_dati(radice: Nodo) -> None:
    radice.figli[0].valore = bytes.fromhex("2a864886f70d010701")


def _attributi_vuoti(radice: Nodo) -> None:
    _attributi(radice).figli = []


def _nessuna(radice: Nodo) -> None:
    pass


MUTAZIONI: dict[str, tuple[Callable[[Nodo], None], bool, tuple[Firma, str] | str | None, bool]] = {
    "nessuna": (_nessuna, False, VALIDA, True),
    "firma alterata": (_firma_alterata, False, "non corrisponde", True),
    "impronta alterata": (_impronta_alterata, False, "impronta diversa", True),
    "impronta alterata, rifirmata": (_impronta_alterata, True, "impronta diversa", True),
    "ora cambiata": (lambda r: _sposta_ora(r, b"261123100001Z"), False, "non corrisponde", True),
    "ora cambiata, rifirmata": (lambda r: _sposta_ora(r, b"491231235959Z"), True, VALIDA, True),
    "ora del 1950": (lambda r: _sposta_ora(r, b"500101000000Z"), True, VALIDA, True),
    "ora senza secondi": (lambda r: _sposta_ora(r, b"2611231000Z"), True, VALIDA, False),
    "ora con fuso": (lambda r: _sposta_ora(r, b"261123100000+0100"), True, VALIDA, False),
    "ora con a capo": (lambda r: _sposta_ora(r, b"261123100000Z\n"), True, VALIDA, False),
    "ora generalizzata": (lambda r: _sposta_ora(r, b"20261123100000Z", 0x18), True, VALIDA, False),
    "ora con 13 mesi": (lambda r: _sposta_ora(r, b"261323100000Z"), True, None, False),
    "ora del 30 febbraio": (lambda r: _sposta_ora(r, b"260230100000Z"), True, None, False),
    "ora 29 febbraio bisestile": (lambda r: _sposta_ora(r, b"280229100000Z"), True, VALIDA, True),
    "ora alle 24": (lambda r: _sposta_ora(r, b"261123240000Z"), True, None, False),
    "ora al secondo 60": (lambda r: _sposta_ora(r, b"261123235960Z"), True, None, False),
    "ora non numerica": (lambda r: _sposta_ora(r, b"26112310000AZ"), True, None, False),
    "ora due valori": (_ora_due_valori, True, VALIDA, False),
    "ora come stringa": (lambda r: _sposta_ora(r, b"261123100000Z", 0x13), True, None, False),
    "seconda impronta diversa": (_altra_impronta(Nodo(0x04, b"\x00" * 32)), True, VALIDA, True),
    "seconda impronta illeggibile": (_altra_impronta(Nodo(0x02, b"\x01")), True, None, False),
    "attributo sconosciuto": (_attributo_sconosciuto, True, VALIDA, True),
    "content-type altro": (
        _tipo_di_contenuto(Nodo(0x06, bytes.fromhex("2a864886f70d010702"))),
        True,
        VALIDA,
        True,
    ),
    "content-type illeggibile": (_tipo_di_contenuto(Nodo(0x02, b"\x01")), True, None, False),
    "attributi firmati vuoti": (_attributi_vuoti, True, "impronta diversa", False),
    "senza attributi firmati": (_senza_attributi, False, None, False),
    "sha256WithRSA": (_algoritmo_firma("2a864886f70d01010b"), False, VALIDA, True),
    "sha1WithRSA senza parametri": (_algoritmo_firma("2a864886f70d010105", False), False, VALIDA, True),
    "rsaEncryption senza parametri": (_algoritmo_firma("2a864886f70d010101", False), False, VALIDA, True),
    "RSASSA-PSS": (_algoritmo_firma("2a864886f70d01010a", False), False, None, False),
    "md5WithRSA": (_algoritmo_firma("2a864886f70d010104"), False, VALIDA, False),
    "impronta sha512": (_algoritmo_impronta("608648016503040203"), False, "impronta diversa", True),
    "impronta md5": (_algoritmo_impronta("2a864886f70d0205"), False, None, False),
    "secondo firmatario": (_secondo_firmatario, False, None, False),
    "crls": (_crls, False, VALIDA, False),
    "attributi non firmati": (_non_firmati, False, VALIDA, False),
    "contenuto incapsulato": (_con_contenuto, False, VALIDA, False),
    "seriale diverso": (_seriale_diverso, False, "non è nel messaggio", False),
    "senza certificati": (_senza_certificati, False, "non è nel messaggio", False),
    "certificati vuoti": (_certificati_vuoti, False, "non è nel messaggio", False),
    "versione diversa": (_versione_diversa, False, VALIDA, True),
    "tipo di contenuto dati": (_tipo_dati, False, None, False),
}


@pytest.mark.parametrize("nome", list(MUTAZIONI))
def test_mutazione_stesso_verdetto(ambiente: Ambiente, monkeypatch: pytest.MonkeyPatch, nome: str) -> None:
    cambia, rifirma, atteso, decide_il_veloce = MUTAZIONI[nome]
    radice = _leggi(ambiente.der())
    assert radice.codifica() == ambiente.der()  # the tree rebuilds the very bytes
    cambia(radice)
    if rifirma:
        ambiente.rifirma(radice)
    grezzo = _con_der(ambiente.valida, radice.codifica())
    verdetto = _stessi_verdetti(ambiente, grezzo)
    if isinstance(atteso, str):
        assert verdetto is not None and verdetto[0] is Firma.NON_VALIDA and atteso in verdetto[1], verdetto
    else:
        assert verdetto == atteso
    esperto = ambiente.esperto()
    spia = Spia(monkeypatch, esperto)
    esperto.verifica(grezzo, datetime.now(UTC))
    esperto.verifica(grezzo, datetime.now(UTC))  # the second time, with what the first remembered
    if decide_il_veloce:
        assert spia.letture == 0, "il percorso veloce doveva decidere"
    else:
        assert spia.letture >= 1, "il percorso veloce non doveva decidere"


def test_identificativo_per_chiave_del_soggetto(ambiente: Ambiente, monkeypatch: pytest.MonkeyPatch) -> None:
    """The signer named by its subject key identifier ([0] IMPLICIT): the first receipt is read in
    full and fills the memory, the next is decided by the fast path, with the same verdict."""
    chiave = ambiente.certificato.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    radice = _leggi(ambiente.der())
    _signer_info(radice).figli[1] = Nodo(0x80, chiave.value.digest)
    grezzo = _con_der(ambiente.valida, radice.codifica())
    assert _stessi_verdetti(ambiente, grezzo) == VALIDA
    esperto = ambiente.esperto()
    spia = Spia(monkeypatch, esperto)
    assert esperto.verifica(grezzo, datetime.now(UTC)) == VALIDA
    assert esperto.verifica(grezzo, datetime.now(UTC)) == VALIDA
    assert spia.letture == 1


# --- encodings asn1crypto reads and the fast path does not ------------------------------------


NODI: dict[str, Callable[[Nodo], Nodo]] = {
    "ContentInfo": lambda r: r,
    "[0] di ContentInfo": lambda r: r.figli[1],
    "SignedData": _signed_data,
    "versione": lambda r: _signed_data(r).figli[0],
    "digestAlgorithms": lambda r: _signed_data(r).figli[1],
    "encapContentInfo": lambda r: _signed_data(r).figli[2],
    "certificates": lambda r: _signed_data(r).figli[3],
    "un certificato": lambda r: _signed_data(r).figli[3].figli[0],
    "signerInfos": lambda r: _signed_data(r).figli[4],
    "SignerInfo": _signer_info,
    "versione del firmatario": lambda r: _signer_info(r).figli[0],
    "sid": lambda r: _signer_info(r).figli[1],
    "digestAlgorithm": lambda r: _signer_info(r).figli[2],
    "signedAttrs": _attributi,
    "attributo content-type": lambda r: _attributi(r).figli[0],
    "attributo ora": lambda r: _attributo(r, OID_ORA),
    "valori dell'ora": lambda r: _attributo(r, OID_ORA).figli[1],
    "ora": lambda r: _attributo(r, OID_ORA).figli[1].figli[0],
    "attributo impronta": lambda r: _attributo(r, OID_MD),
    "impronta": lambda r: _attributo(r, OID_MD).figli[1].figli[0],
    "signatureAlgorithm": lambda r: _signer_info(r).figli[4],
    "signature": lambda r: _signer_info(r).figli[5],
}


@pytest.mark.parametrize("forma", ["lunga", "indefinita"])
@pytest.mark.parametrize("nodo", list(NODI))
@pytest.mark.parametrize("rifirma", [False, True])
def test_forme_ber(
    ambiente: Ambiente, monkeypatch: pytest.MonkeyPatch, forma: str, nodo: str, rifirma: bool
) -> None:
    """A length in a form BER allows and DER does not, on each element in turn: asn1crypto reads
    it (or refuses it) and decides, the fast path never."""
    radice = _leggi(ambiente.der())
    NODI[nodo](radice).forma = forma
    if rifirma:
        ambiente.rifirma(radice)  # over the attributes as encoded: valid if asn1crypto reads them
    grezzo = _con_der(ambiente.valida, radice.codifica())
    _stessi_verdetti(ambiente, grezzo)
    esperto = ambiente.esperto()
    spia = Spia(monkeypatch, esperto)
    esperto.verifica(grezzo, datetime.now(UTC))
    assert spia.letture == 1


@pytest.mark.parametrize(
    "cambia",
    [
        lambda d: d + b"\x00",
        lambda d: d + b"\x30\x00",
        lambda d: d[:-10],
        lambda d: d[:-1],
        lambda d: d[:4],
        lambda d: b"",
    ],
    ids=["coda", "coda lunga", "troncato", "un byte in meno", "solo la testa", "vuoto"],
)
def test_coda_e_troncamenti(
    ambiente: Ambiente, monkeypatch: pytest.MonkeyPatch, cambia: Callable[[bytes], bytes]
) -> None:
    grezzo = _con_der(ambiente.valida, cambia(ambiente.der()))
    _stessi_verdetti(ambiente, grezzo)
    esperto = ambiente.esperto()
    spia = Spia(monkeypatch, esperto)
    esperto.verifica(grezzo, datetime.now(UTC))
    assert spia.letture == 1


# --- the fast path decides the provider's receipts --------------------------------------------


def test_il_percorso_veloce_decide_le_ricevute_di_un_gestore_noto(
    ambiente: Ambiente, firmatario: Firmatario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the first receipt of a provider is read in full; every other kind of receipt, with
    its own digest and signing time, is decided by the fast path, with the full reading's
    verdict."""
    esperto = Verificatore(ambiente.ancore)
    spia = Spia(monkeypatch, esperto)
    originale = b"From: a@b.test\r\nMessage-ID: <x@y.test>\r\n\r\nciao\r\n"
    messaggi = []
    for n in range(1, 4):
        invio = _invio(n)
        messaggi += [
            ricevute.accettazione(firmatario, invio, data=QUANDO),
            ricevute.avvenuta_consegna(
                firmatario, invio, destinatario=invio.destinatari[0][0], data=QUANDO, originale=originale
            ),
            ricevute.busta_di_trasporto(firmatario, invio, originale, data=QUANDO),
            ricevute.accettazione(firmatario, invio, data=QUANDO, difetto=Difetto.FIRMA_NON_VALIDA),
        ]
    for grezzo in messaggi:
        adesso = datetime.now(UTC)
        assert esperto.verifica(grezzo, adesso) == Verificatore(ambiente.ancore).verifica(
            grezzo, adesso, veloce=False
        )
        assert esperto.verifica(grezzo.replace(b"\r\n", b"\n"), adesso) == esperto.verifica(
            grezzo, adesso, veloce=False
        )
    assert spia.letture == 1 + len(messaggi)  # the first, and each veloce=False
    assert esperto.verifica(messaggi[0], datetime.now(UTC)) == VALIDA
    assert esperto.verifica(messaggi[3], datetime.now(UTC))[1].endswith("(impronta diversa)")


def test_la_memoria_ricominciata_non_ferma_il_percorso_veloce(
    ambiente: Ambiente, firmatario: Firmatario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path does not remember each receipt's digest and signing time: they do not fill
    the memory of attributes, which keeps (or takes back) only what all receipts share, and
    the fast path keeps deciding even when that memory starts again."""
    monkeypatch.setattr(modulo_cms, "MASSIMI_RICORDATI", 3)
    esperto = ambiente.esperto()
    spia = Spia(monkeypatch, esperto)
    for n in range(1, 6):
        grezzo = ricevute.accettazione(firmatario, _invio(n), data=QUANDO)
        assert esperto.verifica(grezzo, datetime.now(UTC)) == VALIDA
    assert spia.letture == 0
    assert "message_digest" not in esperto._attributi_letti.values()
    assert "signing_time" not in esperto._attributi_letti.values()


def test_altre_autorita_e_altre_date(
    ambiente: Ambiente,
    firmatario: Firmatario,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under trust anchors that did not issue the signer, and at times outside its validity, the
    fast path decides with the full reading's verdict (the chain is the same remembered one)."""
    altra = crea_certificati(tmp_path_factory.mktemp("altra-ca-veloce"), dominio_provider="altro.test")
    prima = ambiente.certificato.not_valid_before_utc - timedelta(days=1)
    dopo = ambiente.certificato.not_valid_after_utc + timedelta(days=1)
    grezzo = ricevute.accettazione(firmatario, _invio(7), data=QUANDO)
    for ancore in (ambiente.ancore, tuple(carica_ancore(altra.ca_cert.read_bytes()))):
        esperto = Verificatore(ancore)
        esperto.verifica(ambiente.valida, datetime.now(UTC))
        spia = Spia(monkeypatch, esperto)
        for adesso in (datetime.now(UTC), prima, dopo):
            verdetto = esperto.verifica(grezzo, adesso)
            assert verdetto == Verificatore(ancore).verifica(grezzo, adesso, veloce=False)
            assert verdetto is not None and (verdetto == VALIDA) is (
                ancore == ambiente.ancore and adesso not in (prima, dopo)
            ), verdetto
        assert spia.letture == 0


# --- random mutations --------------------------------------------------------------------------


def _regioni(der: bytes) -> dict[str, tuple[int, int]]:
    si = asn1_cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    attributi, firma = si["signed_attrs"].dump(), si["signature"].dump()
    return {
        "tutto": (0, len(der)),
        "attributi": (der.index(attributi), der.index(attributi) + len(attributi)),
        "firma": (der.index(firma), len(der)),
        "testa": (0, 80),
    }


@LIMITATO
@given(dati=st.data(), regione=st.sampled_from(["tutto", "attributi", "attributi", "firma", "testa"]))
def test_byte_cambiati_stesso_verdetto(ambiente: Ambiente, dati: st.DataObject, regione: str) -> None:
    der = bytearray(ambiente.der())
    inizio, fine = _regioni(bytes(der))[regione]
    for _ in range(dati.draw(st.integers(1, 3))):
        i = dati.draw(st.integers(inizio, fine - 1))
        azione = dati.draw(st.sampled_from(["xor", "valore", "togli", "aggiungi"]))
        if azione == "xor":
            der[i] ^= dati.draw(st.integers(1, 255))
        elif azione == "valore":
            der[i] = dati.draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0xFF, 0x30, 0x31, 0xA0]))
        elif azione == "togli":
            del der[i]
        else:
            der.insert(i, dati.draw(st.integers(0, 255)))
    if dati.draw(st.booleans()):
        der = der[: dati.draw(st.integers(0, len(der)))] if dati.draw(st.booleans()) else der + b"\x00\x00"
    _stessi_verdetti(ambiente, _con_der(ambiente.valida, bytes(der)))


@LIMITATO
@given(
    testo=st.one_of(
        st.datetimes(datetime(1950, 1, 1), datetime(2049, 12, 31, 23, 59, 59)).map(
            lambda d: d.strftime("%y%m%d%H%M%SZ").encode()
        ),
        st.tuples(
            st.integers(0, 99),
            st.integers(0, 13),
            st.integers(0, 32),
            st.integers(0, 25),
            st.integers(0, 61),
            st.integers(0, 61),
        ).map(lambda campi: "".join(f"{c:02d}" for c in campi).encode() + b"Z"),
        st.text("0123456789", min_size=12, max_size=12).map(lambda t: t.encode() + b"Z"),
        st.text("0123456789Z+-. \n", min_size=0, max_size=18).map(str.encode),
        st.binary(min_size=13, max_size=13),
    ),
    tag=st.sampled_from([0x17, 0x17, 0x17, 0x18]),
)
def test_ore_di_firma_rifirmate_stesso_verdetto(ambiente: Ambiente, testo: bytes, tag: int) -> None:
    """Any signing time, correctly signed: the fast path accepts only what asn1crypto reads."""
    radice = _leggi(ambiente.der())
    _sposta_ora(radice, testo, tag)
    ambiente.rifirma(radice)
    _stessi_verdetti(ambiente, _con_der(ambiente.valida, radice.codifica()))


def test_algoritmi_riconosciuti_come_da_asn1crypto() -> None:
    """The encodings the fast path takes for digest and signature algorithms are named by
    asn1crypto as the fast path assumes."""
    for contenuto, nome in modulo_cms._DIGEST.items():
        algoritmo = asn1_cms.DigestAlgorithm.load(b"\x30" + bytes([len(contenuto)]) + contenuto)
        assert algoritmo["algorithm"].native == nome
        assert algoritmo.dump() == b"\x30" + bytes([len(contenuto)]) + contenuto
    for contenuto in modulo_cms._RSA_PKCS1:
        algoritmo = asn1_cms.SignedDigestAlgorithm.load(b"\x30" + bytes([len(contenuto)]) + contenuto)
        assert algoritmo.signature_algo == "rsassa_pkcs1v15"
