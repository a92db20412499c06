"""The receipt parser on the sandbox provider's real messages, and on each trap of RICEVUTE.md.

The inputs are built by ``corrispondenza.sandbox.ricevute`` (the independent writer) signed
with the session's sandbox certificates; hand-made messages only where the sandbox cannot
produce the case (a namespace, a foreign encoding, a virus report).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from corrispondenza.ricevute import parser
from corrispondenza.ricevute.parser import (
    LIMITE_BYTE,
    LIMITE_PROFONDITA,
    Classe,
    Destinatario,
    Firma,
    Ricevuta,
    TipoRicevuta,
    analizza,
    e_firmato,
)
from corrispondenza.sandbox import ricevute
from corrispondenza.sandbox.certificati import NOME_PROVIDER, Certificati
from corrispondenza.sandbox.ricevute import Difetto, Firmatario, Invio
from corrispondenza.sandbox.smime import crlf

MITTENTE = "recupero.crediti@pec.asl.test"
DESTINATARIO = "mario.rossi@pec.esempio.test"
OGGETTO = "Sollecito n. 12/2026 – Rossi & figli <srl>: già dovuto"
MSGID = "<lettera-42.7f3a@corrispondenza.asl.test>"
IDENTIFICATIVO = "opec.20261123110000.1a2b3c4d@pec.sandbox.test"
QUANDO = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)  # 11:00:00 in Rome, +0100
LEGALE = datetime(2026, 11, 23, 11, 0, 0, tzinfo=timezone(timedelta(hours=1)))


def _originale() -> bytes:
    messaggio = EmailMessage()
    messaggio["From"] = MITTENTE
    messaggio["To"] = DESTINATARIO
    messaggio["Subject"] = OGGETTO
    messaggio["Message-ID"] = MSGID
    messaggio["X-TipoRicevuta"] = "completa"
    messaggio.set_content("Gentile Mario Rossi,\nin allegato il sollecito.\n", cte="quoted-printable")
    messaggio.add_attachment(b"%PDF-1.6 finto\n", maintype="application", subtype="pdf", filename="l.pdf")
    return messaggio.as_bytes(policy=SMTP)


ORIGINALE = _originale()


def _invio(**altri) -> Invio:
    return Invio(MITTENTE, ((DESTINATARIO, "certificato"),), OGGETTO, MSGID, IDENTIFICATIVO, **altri)


def _consegna(f: Firmatario, **altri) -> bytes:
    return ricevute.avvenuta_consegna(
        f, _invio(), destinatario=DESTINATARIO, data=QUANDO, originale=ORIGINALE, **altri
    )


def _errore(f: Firmatario, **altri) -> bytes:
    return ricevute.errore_consegna(
        f,
        _invio(),
        destinatario=DESTINATARIO,
        data=QUANDO,
        errore_esteso="5.1.1 - Utente sconosciuto",
        **altri,
    )


@dataclass(frozen=True)
class Caso:
    costruttore: Callable[[Firmatario], bytes]
    tipo: TipoRicevuta
    consegna: str | None = None
    errore_esteso: str | None = None
    codice: str | None = None
    tipo_ricevuta: str | None = None
    postacert: bool = False
    finale: bool = False


def _preavviso(f: Firmatario, **altri) -> bytes:
    return ricevute.preavviso_errore_consegna(f, _invio(), destinatario=DESTINATARIO, data=QUANDO, **altri)


CONSEGNA = TipoRicevuta.AVVENUTA_CONSEGNA
PREAVVISO = TipoRicevuta.PREAVVISO_ERRORE_CONSEGNA
CASI: dict[str, Caso] = {
    "accettazione": Caso(
        lambda f: ricevute.accettazione(f, _invio(), data=QUANDO), TipoRicevuta.ACCETTAZIONE
    ),
    "non-accettazione": Caso(
        lambda f: ricevute.non_accettazione(f, _invio(), data=QUANDO, errore_esteso="5.3.4 - Troppo grande"),
        TipoRicevuta.NON_ACCETTAZIONE,
        errore_esteso="5.3.4 - Troppo grande",
        codice="5.3.4",
        finale=True,
    ),
    "presa-in-carico": Caso(
        lambda f: ricevute.presa_in_carico(f, _invio(), data=QUANDO), TipoRicevuta.PRESA_IN_CARICO
    ),
    "consegna-completa": Caso(_consegna, CONSEGNA, DESTINATARIO, tipo_ricevuta="completa", postacert=True),
    "consegna-breve": Caso(
        lambda f: _consegna(f, tipo_ricevuta="breve"),
        CONSEGNA,
        DESTINATARIO,
        tipo_ricevuta="breve",
        postacert=True,
    ),
    "consegna-sintetica": Caso(
        lambda f: _consegna(f, tipo_ricevuta="sintetica"), CONSEGNA, DESTINATARIO, tipo_ricevuta="sintetica"
    ),
    "errore-consegna": Caso(
        _errore,
        TipoRicevuta.ERRORE_CONSEGNA,
        DESTINATARIO,
        errore_esteso="5.1.1 - Utente sconosciuto",
        codice="5.1.1",
        finale=True,
    ),
    "preavviso-4.4.7-non-finale": Caso(
        _preavviso, PREAVVISO, DESTINATARIO, errore_esteso=ricevute.PREAVVISO_PREDEFINITO, codice="4.4.7"
    ),
    "preavviso-5.4.1-finale": Caso(
        lambda f: _preavviso(f, errore_esteso="5.4.1 - Tempo scaduto"),
        PREAVVISO,
        DESTINATARIO,
        errore_esteso="5.4.1 - Tempo scaduto",
        codice="5.4.1",
        finale=True,
    ),
}


@pytest.mark.parametrize("nome", CASI)
def test_ogni_ricevuta_del_gestore_e_letta(nome: str, firmatario: Firmatario) -> None:
    caso = CASI[nome]
    grezzo = caso.costruttore(firmatario)
    r = analizza(grezzo)
    assert (r.classe, r.tipo, r.motivo) == (Classe.RICEVUTA, caso.tipo, None)
    assert (r.msgid, r.riferimento, r.identificativo) == (MSGID, MSGID, IDENTIFICATIVO)
    assert r.message_id is not None and r.message_id.endswith("@pec.sandbox.test>")
    assert (r.data, r.zona) == (LEGALE, "+0100")
    assert (r.consegna, r.errore_esteso, r.codice_errore) == (caso.consegna, caso.errore_esteso, caso.codice)
    assert r.tipo_ricevuta == caso.tipo_ricevuta
    assert r.destinatari == (Destinatario(DESTINATARIO, "certificato"),)
    assert (r.mittente, r.oggetto, r.gestore) == (MITTENTE, OGGETTO, NOME_PROVIDER)
    assert (r.postacert is not None) == caso.postacert
    assert r.finale is caso.finale
    assert r.firma is Firma.NON_VERIFICABILE  # the parser never checks signatures
    assert e_firmato(grezzo)


def test_la_consegna_completa_porta_l_originale_byte_per_byte(firmatario: Firmatario) -> None:
    assert analizza(_consegna(firmatario)).postacert == crlf(ORIGINALE)


def test_la_consegna_breve_porta_gli_hash_degli_allegati(firmatario: Firmatario) -> None:
    postacert = analizza(_consegna(firmatario, tipo_ricevuta="breve")).postacert
    assert postacert is not None and b"l.pdf.hash" in postacert and b"%PDF" not in postacert


def test_la_busta_di_trasporto_e_una_busta(firmatario: Firmatario) -> None:
    r = analizza(ricevute.busta_di_trasporto(firmatario, _invio(), ORIGINALE, data=QUANDO))
    assert (r.classe, r.tipo, r.finale) == (Classe.BUSTA, None, False)
    assert r.message_id == f"<{IDENTIFICATIVO}>"
    assert r.identificativo == IDENTIFICATIVO and r.postacert == crlf(ORIGINALE)


def test_verifica_sicurezza_in_errore(firmatario: Firmatario) -> None:
    assert analizza(_consegna(firmatario, verifica_sicurezza_errore=True)).verifica_sicurezza_errore
    assert not analizza(_consegna(firmatario)).verifica_sicurezza_errore


# --- the traps of RICEVUTE.md, one test each ---------------------------------------------------


def test_trappola_oggetto_avviso_di_mancata_consegna_non_e_una_consegna(firmatario: Firmatario) -> None:
    grezzo = _errore(firmatario)
    assert b"Subject: AVVISO DI MANCATA CONSEGNA: " in grezzo
    assert analizza(grezzo).tipo is TipoRicevuta.ERRORE_CONSEGNA
    # and a subject alone never makes a receipt
    assert analizza(_semplice("Subject: CONSEGNA: Sollecito\r\n")).classe is Classe.ALTRO


def test_trappola_busta_con_x_riferimento_message_id_non_e_una_ricevuta(firmatario: Firmatario) -> None:
    grezzo = ricevute.busta_di_trasporto(firmatario, _invio(), ORIGINALE, data=QUANDO)
    assert b"X-Riferimento-Message-ID: " + MSGID.encode() in grezzo
    r = analizza(grezzo)
    assert r.classe is Classe.BUSTA and r.tipo is None
    # even with an X-Ricevuta added at the top, X-Trasporto wins
    assert analizza(b"X-Ricevuta: avvenuta-consegna\r\n" + grezzo).classe is Classe.BUSTA


def test_trappola_ricevuta_contraffatta_dentro_una_busta(firmatario: Firmatario) -> None:
    falso = Invio(MITTENTE, ((DESTINATARIO, "certificato"),), OGGETTO, "<falso@truffa.test>", "opec.falso@x")
    contraffatta = ricevute.avvenuta_consegna(
        firmatario, falso, destinatario=DESTINATARIO, data=QUANDO, originale=ORIGINALE
    )
    busta = ricevute.busta_di_trasporto(firmatario, _invio(), contraffatta, data=QUANDO)
    r = analizza(busta)
    assert (r.classe, r.tipo) == (Classe.BUSTA, None)
    assert (r.msgid, r.identificativo) == (
        MSGID,
        IDENTIFICATIVO,
    )  # the envelope's daticert, not the forgery's
    assert r.postacert == crlf(contraffatta)


def test_trappola_nomi_delle_intestazioni_senza_maiuscole_fisse(firmatario: Firmatario) -> None:
    grezzo = _consegna(firmatario, tipo_ricevuta="breve")
    for prima, dopo in [
        (b"X-Ricevuta: avvenuta-consegna", b"x-RICEVUTA: Avvenuta-Consegna"),
        (b"X-TipoRicevuta:", b"X-Tiporicevuta:"),
        (b"X-Riferimento-Message-ID:", b"x-riferimento-message-id:"),
    ]:
        assert prima in grezzo
        grezzo = grezzo.replace(prima, dopo, 1)
    r = analizza(grezzo)
    assert (r.classe, r.tipo, r.riferimento) == (Classe.RICEVUTA, TipoRicevuta.AVVENUTA_CONSEGNA, MSGID)
    assert r.tipo_ricevuta == "breve"
    senza_daticert_tipo = _semplice(
        "x-ricevuta: accettazione\r\nX-Tiporicevuta: SINTETICA\r\n", xml=_XML_MINIMO
    )
    assert analizza(senza_daticert_tipo).tipo_ricevuta == "sintetica"


def test_trappola_msgid_con_escape_xml_e_prima_dell_intestazione(firmatario: Firmatario) -> None:
    grezzo = ricevute.accettazione(firmatario, _invio(), data=QUANDO)
    assert b"&lt;" + MSGID[1:-1].encode() + b"&gt;" in _daticert_di(grezzo)
    altro = grezzo.replace(
        b"X-Riferimento-Message-ID: " + MSGID.encode(), b"X-Riferimento-Message-ID: <altro@x>"
    )
    r = analizza(altro)
    assert (r.msgid, r.riferimento) == (MSGID, "<altro@x>")
    spaziato = _XML_MINIMO.replace(b"</dati>", b"<msgid>  &lt; id-1@host.test &gt;\n</msgid></dati>")
    assert analizza(_semplice("X-Ricevuta: accettazione\r\n", xml=spaziato)).msgid == "<id-1@host.test>"


def test_senza_msgid_nel_daticert_vale_x_riferimento_message_id() -> None:
    r = analizza(_semplice("X-Ricevuta: accettazione\r\nX-Riferimento-Message-ID:  <r-1@asl.test> \r\n"))
    assert r.classe is Classe.RICEVUTA and r.msgid == r.riferimento == "<r-1@asl.test>"


def test_trappola_ora_legale_dal_daticert_non_da_date(firmatario: Firmatario) -> None:
    grezzo = ricevute.accettazione(firmatario, _invio(), data=QUANDO)
    grezzo = grezzo.replace(b"Date: Mon, 23 Nov 2026", b"Date: Tue, 01 Dec 2026", 1)
    assert b"Date: Tue, 01 Dec 2026" in grezzo
    assert analizza(grezzo).data == LEGALE
    estate = analizza(
        ricevute.accettazione(firmatario, _invio(), data=datetime(2026, 7, 1, 8, 30, 5, tzinfo=UTC))
    )
    assert estate.zona == "+0200" and estate.data is not None
    assert (estate.data.isoformat(), estate.data.utcoffset()) == (
        "2026-07-01T10:30:05+02:00",
        timedelta(hours=2),
    )


def test_trappola_destinatario_esterno(firmatario: Firmatario) -> None:
    invio = Invio(
        MITTENTE,
        ((DESTINATARIO, "certificato"), ("Ufficio@Esempio.test", "esterno")),
        OGGETTO,
        MSGID,
        IDENTIFICATIVO,
    )
    r = analizza(ricevute.accettazione(firmatario, invio, data=QUANDO))
    assert r.destinatari == (
        Destinatario(DESTINATARIO, "certificato"),
        Destinatario("ufficio@esempio.test", "esterno"),
    )


def test_trappola_errore_altro_classificato_dal_codice_5_1_1(firmatario: Firmatario) -> None:
    r = analizza(_errore(firmatario, errore="altro"))
    assert (r.errore, r.codice_errore, r.finale) == ("altro", "5.1.1", True)


def test_trappola_il_preavviso_non_e_finale(firmatario: Firmatario) -> None:
    r = analizza(
        ricevute.preavviso_errore_consegna(firmatario, _invio(), destinatario=DESTINATARIO, data=QUANDO)
    )
    assert r.tipo is TipoRicevuta.PREAVVISO_ERRORE_CONSEGNA and r.codice_errore == "4.4.7"
    assert not r.finale
    ultimo = ricevute.preavviso_errore_consegna(
        firmatario, _invio(), destinatario=DESTINATARIO, data=QUANDO, errore_esteso="5.4.1 - scaduto"
    )
    assert analizza(ultimo).finale


def test_trappola_i_duplicati_hanno_la_stessa_identita(firmatario: Firmatario) -> None:
    grezzo = _consegna(firmatario, message_id="<doppia@pec.sandbox.test>")
    assert analizza(grezzo).identita == analizza(grezzo).identita == "mid:<doppia@pec.sandbox.test>"
    riletta = _consegna(firmatario, message_id="<doppia@pec.sandbox.test>", tipo_ricevuta="sintetica")
    assert analizza(riletta).identita == analizza(grezzo).identita
    senza_mid = [_senza_intestazione(_consegna(firmatario), b"Message-ID") for _ in range(2)]
    identita = {analizza(g).identita for g in senza_mid}
    assert identita == {f"id:{IDENTIFICATIVO}|avvenuta-consegna|{DESTINATARIO}"}
    altro = ricevute.avvenuta_consegna(
        firmatario, _invio(), destinatario="altro@pec.test", data=QUANDO, originale=ORIGINALE
    )
    assert analizza(_senza_intestazione(altro, b"Message-ID")).identita not in identita


@pytest.mark.parametrize("tipo_firma", ["application/pkcs7-signature", "application/x-pkcs7-signature"])
def test_trappola_entrambi_i_tipi_di_firma(certificati_sandbox: Certificati, tipo_firma: str) -> None:
    firmatario = Firmatario.da_file(
        certificati_sandbox.firma_cert,
        certificati_sandbox.firma_key,
        gestore=NOME_PROVIDER,
        dominio=certificati_sandbox.dominio_provider,
        tipo_firma=tipo_firma,
    )
    grezzo = _consegna(firmatario)
    assert f'protocol="{tipo_firma}"'.encode() in grezzo
    r = analizza(grezzo)
    assert (r.classe, r.tipo, r.data) == (Classe.RICEVUTA, TipoRicevuta.AVVENUTA_CONSEGNA, LEGALE)
    assert r.postacert == crlf(ORIGINALE) and e_firmato(grezzo)


def test_trappola_daticert_mancante_e_illeggibile(firmatario: Firmatario) -> None:
    r = analizza(_consegna(firmatario, difetto=Difetto.SENZA_DATICERT))
    assert (r.classe, r.tipo, r.data) == (Classe.ILLEGGIBILE, None, None)
    assert r.motivo == "daticert.xml mancante"
    assert r.riferimento == MSGID and r.message_id is not None  # for the person who opens the quarantine


def test_trappola_firma_manomessa_resta_leggibile(firmatario: Firmatario) -> None:
    r = analizza(ricevute.accettazione(firmatario, _invio(), data=QUANDO, difetto=Difetto.FIRMA_NON_VALIDA))
    assert (r.classe, r.tipo, r.firma) == (Classe.RICEVUTA, TipoRicevuta.ACCETTAZIONE, Firma.NON_VERIFICABILE)


# --- tolerance and refusals ---------------------------------------------------------------------

_XML_MINIMO = b'<?xml version="1.0"?><postacert tipo="accettazione"><dati></dati></postacert>'


def _semplice(intestazioni: str, *, xml: bytes | None = _XML_MINIMO, cte: str = "base64") -> bytes:
    """An unsigned message in the provider's shape, for the cases the sandbox cannot write."""
    testa = ("From: posta-certificata@pec.test\r\nMessage-ID: <m@pec.test>\r\n" + intestazioni).encode()
    if xml is None:
        return testa + b"Content-Type: text/plain\r\n\r\nciao\r\n"
    corpo = base64.encodebytes(xml) if cte == "base64" else xml
    return (
        testa
        + b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n'
        b'testo\r\n--b1\r\nContent-Type: application/xml; name="daticert.xml"\r\n'
        b"Content-Transfer-Encoding: " + cte.encode() + b"\r\n\r\n" + corpo + b"\r\n--b1--\r\n"
    )


