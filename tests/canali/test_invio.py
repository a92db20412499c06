"""User story (issue 6): the clerk runs ``invia LOTTO``; PEC letters go to the debtors' PEC
through the provider, avvisi with an e-mail address by e-mail, posta with its bundle; a rerun
sends nothing twice. Against the real sandbox provider (aiosmtpd) and Dovecot.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
from datetime import timedelta

import pytest
from imapclient import IMAPClient
from sqlalchemy import select

from corrispondenza.canali.coda import invia_lotto
from corrispondenza.dominio.tipi import Canale
from corrispondenza.orologio import adesso
from corrispondenza.sandbox import ricevute
from corrispondenza.sandbox.certificati import crea_certificati
from corrispondenza.sandbox.gestore import Esito, Scenario
from corrispondenza.sandbox.smime import Firmatario
from corrispondenza.stato import Riscontro, StatoLettera, StatoLotto
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import Credito, Evento, Lettera, Lotto, Pagamento, TentativoInvio
from tests.conftest import Ufficio

pytestmark = pytest.mark.integration


def attive(u: Ufficio, canale: str) -> list[Lettera]:
    """The letters the fixture left in the lotto on ``canale`` (the others are annulled)."""
    return [x for x in u.lettere(canale=canale) if x.stato != StatoLettera.ANNULLATA]


def invia(u: Ufficio, **opzioni):
    cfg = u.carica()
    engine = apri(cfg.database_url)
    try:
        return invia_lotto(engine, cfg, u.lotto, Operazione("test"), **opzioni)
    finally:
        engine.dispose()


def con_sessione(u: Ufficio):
    return _Sessione(u)


class _Sessione:
    def __init__(self, u: Ufficio) -> None:
        self.engine = apri(u.carica().database_url)

    def __enter__(self):
        self._cm = sessione(self.engine)
        return self._cm.__enter__()

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)
        self.engine.dispose()


def _leggi(u: Ufficio) -> list[email.message.EmailMessage]:
    import ssl

    cfg = u.carica().config.canali.pec
    contesto = ssl.create_default_context(cafile=cfg.imap.ca_file)
    with IMAPClient("localhost", port=cfg.imap.porta, ssl=True, ssl_context=contesto) as c:
        c.login(u.mittente, u.password)
        c.select_folder("INBOX", readonly=True)
        risposte = c.fetch(c.search(), ["BODY.PEEK[]"])
        return [
            email.message_from_bytes(risposte[uid][b"BODY[]"], policy=email.policy.default)
            for uid in sorted(risposte)
        ]


def tipi_per_mid(messaggi: list[email.message.EmailMessage]) -> dict[str, list[str]]:
    tipi: dict[str, list[str]] = {}
    for m in messaggi:
        tipi.setdefault(str(m["X-Riferimento-Message-ID"]).strip(), []).append(str(m["X-Ricevuta"]).strip())
    return tipi


def test_invia_ogni_lettera_una_volta_e_la_posta_con_il_suo_fascicolo(ufficio: Ufficio) -> None:
    esito = invia(ufficio)
    assert esito.completo, esito.come_json()
    lettere = [x for x in ufficio.lettere() if x.stato != StatoLettera.ANNULLATA]
    assert {x.stato for x in lettere} == {StatoLettera.INVIATA}
    per_canale = {c: [x for x in lettere if x.canale == c] for c in Canale}
    assert (
        len(per_canale[Canale.PEC]) == 8 and per_canale[Canale.EMAIL] and per_canale[Canale.POSTA_ORDINARIA]
    )
    for x in per_canale[Canale.PEC] + per_canale[Canale.EMAIL]:
        assert x.message_id.startswith("<REC-") and x.message_id.endswith("@pec.ausl-prova.example.it>")
        assert ufficio.gestore.conta(x.message_id) == 1
        assert x.tentativi == 1 and x.inviata_il is not None and x.risposta.startswith("2")
    for x in per_canale[Canale.POSTA_ORDINARIA]:
        assert x.fascicolo == f"{ufficio.lotto}/stampa/posta_ordinaria.pdf" and x.message_id is None
    accettati = {m.message_id: m for m in ufficio.gestore.accettati}
    for x in per_canale[Canale.PEC]:
        assert (
            accettati[x.message_id].destinatari == (x.indirizzo,) and accettati[x.message_id].canale == "pec"
        )
        assert x.indirizzo.endswith(".pec.example.it")
    assert all(accettati[x.message_id].canale == "posta" for x in per_canale[Canale.EMAIL])
    assert esito.stato == StatoLotto.INVIATA
    # every PEC letter has its acceptance receipt in the authority's mailbox
    tipi = tipi_per_mid(_leggi_dopo_quiete(ufficio))
    assert all("accettazione" in tipi[x.message_id] for x in per_canale[Canale.PEC])

    di_nuovo = invia(ufficio)
    assert di_nuovo.completo and not di_nuovo.inviate and di_nuovo.gia_inviate == len(lettere)
    assert all(ufficio.gestore.conta(x.message_id) == 1 for x in per_canale[Canale.PEC])


def _leggi_dopo_quiete(u: Ufficio) -> list[email.message.EmailMessage]:
    u.gestore.attendi_quiete(20)
    return _leggi(u)


def test_il_messaggio_pec_porta_il_pdf_generato_e_nessun_dato_sanitario(ufficio: Ufficio) -> None:
    invia(ufficio)
    [x] = attive(ufficio, "pec")[:1]
    pdf = (ufficio.carica().outbox / str(ufficio.lotto) / "lettere" / f"{x.id}.pdf").read_bytes()
    busta = _busta_nella_casella_del_debitore(ufficio, x)
    originale = next(p for p in busta.walk() if p.get_content_type() == "message/rfc822").get_payload()[0]
    assert originale["Message-ID"] == x.message_id and originale["From"] == ufficio.mittente
    assert originale["To"] == x.indirizzo and originale["X-TipoRicevuta"] == "sintetica"
    allegato = next(p for p in originale.walk() if p.get_content_type() == "application/pdf")
    assert allegato.get_payload(decode=True) == pdf and hashlib.sha256(pdf).hexdigest() == x.pdf_sha256
    assert allegato.get_filename().startswith("REC-2026-")
    oggetto = str(originale["Subject"])
    assert oggetto.startswith("Sollecito di pagamento") or oggetto.startswith("Comunicazione agli eredi")
    with con_sessione(ufficio) as s:
        crediti = [s.get(Credito, v.credito_id) for v in s.get(Lettera, x.id).crediti]
        descrizioni = {c.descrizione for c in crediti if c.descrizione}
    assert descrizioni and not any(d in oggetto for d in descrizioni)


def _busta_nella_casella_del_debitore(u: Ufficio, x: Lettera) -> email.message.EmailMessage:
    import ssl

    u.gestore.attendi_quiete(20)
    cfg = u.carica().config.canali.pec
    contesto = ssl.create_default_context(cafile=cfg.imap.ca_file)
    with IMAPClient("localhost", port=cfg.imap.porta, ssl=True, ssl_context=contesto) as c:
        c.login(x.indirizzo, u.gestore.password_casella(x.indirizzo))
        c.select_folder("INBOX", readonly=True)
        uids = c.search(["HEADER", "X-Riferimento-Message-ID", x.message_id])
        [(_, dati)] = c.fetch(uids, ["BODY.PEEK[]"]).items()
    return email.message_from_bytes(dati[b"BODY[]"], policy=email.policy.default)


def test_errore_temporaneo_ritentato_con_attesa_crescente(ufficio: Ufficio) -> None:
    bersaglio = attive(ufficio, "pec")[0]
    ufficio.gestore.scenario(ufficio.indirizzo(bersaglio), Scenario(smtp_temporanei=2))
    esito = invia(ufficio)
    assert esito.completo
    [x] = ufficio.lettere(id=bersaglio.id)
    assert x.stato == StatoLettera.INVIATA and x.tentativi == 3
    assert ufficio.gestore.conta(x.message_id) == 1
    with con_sessione(ufficio) as s:
        tentativi = list(s.scalars(select(TentativoInvio).where(TentativoInvio.lettera_id == x.id)))
    assert [(t.numero, t.esito, t.codice) for t in tentativi] == [
        (1, "temporaneo", 451),
        (2, "temporaneo", 451),
        (3, "inviata", 250),
    ]


def test_errore_permanente_registrato_con_la_risposta_del_server(ufficio: Ufficio) -> None:
    bersaglio = attive(ufficio, "pec")[1]
    ufficio.gestore.scenario(ufficio.indirizzo(bersaglio), Scenario(smtp_permanente=True))
    esito = invia(ufficio)
    [x] = ufficio.lettere(id=bersaglio.id)
    assert x.stato == StatoLettera.FALLITA and x.tentativi == 1 and x.risposta.startswith("550 5.1.1")
    assert esito.fallite == {x.id: x.risposta} and not esito.completo
    assert ufficio.gestore.conta(x.message_id) == 0
    assert esito.stato == StatoLotto.INVIATA  # a failed letter is settled: the fallback is pianifica's
    assert x.esito == "mancata_consegna" and x.data_invio is not None  # Art. 6 c. 11: the fallback


def test_tentativi_esauriti_la_lettera_fallisce(ufficio: Ufficio) -> None:
    bersaglio = attive(ufficio, "pec")[2]
    ufficio.gestore.scenario(ufficio.indirizzo(bersaglio), Scenario(smtp_temporanei=50))
    esito = invia(ufficio)
    [x] = ufficio.lettere(id=bersaglio.id)
    assert x.stato == StatoLettera.FALLITA and x.tentativi == 3 and x.risposta.startswith("451")
    assert bersaglio.id in esito.fallite


def test_lettera_con_importi_cambiati_trattenuta_e_non_inviata(ufficio: Ufficio) -> None:
    bersaglio = attive(ufficio, "pec")[3]
    with con_sessione(ufficio) as s:
        credito = s.get(Lettera, bersaglio.id).crediti[0].credito_id
        s.add(Pagamento(credito_id=credito, data=adesso().date(), importo=1, riferimento="dopo-approvazione"))
    esito = invia(ufficio)
    assert "importi cambiati dopo l'approvazione" in esito.trattenute[bersaglio.id]
    [x] = ufficio.lettere(id=bersaglio.id)
    assert x.stato == StatoLettera.GENERATA and x.message_id is None
    assert esito.stato == StatoLotto.GENERATA and not esito.completo


def test_pdf_modificato_dopo_la_generazione_trattenuto(ufficio: Ufficio) -> None:
    bersaglio = attive(ufficio, "email")[0]
    pdf = ufficio.carica().outbox / str(ufficio.lotto) / "lettere" / f"{bersaglio.id}.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"%manomesso\n")
    esito = invia(ufficio)
    assert "impronta diversa" in esito.trattenute[bersaglio.id]
    assert ufficio.lettere(id=bersaglio.id)[0].stato == StatoLettera.GENERATA


def test_certificato_non_attendibile_rifiutato_e_nessuna_lettera_toccata(ufficio: Ufficio, tmp_path) -> None:
    altra_ca = crea_certificati(tmp_path / "altra-ca", dominio_provider="altro.test")
    ufficio.modifica_config(
        lambda d: d["canali"]["pec"]["smtp"].__setitem__("ca_file", str(altra_ca.ca_cert))
    )
    esito = invia(ufficio)
    assert "non è attendibile" in esito.canali_non_disponibili["pec"]
    pec = attive(ufficio, "pec")
    assert {x.stato for x in pec} == {StatoLettera.GENERATA} and all(x.message_id is None for x in pec)
    assert {x.stato for x in attive(ufficio, "email")} == {StatoLettera.INVIATA}


def test_password_errata_ferma_il_canale_e_non_compare_da_nessuna_parte(
    ufficio: Ufficio, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sbagliata = "Password-Sbagliata-12345"
    monkeypatch.setenv("CORRISPONDENZA_PROVA_PEC_PASSWORD", sbagliata)
    caplog.set_level(logging.DEBUG)
    esito = invia(ufficio)
    assert "rifiuta utente o password" in esito.canali_non_disponibili["pec"]
    assert "535" in esito.canali_non_disponibili["pec"]
    monkeypatch.setenv("CORRISPONDENZA_PROVA_PEC_PASSWORD", ufficio.password)
    assert invia(ufficio).completo
    with con_sessione(ufficio) as s:
        giornale = [f"{e.perche} {e.dati}" for e in s.scalars(select(Evento))]
        tentativi = [f"{t.risposta} {t.eccezione}" for t in s.scalars(select(TentativoInvio))]
        risposte = [f"{x.risposta}" for x in s.scalars(select(Lettera))]
    testi = "\n".join([caplog.text, *giornale, *tentativi, *risposte, str(esito.come_json())])
    assert "lettera.stato" in "\n".join(e.cosa for e in _eventi(ufficio))
    for segreto in (ufficio.password, sbagliata):
        assert segreto not in testi


def _eventi(u: Ufficio) -> list[Evento]:
    with con_sessione(u) as s:
        return list(s.scalars(select(Evento)))


def test_variabile_della_password_mancante_spiega_quale_impostare(
    ufficio: Ufficio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CORRISPONDENZA_PROVA_PEC_PASSWORD")
    from corrispondenza.errors import ConfigError

    with pytest.raises(ConfigError, match="CORRISPONDENZA_PROVA_PEC_PASSWORD"):
        invia(ufficio)


def test_ritmo_del_gestore_rispettato(ufficio: Ufficio) -> None:
    ufficio.modifica_config(lambda d: d["canali"]["pec"].__setitem__("messaggi_al_minuto", 1200))
    invia(ufficio)
    mids = {x.message_id for x in attive(ufficio, "pec")}
    istanti = sorted(m.quando for m in ufficio.gestore.accettati if m.message_id in mids)
    # each send waits for its slot; the provider's own clock adds jitter to single gaps, not to the total
    assert istanti[-1] - istanti[0] >= timedelta(seconds=0.05) * (len(istanti) - 1) * 0.95


# -- crash safety: letters found in mid-send ----------------------------------------------------


def test_lettera_rimasta_in_invio_ma_accettata_non_si_reinvia(ufficio: Ufficio) -> None:
    invia(ufficio)
    bersaglio = attive(ufficio, "pec")[0]
    _riporta_in_invio(ufficio, bersaglio.id)  # as if killed after the 250, before recording it
    esito = invia(ufficio)
    assert esito.risolte == {bersaglio.id: "accettata"}
    [x] = ufficio.lettere(id=bersaglio.id)
    assert x.stato == StatoLettera.INVIATA and x.riscontro == Riscontro.ACCETTATA
    assert ufficio.gestore.conta(x.message_id) == 1


def test_lettera_rimasta_in_invio_e_mai_presa_si_reinvia_dopo_l_attesa(ufficio: Ufficio) -> None:
    invia(ufficio)
    bersaglio = attive(ufficio, "pec")[0]
    nuovo_mid = bersaglio.message_id.replace("<REC-", "<REC-mai-")
    _riporta_in_invio(ufficio, bersaglio.id, message_id=nuovo_mid)  # killed before the DATA
    esito = invia(ufficio)
    assert esito.risolte == {bersaglio.id: "non_presa"}
    [x] = ufficio.lettere(id=bersaglio.id)
    assert x.stato == StatoLettera.INVIATA and x.message_id == nuovo_mid
    assert ufficio.gestore.conta(nuovo_mid) == 1


def test_lettera_rimasta_in_invio_e_non_accettata_fallisce(ufficio: Ufficio, certificati_sandbox) -> None:
    invia(ufficio)
    bersaglio = attive(ufficio, "pec")[0]
    nuovo_mid = bersaglio.message_id.replace("<REC-", "<REC-rifiutata-")
    _riporta_in_invio(ufficio, bersaglio.id, message_id=nuovo_mid)
    firmatario = Firmatario.da_file(
        certificati_sandbox.firma_cert,
        certificati_sandbox.firma_key,
        gestore="Sandbox",
        dominio="pec.sandbox.test",
    )
    invio = ricevute.Invio(
        ufficio.mittente, ((bersaglio.indirizzo, "certificato"),), "Sollecito", nuovo_mid, "opec.1@x"
    )
    rifiuto = ricevute.non_accettazione(
        firmatario, invio, data=adesso(), errore_esteso="5.3.4 - messaggio troppo grande"
    )
    ufficio.gestore.attendi_quiete(20)
    from corrispondenza.sandbox.dovecot import ServerDovecot  # noqa: F401 - the session's server delivers

    _consegna(ufficio, rifiuto)
    esito = invia(ufficio)
    assert esito.risolte == {bersaglio.id: "non_accettata"}
    [x] = ufficio.lettere(id=bersaglio.id)
    assert x.stato == StatoLettera.FALLITA and x.riscontro == Riscontro.NON_ACCETTATA
    assert ufficio.gestore.conta(nuovo_mid) == 0


def _consegna(u: Ufficio, messaggio: bytes) -> None:
    import smtplib

    porta = u.gestore._caselle._dovecot.porta_lmtp  # the provider's own delivery path
    with smtplib.LMTP("127.0.0.1", porta) as lmtp:
        lmtp.sendmail("", [u.mittente], messaggio)


def _riporta_in_invio(u: Ufficio, lettera_id: int, message_id: str | None = None) -> None:
    """The state a SIGKILL leaves: in_invio, Message-ID stored, attempt started just now."""
    with con_sessione(u) as s:
        x = s.get(Lettera, lettera_id)
        x.stato, x.in_invio_dal = StatoLettera.IN_INVIO, adesso()
        x.message_id = message_id or x.message_id
        s.get(Lotto, u.lotto).stato = StatoLotto.GENERATA


def test_email_in_invio_incerta_non_si_reinvia_senza_decisione(ufficio: Ufficio) -> None:
    invia(ufficio)
    bersaglio = attive(ufficio, "email")[0]
    _riporta_in_invio(ufficio, bersaglio.id)
    esito = invia(ufficio)
    assert "esito incerto" in esito.incerte[bersaglio.id] and not esito.completo
    assert ufficio.gestore.conta(bersaglio.message_id) == 1
    esito = invia(ufficio, ritenta_incerte=True)
    assert esito.completo and ufficio.gestore.conta(bersaglio.message_id) == 2  # the clerk's decision


# -- what the provider does after accepting: each scripted behaviour ----------------------------

SCENARI = {
    "consegnata": (Scenario(), ["accettazione", "avvenuta-consegna"]),
    "casella_inesistente": (Scenario(esito=Esito.CASELLA_INESISTENTE), ["accettazione", "errore-consegna"]),
    "casella_piena": (Scenario(esito=Esito.CASELLA_PIENA), ["accettazione", "errore-consegna"]),
    "rifiutata": (Scenario(esito=Esito.RIFIUTATA), ["accettazione", "errore-consegna"]),
    "ritardata": (Scenario(ritardo=0.3), ["accettazione", "avvenuta-consegna"]),
    "senza_risposta": (
        Scenario(esito=Esito.SENZA_RISPOSTA, ritardo=0.1),
        ["accettazione", "preavviso-errore-consegna", "errore-consegna"],
    ),
    "duplicata": (Scenario(duplicata=True), ["accettazione", "avvenuta-consegna", "avvenuta-consegna"]),
    "consegna_prima": (Scenario(consegna_prima=True), ["avvenuta-consegna", "accettazione"]),
    "esterno": (Scenario(esito=Esito.ESTERNO), ["accettazione"]),
}


@pytest.mark.parametrize("nome", list(SCENARI))
def test_comportamento_del_gestore_dopo_l_accettazione(ufficio: Ufficio, nome: str) -> None:
    scenario, attesi = SCENARI[nome]
    bersaglio = attive(ufficio, "pec")[4]
    ufficio.gestore.scenario(ufficio.indirizzo(bersaglio), scenario)
    assert invia(ufficio).completo
    [x] = ufficio.lettere(id=bersaglio.id)
    assert x.stato == StatoLettera.INVIATA and ufficio.gestore.conta(x.message_id) == 1
    arrivate = tipi_per_mid(_leggi_dopo_quiete(ufficio))[x.message_id]
    # arrival order is the provider's business, except where the scenario is the order itself
    assert arrivate == attesi if nome == "consegna_prima" else sorted(arrivate) == sorted(attesi)
