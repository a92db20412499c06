"""``analizza`` never raises and never leaks: random, broken, hostile and oversized input.

Bounded and deterministic (``derandomize=True``, no example database): 200 examples per
strategy, seconds in all. Hostile XML includes billion laughs and external entities pointing
at a file made here: its content must never appear in any field of the result.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corrispondenza.ricevute.parser import (
    LIMITE_BYTE,
    Classe,
    Ricevuta,
    analizza,
    analizza_e_firmato,
    e_firmato,
)
from corrispondenza.sandbox import ricevute
from corrispondenza.sandbox.ricevute import Firmatario, Invio

LIMITATO = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
QUANDO = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
INVIO = Invio(
    "recupero.crediti@pec.asl.test",
    (("mario.rossi@pec.esempio.test", "certificato"),),
    "Sollecito è «più» & <altro>",
    "<lettera-9@corrispondenza.asl.test>",
    "opec.9@pec.sandbox.test",
)
ORIGINALE = b"From: recupero.crediti@pec.asl.test\r\nMessage-ID: <lettera-9@x>\r\nSubject: s\r\n\r\nciao\r\n"


def _regge(grezzo: bytes) -> Ricevuta:
    """The contract every input must keep."""
    r = analizza(grezzo)
    assert isinstance(r, Ricevuta) and r.classe in Classe
    assert r.tipo is None or r.classe is Classe.RICEVUTA
    if r.classe is Classe.ILLEGGIBILE:
        assert r.motivo
    json.dumps(r.come_json())
    assert isinstance(r.identita, str) and isinstance(r.finale, bool)
    assert analizza_e_firmato(grezzo) == (r, e_firmato(grezzo))  # one reading, the same answers
    return r


def _tutto(r: Ricevuta) -> bytes:
    """Every field of the result as bytes, to search for leaked content."""
    parti = []
    for campo in fields(r):
        valore = getattr(r, campo.name)
        parti.append(valore if isinstance(valore, bytes) else repr(valore).encode("utf-8", "replace"))
    return b"\n".join(parti)


@pytest.fixture(scope="module")
def campioni(firmatario: Firmatario) -> list[bytes]:
    f = firmatario
    destinatario = "mario.rossi@pec.esempio.test"
    return [
        ricevute.accettazione(f, INVIO, data=QUANDO),
        ricevute.avvenuta_consegna(f, INVIO, destinatario=destinatario, data=QUANDO, originale=ORIGINALE),
        ricevute.errore_consegna(f, INVIO, destinatario=destinatario, data=QUANDO, errore_esteso="5.1.1 - x"),
        ricevute.busta_di_trasporto(f, INVIO, ORIGINALE, data=QUANDO),
    ]


@pytest.fixture(scope="module")
def segreto(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    contenuto = f"SEGRETO-{uuid.uuid4().hex}".encode()
    percorso = tmp_path_factory.mktemp("segreto") / "segreto.txt"
    percorso.write_bytes(contenuto)
    return percorso, contenuto


@LIMITATO
@given(st.binary(max_size=4096))
def test_byte_a_caso(grezzo: bytes) -> None:
    _regge(grezzo)


@LIMITATO
@given(st.data())
def test_ricevute_vere_troncate_e_alterate(campioni: list[bytes], data: st.DataObject) -> None:
    grezzo = bytearray(data.draw(st.sampled_from(campioni)))
    for _ in range(data.draw(st.integers(0, 8))):
        posizione = data.draw(st.integers(0, len(grezzo) - 1))
        operazione = data.draw(st.sampled_from(["cambia", "togli", "inserisci"]))
        pezzo = data.draw(st.binary(min_size=1, max_size=40))
        if operazione == "cambia":
            grezzo[posizione : posizione + len(pezzo)] = pezzo
        elif operazione == "togli":
            del grezzo[posizione : posizione + len(pezzo)]
        else:
            grezzo[posizione:posizione] = pezzo
    taglio = data.draw(st.integers(0, len(grezzo)))
    _regge(bytes(grezzo[:taglio] if data.draw(st.booleans()) else grezzo))


_INTESTAZIONI = st.sampled_from(
    [b"X-Ricevuta", b"x-ricevuta", b"X-Trasporto", b"X-TipoRicevuta", b"X-Riferimento-Message-ID",
     b"Message-ID", b"Subject", b"From", b"Content-Type", b"Content-Transfer-Encoding",
     b"X-VerificaSicurezza", b"Content-Disposition", b"Date", b"Bad Name", b""]
)  # fmt: skip
_VALORI = st.one_of(
    st.sampled_from([
        b"accettazione", b"avvenuta-consegna", b"posta-certificata", b"<a@b>", b"<<>>", b"=?utf-8?b?!!!?=",
        b"=?x-nessuno?q?ciao?=", b"multipart/mixed; boundary=", b'multipart/signed; boundary="""',
        b"base64", b"quoted-printable", b"errore", b"\xff\xfe\x00", b"attachment; filename*=x''%ff%00",
    ]),
    st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")),
)  # fmt: skip
_CHARSET = st.sampled_from(["utf-8", "iso-8859-1", "x-inesistente", "utf-7", "utf-16", "cp500", ""])
_CTE = st.sampled_from(["base64", "quoted-printable", "7bit", "8bit", "binary", "x-uuencode", "???"])
_CONFINE = st.one_of(
    st.sampled_from(["b", "", " ", '"', "--", "a" * 300, "b1"]),
    st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=20),
)