def _daticert_di(grezzo: bytes) -> bytes:
    inizio = grezzo.index(b"\r\n\r\n", grezzo.index(b'name="daticert.xml"')) + 4
    return base64.b64decode(grezzo[inizio : grezzo.index(b"\r\n--", inizio)])


def _senza_intestazione(grezzo: bytes, nome: bytes) -> bytes:
    inizio = grezzo.index(b"\r\n" + nome + b":") + 2
    return grezzo[:inizio] + grezzo[grezzo.index(b"\r\n", inizio) + 2 :]


def test_daticert_tollerante_con_namespace_elementi_in_piu_e_mancanti() -> None:
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<p:postacert xmlns:p="urn:x" tipo="errore-consegna" errore="Altro">'
        b"<p:intestazione><p:destinatari>A@B.test</p:destinatari><p:nuovo>x</p:nuovo></p:intestazione>"
        b"<p:dati><p:data zona='+01:00'><p:giorno>1/2/2027</p:giorno><p:ora>9:05</p:ora></p:data>"
        b"<p:consegna> A@B.test </p:consegna>"
        b"<p:errore-esteso>5.2.2 - casella piena</p:errore-esteso></p:dati>"
        b"</p:postacert>"
    )
    r = analizza(_semplice("X-Ricevuta: errore-consegna\r\n", xml=xml))
    assert (r.classe, r.consegna, r.errore, r.codice_errore) == (
        Classe.RICEVUTA,
        "a@b.test",
        "altro",
        "5.2.2",
    )
    assert r.data == datetime(2027, 2, 1, 9, 5, tzinfo=timezone(timedelta(hours=1)))
    assert r.destinatari == (Destinatario("a@b.test", "certificato"),)
    assert (r.identificativo, r.gestore, r.msgid) == (None, None, None)


