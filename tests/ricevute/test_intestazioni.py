"""The parser's shortcuts give what ``email`` gives: Content-Type and Content-Disposition
parameters (type, boundary, protocol, file name), RFC 2047 subjects, base64 bodies.

``parser`` reads simple header values itself and hands anything else to ``email``; here both
readings are compared on written-out values (every quoting and spacing, RFC 2231 names, names
that are also the first word) and on random text. Deterministic, no example database.
"""

from __future__ import annotations

import base64
import email.header
import email.message
import email.utils
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corrispondenza.ricevute.parser import _decodifica, _decodificato, _Entita, _parametri_semplici

LIMITATO = settings(max_examples=600, deadline=None, derandomize=True, database=None)
NOMI = ("boundary", "protocol", "name", "filename", "charset", "inline", "multipart/signed", "x")
CARATTERI = "aZ09-_./=:;,\"\\'*%<>()?@ \té"


def _come_email(intestazioni: list[tuple[str, str]]) -> tuple[str, dict[str, str | None], str]:
    """What ``email`` says (the parser's reading before the shortcuts)."""
    mime = email.message.Message()
    for nome in ("content-type", "content-disposition"):
        valore = next((v for n, v in intestazioni if n == nome), None)
        if valore is not None:
            mime[nome] = valore
    parametri = {}
    for nome in NOMI:
        valore = mime.get_param(nome)
        parametri[nome] = None if valore is None else str(email.utils.collapse_rfc2231_value(valore))
    return mime.get_content_type(), parametri, str(mime.get_filename() or "").strip().lower()


def _come_parser(intestazioni: list[tuple[str, str]]) -> tuple[str, dict[str, str | None], str]:
    entita = _Entita(dict(reversed(intestazioni)), b"")  # the first field of a name counts
    return entita.tipo, {nome: entita.parametro(nome) for nome in NOMI}, entita.nome_file


_spazi = st.sampled_from(["", " ", "  ", "\t", " \t"])
_parola = st.sampled_from(
    [
        *("multipart/mixed", "Multipart/Signed", "application/xml", "text/plain", "inline", "attachment"),
        *("filename", "name", "boundary", "text", "a/b/c", "x-y/z", ""),
    ]
)
_nome = st.sampled_from(
    [
        *("boundary", "BOUNDARY", "name", "filename", "FileName", "protocol", "charset", "x-y"),
        *("filename*", "name*0", "name*1*", "filename*0*", "", "na me"),
    ]
)
_valore = st.one_of(
    st.text(alphabet="aZ09-_./=:,()?@ ", max_size=12),  # what the shortcut takes
    st.text(alphabet=CARATTERI, max_size=12),
    st.sampled_from(["<x>", "<>", "<a b>", '"', '""', "\\", "a\\b", "daticert.xml ", " postacert.eml"]),
)


@st.composite
def _parametro(draw: st.DrawFn) -> str:
    valore = draw(_valore)
    forma = draw(st.sampled_from(["nudo", "virgolette", "virgolette-spazi", "rfc2231", "senza-uguale"]))
    valore = {
        "nudo": valore,
        "virgolette": f'"{valore}"',
        "virgolette-spazi": f'" {valore} "',
        "rfc2231": f"utf-8''{valore}",
        "senza-uguale": "",
    }[forma]
    uguale = "" if forma == "senza-uguale" else draw(_spazi) + "=" + draw(_spazi)
    return draw(_spazi) + ";" + draw(_spazi) + draw(_nome) + uguale + valore + draw(_spazi)


@st.composite
def _intestazione(draw: st.DrawFn) -> str:
    valore = draw(_spazi) + draw(_parola) + draw(_spazi) + "".join(draw(st.lists(_parametro(), max_size=4)))
    if draw(st.booleans()):
        valore += ";"
    return valore.strip()  # as ``_entita`` leaves header values


_intestazioni = st.lists(
    st.tuples(st.sampled_from(["content-type", "content-disposition", "subject"]), _intestazione()),
    max_size=3,
)


@LIMITATO
@given(_intestazioni)
def test_parametri_scritti_come_li_legge_email(intestazioni: list[tuple[str, str]]) -> None:
    assert _come_parser(intestazioni) == _come_email(intestazioni)


@LIMITATO
@given(
    st.lists(
        st.tuples(st.sampled_from(["content-type", "content-disposition"]), st.text(CARATTERI, max_size=40)),
        max_size=2,
    )
)
def test_parametri_a_caso_come_li_legge_email(intestazioni: list[tuple[str, str]]) -> None:
    intestazioni = [(n, v.strip()) for n, v in intestazioni]
    assert _come_parser(intestazioni) == _come_email(intestazioni)


@pytest.mark.parametrize(
    "valore",
    [
        'text/plain; BOUNDARY="x"; Name=a; FILENAME= b',
        'multipart/mixed; boundary="<x>"',
        "multipart/mixed; boundary=<x>",
        'inline; filename="<postacert.eml>"',
        'inline; filename=" daticert.xml "',
        'multipart/mixed; boundary="a;b"',
        'multipart/mixed; boundary="a\\"b"',
        'multipart/mixed; boundary=""',
        "multipart/mixed; boundary=a=b",
        "multipart/mixed; boundary=a; boundary=b",
        "multipart/mixed;boundary=x;",
        "filename; filename=x",
        "filename",
        "multipart/mixed; boundary*=utf-8''x; boundary=y",
        "multipart/mixed; boundary*0=a; boundary*1=b",
        "multipart/mixed (commento); boundary=x",
        "multipart/mixed; boundary=x (commento)",
        "mULTIPART/Mixed ; Boundary = x",
    ],
)
def test_casi_scritti_a_mano(valore: str) -> None:
    for nome in ("content-type", "content-disposition"):
        assert _come_parser([(nome, valore)]) == _come_email([(nome, valore)]), (nome, valore)


def test_valori_del_gestore_letti_senza_email() -> None:
    """The values providers write take the shortcut (else it would be pointless)."""
    for valore in (
        'multipart/signed; protocol="application/pkcs7-signature";  micalg=sha-256;'
        ' boundary="----=_Part_2f8c9948aaa2373ca3592efd"',
        'multipart/alternative; boundary="===============4427017726316936514=="',
        'text/plain; charset="iso-8859-1"',
        'application/xml; name="daticert.xml"',
        'inline; filename="daticert.xml"',
        'attachment; filename="smime.p7s"',
    ):
        assert _parametri_semplici(valore) is not None, valore
    assert _parametri_semplici("attachment; filename*=utf-8''post%C3%A0cert.eml") is None


def _decodifica_email(valore: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(valore)))
    except Exception:
        return valore


@LIMITATO
@given(st.text(alphabet="aZ =?_Q:qB\t«»é", max_size=30))
def test_oggetto_come_lo_decodifica_email(valore: str) -> None:
    assert _decodifica(valore) == _decodifica_email(valore)


@LIMITATO
@given(st.binary(max_size=80))
def test_base64_come_prima(corpo: bytes) -> None:
    entita = _Entita({"content-transfer-encoding": "base64"}, corpo)
    try:
        atteso = base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", corpo) + b"==")
    except ValueError:
        atteso = None
    try:
        ottenuto = _decodificato(entita)
    except Exception:
        ottenuto = None
    assert ottenuto == atteso