@st.composite
def _entita_mime(draw: st.DrawFn, profondita: int = 0) -> bytes:
    """A MIME entity with random types, charsets, encodings, boundaries and cuts."""
    nome = draw(st.sampled_from(["daticert.xml", "postacert.eml", "smime.p7s", "x.txt", ""]))
    testa = b'Content-Type: %s; charset=%s; name="%s"\r\nContent-Transfer-Encoding: %s\r\n' % (
        draw(
            st.sampled_from(
                [b"text/plain", b"application/xml", b"message/rfc822", b"application/pkcs7-signature"]
            )
        ),
        draw(_CHARSET).encode(),
        nome.encode(),
        draw(_CTE).encode(),
    )
    if profondita < 20 and draw(st.integers(0, 3)) == 0:
        confine = draw(_CONFINE)
        figli = draw(st.lists(_entita_mime(profondita + 1), max_size=3))
        delim = b"--" + confine.encode("utf-8", "surrogatepass")
        corpo = b"".join(delim + b"\r\n" + f + b"\r\n" for f in figli)
        chiusura = delim + b"--\r\n" if draw(st.booleans()) else b""
        tipo = draw(st.sampled_from(["mixed", "signed", "alternative"]))
        protocollo = draw(st.sampled_from(["application/pkcs7-signature", "application/x-pkcs7-signature"]))
        testa = f'Content-Type: multipart/{tipo}; protocol="{protocollo}"; boundary="{confine}"\r\n'.encode(
            "utf-8", "surrogatepass"
        )
        return testa + b"\r\n" + corpo + chiusura
    corpo = draw(
        st.one_of(
            st.binary(max_size=300), st.sampled_from([_xml_valido(), base64.encodebytes(_xml_valido())])
        )
    )
    return testa + b"\r\n" + corpo


def _xml_valido() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<postacert tipo="accettazione" errore="nessuno"><intestazione>'
        b'<mittente>a@b.test</mittente></intestazione><dati><data zona="+0100"><giorno>23/11/2026</giorno>'
        b"<ora>11:00:00</ora></data><msgid>&lt;x@y&gt;</msgid></dati></postacert>"
    )


@LIMITATO
@given(
    st.lists(st.tuples(_INTESTAZIONI, _VALORI), max_size=8),
    _entita_mime(),
    st.sampled_from([b"\r\n", b"\n", b"\r"]),
)
def test_mime_malformato(intestazioni: list[tuple[bytes, bytes]], entita: bytes, fine: bytes) -> None:
    testa = b"".join(n + b": " + v + fine for n, v in intestazioni)
    _regge(testa + entita.replace(b"\r\n", fine))


def _con_daticert(xml: bytes, *, x_ricevuta: bytes = b"accettazione") -> bytes:
    return (
        b"X-Ricevuta: " + x_ricevuta + b"\r\nMessage-ID: <m@p>\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b'Content-Type: application/xml; name="daticert.xml"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + base64.encodebytes(xml)
        + b"\r\n--b--\r\n"
    )


_TESTO_XML = st.text(max_size=80)
_DICHIARAZIONI = st.sampled_from(
    [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="ISO-8859-1"?>',
        '<?xml version="1.0" encoding="UTF-16"?>',
        '<?xml version="1.0" encoding="nessuna"?>',
        '<?xml version="2.0"?>',
        "",
    ]
)
_CODIFICHE = st.sampled_from(["utf-8", "iso-8859-1", "utf-16", "cp1252"])