def test_daticert_nella_codifica_della_sua_dichiarazione() -> None:
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?><postacert tipo="accettazione"><intestazione>' \
        "<oggetto>Però è già</oggetto></intestazione><dati/></postacert>"  # fmt: skip
    r = analizza(_semplice("X-Ricevuta: accettazione\r\n", xml=xml.encode("iso-8859-1")))
    assert r.oggetto == "Però è già"


def test_daticert_in_chiaro_senza_base64() -> None:
    r = analizza(_semplice("X-Ricevuta: accettazione\r\n", xml=_XML_MINIMO, cte="7bit"))
    assert r.classe is Classe.RICEVUTA


def test_rilevazione_virus_letta_dalla_tabella() -> None:
    r = analizza(_semplice("X-Ricevuta: rilevazione-virus\r\n"))
    assert (r.classe, r.tipo, r.finale) == (Classe.RICEVUTA, TipoRicevuta.RILEVAZIONE_VIRUS, False)


def test_x_ricevuta_sconosciuta_e_illeggibile() -> None:
    r = analizza(_semplice("X-Ricevuta: consegnata-forse\r\n"))
    assert r.classe is Classe.ILLEGGIBILE and "X-Ricevuta sconosciuta" in (r.motivo or "")


def test_posta_ordinaria_e_altro() -> None:
    r = analizza(_semplice("Subject: =?utf-8?q?Ciao_=C3=A8?=\r\n", xml=None))
    assert (r.classe, r.tipo, r.oggetto, r.message_id) == (Classe.ALTRO, None, "Ciao è", "<m@pec.test>")


def test_daticert_non_ben_formato_in_una_ricevuta_e_illeggibile() -> None:
    r = analizza(_semplice("X-Ricevuta: accettazione\r\n", xml=b"<postacert><dati>"))
    assert r.classe is Classe.ILLEGGIBILE and "non è XML ben formato" in (r.motivo or "")


def miliardo_di_risate(livelli: int = 9) -> bytes:
    """Billion laughs: each entity ten of the one before; 10**9 "lol" if anything expanded it."""
    entita = [b'<!ENTITY lol0 "lol">'] + [
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, livelli + 1)
    ]
    return (
        b'<?xml version="1.0"?><!DOCTYPE postacert [' + b"".join(entita) + b"]>"
        b'<postacert tipo="accettazione"><dati><identificativo>&lol%d;</identificativo></dati></postacert>'
        % livelli
    )


def test_bomba_xml_rifiutata_senza_espandere() -> None:
    r = analizza(_semplice("X-Ricevuta: accettazione\r\n", xml=miliardo_di_risate()))
    assert r.classe is Classe.ILLEGGIBILE and "entità" in (r.motivo or "")
    assert r.identificativo is None


def test_messaggi_non_leggibili() -> None:
    assert analizza(b"").classe is Classe.ILLEGGIBILE
    assert analizza(b"\x00\xff\x10 nessuna intestazione").classe is Classe.ILLEGGIBILE
    assert analizza("testo, non byte").classe is Classe.ILLEGGIBILE  # type: ignore[arg-type]
    grande = analizza(b"X-Ricevuta: accettazione\r\n\r\n" + b"a" * LIMITE_BYTE)
    assert grande.classe is Classe.ILLEGGIBILE and "troppo grande" in (grande.motivo or "")