@LIMITATO
@given(_DICHIARAZIONI, _CODIFICHE, st.lists(st.tuples(st.sampled_from(
    ["mittente", "oggetto", "msgid", "giorno", "ora", "identificativo", "consegna", "errore-esteso", "x"]
), _TESTO_XML), max_size=10), _TESTO_XML)  # fmt: skip
def test_daticert_con_contenuti_e_codifiche_sbagliate(
    dichiarazione: str, codifica: str, elementi: list[tuple[str, str]], zona: str
) -> None:
    interni = "".join(f"<{n}>{escape(t) if len(t) % 2 else t}</{n}>" for n, t in elementi)
    xml = f"{dichiarazione}<postacert tipo='errore-consegna'><dati>"
    xml += f"<data zona={quoteattr(zona)}>{interni}</data>{interni}</dati></postacert>"
    _regge(_con_daticert(xml.encode(codifica, "replace")))


@LIMITATO
@given(st.integers(1, 12), st.integers(2, 30), st.sampled_from(["identificativo", "msgid", "oggetto"]))
def test_bombe_xml(livelli: int, ripetizioni: int, elemento: str) -> None:
    entita = ['<!ENTITY e0 "risata">'] + [
        f'<!ENTITY e{i} "{f"&e{i - 1};" * ripetizioni}">' for i in range(1, livelli + 1)
    ]
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE postacert [{"".join(entita)}]><postacert tipo="accettazione">'
        f"<dati><{elemento}>&e{livelli};</{elemento}></dati></postacert>"
    )
    r = _regge(_con_daticert(xml.encode()))
    assert r.classe is Classe.ILLEGGIBILE and b"risata" not in _tutto(r)


@LIMITATO
@given(
    st.sampled_from(["generale", "parametro", "dtd-esterna", "attributo"]),
    st.sampled_from(["identificativo", "msgid", "oggetto", "consegna"]),
    st.sampled_from([b"accettazione", b"avvenuta-consegna"]),
)
def test_entita_esterne_non_leggono_file(
    segreto: tuple[Path, bytes], forma: str, elemento: str, x_ricevuta: bytes
) -> None:
    percorso, contenuto = segreto
    url = percorso.as_uri()
    prologo, riferimento = {
        "generale": (f'<!DOCTYPE postacert [<!ENTITY s SYSTEM "{url}">]>', "&s;"),
        "parametro": (f'<!DOCTYPE postacert [<!ENTITY % p SYSTEM "{url}"> %p;]>', "&s;"),
        "dtd-esterna": (f'<!DOCTYPE postacert SYSTEM "{url}">', "x"),
        "attributo": (f'<!DOCTYPE postacert [<!ENTITY s SYSTEM "{url}">]>', "&s;"),
    }[forma]
    attributo = f' errore="{riferimento}"' if forma == "attributo" else ""
    xml = (
        f'<?xml version="1.0"?>{prologo}<postacert tipo="accettazione"{attributo}>'
        f"<dati><{elemento}>{riferimento}</{elemento}></dati></postacert>"
    )
    r = _regge(_con_daticert(xml.encode(), x_ricevuta=x_ricevuta))
    assert contenuto not in _tutto(r)
    assert str(percorso).encode() not in _tutto(r) or r.classe is Classe.ILLEGGIBILE


def test_parti_troppo_grandi_e_messaggi_oltre_il_limite(campioni: list[bytes]) -> None:
    enorme = _con_daticert(
        b"<postacert><dati><oggetto>" + b"x" * (8 * 1024 * 1024) + b"</oggetto></dati></postacert>"
    )
    assert _regge(enorme).classe is Classe.RICEVUTA
    oltre = campioni[1] + b"\r\n" + b"z" * LIMITE_BYTE
    r = _regge(oltre)
    assert r.classe is Classe.ILLEGGIBILE and "troppo grande" in (r.motivo or "")
    righe_lunghe = b"X-Ricevuta: accettazione\r\nSubject: " + b"s" * (4 * 1024 * 1024) + b"\r\n\r\n"
    assert _regge(righe_lunghe).classe is Classe.ILLEGGIBILE  # no daticert


def test_ogni_troncamento_di_una_ricevuta(campioni: list[bytes]) -> None:
    grezzo = campioni[1]
    for taglio in range(0, len(grezzo), max(1, len(grezzo) // 400)):
        _regge(grezzo[:taglio])


def test_tantissime_parti_rifiutate() -> None:
    corpo = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 5000 + b"--b--\r\n"
    r = _regge(b'X-Ricevuta: accettazione\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' + corpo)
    assert r.classe is Classe.ILLEGGIBILE and "parti" in (r.motivo or "")