def test_annidamento_oltre_il_limite_e_illeggibile() -> None:
    corpo = b"fine\r\n"
    for i in range(LIMITE_PROFONDITA + 2):
        corpo = b'Content-Type: multipart/mixed; boundary="c%d"\r\n\r\n--c%d\r\n%s\r\n--c%d--\r\n' % (
            i,
            i,
            corpo,
            i,
        )
    r = analizza(b"X-Ricevuta: accettazione\r\n" + corpo)
    assert r.classe is Classe.ILLEGGIBILE and "annidata" in (r.motivo or "")


def test_come_json() -> None:
    r = Ricevuta(
        Classe.RICEVUTA,
        tipo=TipoRicevuta.AVVENUTA_CONSEGNA,
        msgid=MSGID,
        identificativo=IDENTIFICATIVO,
        data=LEGALE,
        consegna=DESTINATARIO,
        destinatari=(Destinatario(DESTINATARIO, "certificato"),),
        firma=Firma.VALIDA,
    )
    assert r.come_json() == {
        "ricevuta": True,
        "classe": "ricevuta",
        "tipo": "avvenuta-consegna",
        "msgid": MSGID,
        "identificativo": IDENTIFICATIVO,
        "data": "2026-11-23T11:00:00+01:00",
        "consegna": DESTINATARIO,
        "destinatari": [{"indirizzo": DESTINATARIO, "tipo": "certificato"}],
        "errore": None,
        "errore_esteso": None,
        "firma": "valida",
        "motivo": None,
    }
    assert Ricevuta(Classe.ILLEGGIBILE, motivo="x").come_json()["ricevuta"] is False


def test_il_parser_e_puro_e_non_condivide_codice_con_la_sandbox() -> None:
    import ast
    from pathlib import Path

    import corrispondenza.ricevute.firma as firma
    import corrispondenza.ricevute.parser as parser

    def importati(modulo) -> set[str]:
        albero = ast.parse(Path(modulo.__file__).read_text(encoding="utf-8"))
        nomi = {a.name for n in ast.walk(albero) if isinstance(n, ast.Import) for a in n.names}
        return nomi | {n.module or "" for n in ast.walk(albero) if isinstance(n, ast.ImportFrom)}

    vietati = {"subprocess", "socket", "os", "pathlib", "time", "imaplib", "smtplib", "shutil"}
    assert not {m.split(".")[0] for m in importati(parser)} & vietati
    assert not any(m.startswith("corrispondenza.sandbox") for m in importati(parser) | importati(firma))


# --- the reading rules the fast paths keep (each also checked old-vs-new when they were written) --


def _con_intestazioni_mime(testa_radice: bytes, parti: list[bytes], *, fine: bytes = b"\r\n") -> bytes:
    """A receipt in the provider's shape from raw parts, with the given line end everywhere."""
    corpo = b"".join(b"--b1\r\n" + p + b"\r\n" for p in parti) + b"--b1--\r\n"
    grezzo = testa_radice + b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n' + corpo
    return grezzo.replace(b"\r\n", fine)


_PARTE_DATICERT = (
    b'Content-Type: application/xml; name="daticert.xml"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    + base64.encodebytes(_XML_MINIMO).replace(b"\n", b"\r\n")
)
_RADICE = b"From: posta-certificata@pec.test\r\nMessage-ID: <m@pec.test>\r\nX-Ricevuta: accettazione\r\n"


def test_daticert_non_primo_allegato_e_il_primo_di_nome_daticert_vale() -> None:
    testo = b"Content-Type: text/plain\r\n\r\nciao"
    secondo = _PARTE_DATICERT.replace(base64.encodebytes(_XML_MINIMO).replace(b"\n", b"\r\n"), b"!!!")
    r = analizza(_con_intestazioni_mime(_RADICE, [testo, testo, _PARTE_DATICERT, secondo]))
    assert (r.classe, r.motivo) == (Classe.RICEVUTA, None)
    r = analizza(_con_intestazioni_mime(_RADICE, [testo, secondo, _PARTE_DATICERT]))
    assert r.classe is Classe.ILLEGGIBILE  # the first one counts even when "!!!" decodes to nothing
    assert r.motivo == "daticert.xml non è XML ben formato (no element found: line 1, column 0)"


def test_righe_solo_lf_e_intestazioni_ripiegate() -> None:
    radice = _RADICE.replace(
        b"X-Ricevuta: accettazione", b"X-Ricevuta:\r\n\taccettazione\r\nSubject: a\r\n  b"
    )
    for fine in (b"\r\n", b"\n"):
        r = analizza(_con_intestazioni_mime(radice, [_PARTE_DATICERT], fine=fine))
        assert (r.classe, r.tipo, r.oggetto) == (Classe.RICEVUTA, TipoRicevuta.ACCETTAZIONE, "a  b")


def test_nomi_delle_intestazioni_mime_senza_maiuscole_fisse_e_con_spazi_prima_dei_due_punti() -> None:
    parte = _PARTE_DATICERT.replace(b"Content-Type:", b"CONTENT-type \t:").replace(
        b"Content-Transfer-Encoding: base64", b"content-transfer-encoding:  Base64 "
    )
    assert analizza(_con_intestazioni_mime(_RADICE, [parte])).classe is Classe.RICEVUTA


def test_la_prima_intestazione_di_un_nome_vale() -> None:
    radice = _RADICE + b"X-Ricevuta: consegnata-forse\r\nMessage-ID: <secondo@pec.test>\r\n"
    r = analizza(_con_intestazioni_mime(radice, [_PARTE_DATICERT]))
    assert (r.classe, r.message_id) == (Classe.RICEVUTA, "<m@pec.test>")


def test_una_riga_che_non_e_un_campo_chiude_le_intestazioni() -> None:
    """After a line that is not a field (no ":", a bare CR, a blank first line) nothing is a header."""
    for rottura in (b"riga senza due punti\r\n", b"X-Nuovo: a\rb\r\n", b"X-Nuovo: a\r\n b\rc\r\n"):
        r = analizza(b"From: a@b.test\r\n" + rottura + b"X-Ricevuta: accettazione\r\n\r\ncorpo")
        assert (r.classe, r.mittente) == (Classe.ALTRO, "a@b.test"), rottura
    assert analizza(b" From: a@b.test\r\nX-Ricevuta: accettazione\r\n\r\n").classe is Classe.ILLEGGIBILE


def test_le_stesse_intestazioni_di_parte_lette_due_volte_danno_lo_stesso() -> None:
    """The header block of a part is read once and remembered: a second receipt gets the same."""
    grezzo = _con_intestazioni_mime(_RADICE, [_PARTE_DATICERT])
    assert analizza(grezzo) == analizza(grezzo) == analizza(bytes(bytearray(grezzo)))


def test_delimitatori_con_spazi_in_coda_e_senza_chiusura() -> None:
    grezzo = _con_intestazioni_mime(_RADICE, [_PARTE_DATICERT]).replace(b"--b1\r\n", b"--b1 \t\r\n", 1)
    assert analizza(grezzo).classe is Classe.RICEVUTA
    senza_chiusura = grezzo.replace(b"--b1--\r\n", b"")
    assert analizza(senza_chiusura).classe is Classe.RICEVUTA
    base64_sporco = grezzo.replace(b"PD94", b"PD*\r\n94", 1)
    assert analizza(base64_sporco).classe is Classe.RICEVUTA  # bytes outside the alphabet dropped


def test_daticert_con_attributi_con_prefisso_cdata_e_testo_misto() -> None:
    xml = (
        b'<?xml version="1.0"?><p:postacert xmlns:p="urn:a" xmlns:q="urn:q" tipo="accettazione"'
        b' q:errore="altro"><p:dati><p:data q:zona="+0100" zona="+0200"><p:giorno>1/2/2027</p:giorno>'
        b"<p:ora>9:05:01</p:ora></p:data><p:identificativo>a<x>b</x><![CDATA[<c>]]>&amp;d</p:identificativo>"
        b"</p:dati></p:postacert>"
    )
    r = analizza(_semplice("X-Ricevuta: accettazione\r\n", xml=xml))
    assert (r.classe, r.errore, r.zona, r.identificativo) == (Classe.RICEVUTA, None, "+0200", "ab<c>&d")
    assert r.data == datetime(2027, 2, 1, 9, 5, 1, tzinfo=timezone(timedelta(hours=2)))


def test_daticert_con_entita_non_dichiarata_e_illeggibile() -> None:
    xml = b'<?xml version="1.0"?><!DOCTYPE postacert SYSTEM "x.dtd"><postacert><dati>&x;</dati></postacert>'
    r = analizza(_semplice("X-Ricevuta: accettazione\r\n", xml=xml))
    assert r.classe is Classe.ILLEGGIBILE and "undefined entity &x;" in (r.motivo or "")


# --- the shortcuts of the parser: where their precondition fails, the general reading ---------

_XML_DEI_GESTORI = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE postacert SYSTEM "Postacert.dtd">\n'
    '<postacert tipo="errore-consegna" errore="no-dest">\n'
    "  <intestazione>\n"
    "    <mittente>Ufficio@PEC.test</mittente>\n"
    '    <destinatari tipo="esterno">A@B.test</destinatari>\n'
    "    <risposte>ufficio@pec.test</risposte>\n"
    "    <oggetto>Rossi &amp; figli &lt;srl&gt;: già</oggetto>\n"
    "  </intestazione>\n"
    "  <dati>\n"
    "    <gestore-emittente>Gestore</gestore-emittente>\n"
    '    <data zona="+0100">\n'
    "      <giorno>23/11/2026</giorno>\n"
    "      <ora>11:00:00</ora>\n"
    "    </data>\n"
    "    <identificativo>opec.1@pec.test</identificativo>\n"
    "    <msgid>&lt;lettera-42@asl.test&gt;</msgid>\n"
    "    <consegna>A@B.test</consegna>\n"
    "    <errore-esteso>5.1.1 - Utente sconosciuto</errore-esteso>\n"
    "  </dati>\n"
    "</postacert>\n"
)


def _letta(xml: str, encoding: str = "utf-8") -> Ricevuta:
    return analizza(_semplice("X-Ricevuta: errore-consegna\r\n", xml=xml.encode(encoding)))


def _attesa_dei_gestori(r: Ricevuta) -> None:
    assert (r.classe, r.errore, r.codice_errore, r.consegna) == (
        Classe.RICEVUTA,
        "no-dest",
        "5.1.1",
        "a@b.test",
    )
    assert (r.msgid, r.identificativo, r.gestore, r.mittente) == (
        "<lettera-42@asl.test>",
        "opec.1@pec.test",
        "Gestore",
        "ufficio@pec.test",
    )
    assert r.oggetto == "Rossi & figli <srl>: già"
    assert r.destinatari == (Destinatario("a@b.test", "esterno"),)
    assert r.data == LEGALE


def test_daticert_dei_gestori_letto_con_la_regex_come_dall_albero(firmatario: Firmatario) -> None:
    """The regex reading of the providers' daticert gives what the tree gives, on every kind."""
    xml_di = [_XML_DEI_GESTORI.encode()] + [_daticert_di(c.costruttore(firmatario)) for c in CASI.values()]
    for xml in xml_di:
        letti = parser._letti_in_breve(xml)
        assert letti is not None, xml
        assert letti == parser._letti_dall_albero(parser._radice_xml(xml))
    _attesa_dei_gestori(_letta(_XML_DEI_GESTORI))


@pytest.mark.parametrize(
    "xml",
    [
        _XML_DEI_GESTORI.replace("  <dati>\n", "  <dati><!-- nota -->\n"),
        _XML_DEI_GESTORI.replace("<giorno>", "<!-- g --><giorno>"),
        _XML_DEI_GESTORI.replace("<oggetto>Rossi &amp;", "<oggetto>Rossi &#38;"),
        _XML_DEI_GESTORI.replace('"+0100"', "'+0100'"),
        _XML_DEI_GESTORI.replace("<postacert ", '<postacert xmlns="urn:pec" '),
        _XML_DEI_GESTORI.replace("<oggetto>Rossi", "<oggetto><![CDATA[Rossi]]>"),
        _XML_DEI_GESTORI.replace("A@B.test</consegna>", "A@B.test\r\n</consegna>"),
        _XML_DEI_GESTORI.replace("</ora>", "</ora><?pi x?>"),
    ],
)
def test_daticert_fuori_dalla_forma_dei_gestori_letto_da_expat(xml: str) -> None:
    """A daticert the regex does not take (comment, character reference, namespace…) is read by expat."""
    assert parser._letti_in_breve(xml.encode()) is None
    _attesa_dei_gestori(_letta(xml))


def test_daticert_dei_gestori_in_un_altra_codifica_letto_da_expat() -> None:
    """Declared in another encoding (or not valid UTF-8) the daticert goes to expat, which decodes it."""
    xml = _XML_DEI_GESTORI.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    assert parser._letti_in_breve(xml.encode("iso-8859-1")) is None
    _attesa_dei_gestori(_letta(xml, "iso-8859-1"))


def test_daticert_dei_gestori_con_entita_non_dichiarata_resta_illeggibile() -> None:
    """An entity the regex does not know sends the daticert to expat, which refuses it."""
    xml = _XML_DEI_GESTORI.replace("<oggetto>Rossi", "<oggetto>&x;Rossi")
    assert parser._letti_in_breve(xml.encode()) is None
    r = _letta(xml)
    assert r.classe is Classe.ILLEGGIBILE and "undefined entity &x;" in (r.motivo or "")


def test_zona_di_un_giorno_o_piu_lascia_la_data_vuota() -> None:
    """The remembered zone of an offset of a day or more is no zone: no legal time, as before."""
    r = _letta(_XML_DEI_GESTORI.replace('"+0100"', '"+2400"'))
    assert (r.classe, r.zona, r.data) == (Classe.RICEVUTA, "+2400", None)
    assert _letta(_XML_DEI_GESTORI).data == LEGALE  # the cache does not keep the refusal for others


def test_tipo_dell_entita_calcolato_quando_non_e_dato() -> None:
    """An entity made without the cached type computes it from its Content-Type."""
    assert parser._Entita({"content-type": " Multipart/Mixed; boundary=x"}, b"").tipo == "multipart/mixed"
    assert parser._Entita({}, b"").tipo == "text/plain"


def test_nomi_dei_campi_letti_in_ogni_maiuscola() -> None:
    """A field name is found whatever its case, and its value comes out as written."""
    grezzo = _semplice("x-RICEVUTA: Accettazione\r\nSUBJECT: Oggetto In Maiuscole\r\n").replace(
        b"Message-ID:", b"MESSAGE-id:"
    )
    grezzo = grezzo.replace(b"Content-Type: application/xml", b"cONTENT-tYPE: application/xml")
    r = analizza(grezzo)
    assert (r.classe, r.tipo, r.message_id) == (Classe.RICEVUTA, TipoRicevuta.ACCETTAZIONE, "<m@pec.test>")
    assert r.oggetto == "Oggetto In Maiuscole"


def test_intestazioni_multipart_di_un_gestore_lette_dalla_cache_col_confine_astratto(
    firmatario: Firmatario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The multipart parts' headers differ between receipts only in the boundary: the second
    receipt of a provider reads from scratch only its top-level block, and its parts'
    Content-Type parameters come with the cached headers (only the top level's are read)."""
    prima = ricevute.accettazione(firmatario, _invio(), data=QUANDO)
    altro = Invio(MITTENTE, ((DESTINATARIO, "certificato"),), OGGETTO, MSGID, "opec.2@pec.sandbox.test")
    seconda = ricevute.accettazione(firmatario, altro, data=QUANDO)
    assert analizza(prima).classe is Classe.RICEVUTA
    lette: list[bytes] = []
    da_capo = parser._testa_e_tipo
    monkeypatch.setattr(parser, "_testa_e_tipo", lambda testa: lette.append(testa) or da_capo(testa))
    parametri = parser._parametri_semplici.cache_info().misses
    r = analizza(seconda)
    assert (r.classe, r.identificativo) == (Classe.RICEVUTA, "opec.2@pec.sandbox.test")
    assert lette == [seconda[: seconda.index(b"\r\n\r\n") + 4]]
    assert parser._parametri_semplici.cache_info().misses == parametri + 1


# Header blocks with a boundary where the cached astratto must not be used, or must give back
# exactly what reading the block gives: the boundary's astratto found elsewhere, the boundary in
# the type, in another field, in a second Content-Type, twice, in other cases, with characters
# that are not a boundary's, folded, after a bare CR or a line that ends the block, not closed.
_BLOCCHI_COL_CONFINE = [
    b'Content-Type: multipart/mixed;\r\n boundary="----=_Part_000000000000000000000000"\r\n',
    b"X-A: ----=_Part_000000000000000000000000\r\n"
    b'Content-Type: multipart/mixed; boundary="----=_Part_9f"\r\n',
    b'Content-Type: multipart/mixed; boundary="----=_Part_9f"\r\nX-A: ----=_Part_00\r\n',
    b'Subject: 0\r\nContent-Type: multipart/mixed; boundary="a"\r\n',
    b'Content-Type: boundary="ab12"; x=y\r\n',
    b'Content-Type: multipart/x; name=boundary="ab12"\r\n',
    b'Content-Disposition: inline; boundary="ab12"\r\nContent-Type: multipart/mixed; boundary="cd"\r\n',
    b'Content-Type: text/plain\r\nContent-Type: multipart/mixed; boundary="ab12"\r\n',
    b'Content-Type: multipart/mixed; boundary="Ab1"; boundary="cD2"\r\n',
    b'Content-Type: multipart/mixed; BOUNDARY="Ab1"; boundary="cD2"\r\n',
    b'Content-Type: multipart/mixed; xboundary="Ab1"\r\n',
    b'Content-Type: multipart/mixed; boundary="AbC=_.-+(),/:?\'x"\r\n',
    b'Content-Type: multipart/mixed; boundary="a b"\r\n',
    b'Content-Type: multipart/mixed; boundary="a;b"\r\n',
    b'Content-Type: multipart/mixed; boundary="a\\b"\r\n',
    b'Content-Type: multipart/mixed; boundary="a\xc3\xa9b"\r\n',
    b'Content-Type: multipart/mixed; boundary="a<b>"\r\n',
    b'Content-Type: multipart/mixed; boundary="ab\r\n cd"\r\n',
    b'Content-Type: multipart/mixed; boundary="ab\rcd"\r\n',
    b'Content-Type: multipart/mixed;\rboundary="abcd"\r\n',
    b'Content-Type: multipart/mixed;\r\nriga\r\n boundary="abcd"\r\n',
    b'Content-Type: multipart/mixed;\n boundary="abcd"\n',
    b'Content-Type: multipart/mixed; boundary="abcd\r\n',
    b'Content-Type: multipart/mixed; boundary=""\r\n',
    b'Content-Type: multipart/mixed; boundary="ab"cd"\r\n',
    b"Content-Type: multipart/mixed; name*=utf-8''x; boundary=\"ab\"\r\n",
    b'content-type : multipart/signed; protocol="application/pkcs7-signature"; boundary="Q1"\r\n',
]


@pytest.mark.parametrize("blocco", _BLOCCHI_COL_CONFINE)
def test_intestazioni_col_confine_dalla_cache_come_lette_da_capo(
    blocco: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read after a block of the same shape with another boundary, then again (from the cache,
    where the block may be cached), a block gives what reading it as it is gives."""
    grezzo = blocco + b"\r\ncorpo\r\n"
    simile = grezzo.translate(bytes.maketrans(b"abcdAB129f", b"zyxwZY873e"))
    lette = [parser._entita(simile), parser._entita(grezzo), parser._entita(grezzo)][1:]
    monkeypatch.setattr(parser, "_TESTA_COL_CONFINE", -1)  # no block is read from its astratto
    attesa = parser._entita(grezzo)
    for entita in lette:
        assert (entita.intestazioni, entita.corpo, entita.tipo) == (
            attesa.intestazioni,
            attesa.corpo,
            attesa.tipo,
        )
        assert entita.con_intestazioni == attesa.con_intestazioni
        for nome in ("boundary", "BOUNDARY", "protocol", "name", "x"):
            assert entita.parametro(nome) == attesa.parametro(nome), nome
        assert entita.nome_file == attesa.nome_file
