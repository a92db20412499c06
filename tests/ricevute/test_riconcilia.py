"""User story (issue 7): ``corrispondenza ricevute`` reads the authority's PEC mailbox, recognises
every receipt, updates each letter, keeps the raw receipt as evidence; the next ``pianifica``
uses the delivery dates. Real sandbox provider, real Dovecot, the product's own sending.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import stat
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select, update

from corrispondenza import lotti
from corrispondenza.canali.coda import invia_lotto
from corrispondenza.orologio import FUSO_ITALIA, in_utc
from corrispondenza.regole.parametri import Parametri
from corrispondenza.ricevute.elaborazione import Elaboratori
from corrispondenza.ricevute.imap import Riconciliatore
from corrispondenza.sandbox import ricevute as fabbrica
from corrispondenza.sandbox.gestore import Esito, Scenario
from corrispondenza.sandbox.smime import Firmatario
from corrispondenza.stato import Riscontro, StatoLettera
from corrispondenza.store.database import apri, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import CartellaImap, Evento, Lettera, LetteraCredito, RicevutaLetta

if TYPE_CHECKING:
    from tests.conftest import Ufficio

pytestmark = pytest.mark.integration


def attive(u: Ufficio, canale: str) -> list[Lettera]:
    return [x for x in u.lettere(canale=canale) if x.stato != StatoLettera.ANNULLATA]


def _con_ca(u: Ufficio, certificati) -> None:
    u.modifica_config(lambda d: d["canali"]["pec"].__setitem__("ca_ricevute", str(certificati.ca_cert)))


def invia_e_leggi(u: Ufficio, **scenari: Scenario):
    """Send the lotto (scenarios by letter index), wait for the provider, reconcile once."""
    pec = attive(u, "pec")
    for indice, scenario in scenari.items():
        u.gestore.scenario(u.indirizzo(pec[int(indice.removeprefix("l"))]), scenario)
    cfg = u.carica()
    engine = apri(cfg.database_url)
    try:
        assert invia_lotto(engine, cfg, u.lotto, Operazione("test")).completo
        u.gestore.attendi_quiete(30)
        return Riconciliatore(engine, u.carica(), Operazione("test")).esegui()
    finally:
        engine.dispose()


def righe(u: Ufficio, tabella, *condizioni):
    engine = apri(u.carica().database_url)
    try:
        with sessione(engine) as s:
            return list(s.scalars(select(tabella).where(*condizioni)))
    finally:
        engine.dispose()


def test_consegna_registrata_con_l_ora_legale_e_la_prova_conservata(
    ufficio: Ufficio, certificati_sandbox
) -> None:
    _con_ca(ufficio, certificati_sandbox)
    esito = invia_e_leggi(ufficio)
    pec = attive(ufficio, "pec")
    assert esito.lette == 2 * len(pec) and not esito.orfane and not esito.illeggibili
    archivio = ufficio.cartella / "ricevute"
    for x in pec:
        assert x.riscontro == Riscontro.CONSEGNATA and x.esito == "consegnata"
        [consegna] = righe(
            ufficio,
            RicevutaLetta,
            RicevutaLetta.lettera_id == x.id,
            RicevutaLetta.tipo == "avvenuta-consegna",
        )
        assert consegna.firma == "valida" and consegna.zona in ("+0100", "+0200")
        assert x.consegnata_il is not None
        assert x.data_consegna == in_utc(consegna.data).astimezone(FUSO_ITALIA).date()  # the Italian day
        file = archivio / consegna.percorso
        assert hashlib.sha256(file.read_bytes()).hexdigest() == consegna.sha256
        assert (
            stat.S_IMODE(file.stat().st_mode) == 0o600 and stat.S_IMODE(file.parent.stat().st_mode) == 0o700
        )
    # the second pass finds nothing new, and nothing is applied twice
    engine = apri(ufficio.carica().database_url)
    di_nuovo = Riconciliatore(engine, ufficio.carica(), Operazione("test")).esegui()
    engine.dispose()
    assert di_nuovo.lette == 0
    eventi = righe(ufficio, Evento, Evento.cosa == "lettera.riscontro")
    applicate = righe(ufficio, RicevutaLetta, RicevutaLetta.effetto == "applicata")
    # accettata then consegnata, once each; an acceptance read after its delivery changes nothing
    assert len(eventi) == len(applicate) and len(pec) < len(applicate) <= 2 * len(pec)


SCENARI = {
    "casella_piena": (Scenario(esito=Esito.CASELLA_PIENA), Riscontro.ERRORE_CONSEGNA, "mancata_consegna"),
    "casella_inesistente": (
        Scenario(esito=Esito.CASELLA_INESISTENTE),
        Riscontro.ERRORE_CONSEGNA,
        "mancata_consegna",
    ),
    "esterno": (Scenario(esito=Esito.ESTERNO), Riscontro.ACCETTATA, "mancata_consegna"),
    "duplicata": (Scenario(duplicata=True), Riscontro.CONSEGNATA, "consegnata"),
    "consegna_prima": (Scenario(consegna_prima=True), Riscontro.CONSEGNATA, "consegnata"),
    "senza_risposta": (
        Scenario(esito=Esito.SENZA_RISPOSTA, ritardo=0.1),
        Riscontro.ERRORE_CONSEGNA,
        "mancata_consegna",
    ),
}


@pytest.mark.parametrize("nome", list(SCENARI))
def test_ogni_esito_del_gestore_arriva_alla_lettera(ufficio: Ufficio, nome: str) -> None:
    scenario, riscontro, esito_lettera = SCENARI[nome]
    esito = invia_e_leggi(ufficio, l0=scenario)
    [x] = ufficio.lettere(id=attive(ufficio, "pec")[0].id)
    assert x.riscontro == riscontro and x.esito == esito_lettera
    if nome == "duplicata":
        assert esito.effetti["duplicata"] == 1
    if esito_lettera == "mancata_consegna" and nome != "esterno":
        assert x.risposta and x.risposta[:5] in ("5.2.2", "5.1.1", "5.4.1")


def test_letti_dai_processi_di_lettura_ogni_esito_arriva_lo_stesso(
    ufficio: Ufficio, certificati_sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backlog read by reader processes (ricevute/elaborazione.py), batch after batch, ends as
    when it is read here: each outcome on its letter, every signature checked, once."""
    _con_ca(ufficio, certificati_sandbox)
    ufficio.modifica_config(
        lambda d: d.setdefault("ricevute", {}).update(messaggi_per_lotto=2, processi=2, soglia_processi=1)
    )
    avvia = Elaboratori.__init__

    def con_i_lettori_pronti(self: Elaboratori, *argomenti, **opzioni) -> None:
        avvia(self, *argomenti, **opzioni)
        limite = time.monotonic() + 30
        while not all(x.pronto for x in self._processi) and time.monotonic() < limite:
            time.sleep(0.02)

    monkeypatch.setattr(Elaboratori, "__init__", con_i_lettori_pronti)
    nomi = ["casella_piena", "esterno", "duplicata", "consegna_prima"]
    esito = invia_e_leggi(ufficio, **{f"l{i}": SCENARI[nome][0] for i, nome in enumerate(nomi)})
    pec = attive(ufficio, "pec")
    assert esito.lette_altrove == esito.lette >= 2 * len(pec) > 2 * len(nomi)
    assert not esito.orfane and not esito.illeggibili and esito.effetti["duplicata"] == 1
    for i, x in enumerate(pec):
        _, riscontro, esito_lettera = (
            SCENARI[nomi[i]] if i < len(nomi) else (None, Riscontro.CONSEGNATA, "consegnata")
        )
        assert (x.riscontro, x.esito) == (riscontro, esito_lettera), i
    assert {r.firma for r in righe(ufficio, RicevutaLetta)} == {"valida"}


def test_il_contenuto_delle_ricevute_non_arriva_ai_log(
    ufficio: Ufficio, caplog: pytest.LogCaptureFixture
) -> None:
    """No health data in logs (DESIGN.md, Security): with every logger at DEBUG, nothing of the
    fetched receipts (their headers, their attachments) is written to a log record, as imapclient
    would by default through imaplib's debug output."""
    caplog.set_level(logging.DEBUG)
    esito = invia_e_leggi(ufficio)
    assert esito.lette >= 2 * len(attive(ufficio, "pec")) > 0
    testi = [r.getMessage() for r in caplog.records]
    assert any("cartella INBOX" in t for t in testi)  # the reconciler's own records are there
    for segno in ("X-Ricevuta", "daticert", "pkcs7-signature", "postacert"):
        assert not [t for t in testi if segno in t], segno


def test_la_pianificazione_usa_consegne_e_mancate_consegne(ufficio: Ufficio) -> None:
    invia_e_leggi(ufficio, l0=Scenario(esito=Esito.CASELLA_INESISTENTE))
    pec = attive(ufficio, "pec")
    crediti = {
        x.id: {v.credito_id for v in righe(ufficio, LetteraCredito, LetteraCredito.lettera_id == x.id)}
        for x in pec
    }
    fallita = pec[0]
    consegnata = next(x for x in pec[1:] if x.tipo == "sollecito" and not crediti[x.id] & crediti[fallita.id])
    cfg = ufficio.carica()
    engine = apri(cfg.database_url)
    try:
        with sessione(engine) as s:
            proposte = lotti.pianifica(
                s, Operazione("test"), date.today(), Parametri.da_config(cfg.config)
            ).proposte
    finally:
        engine.dispose()
    nuove = [x for x in proposte.lettere if crediti[fallita.id] & {v.credito_id for v in x.voci}]
    # Art. 6 c. 11: the PEC was not delivered, the raccomandata A/R follows at once
    assert nuove and all(x.canale == "raccomandata_ar" for x in nuove)
    motivi = [e.motivo for c, e in proposte.esclusi if c in crediti[consegnata.id]]
    dal = consegnata.data_consegna
    atteso = date(dal.year + (dal.month + 2) // 12, (dal.month + 2) % 12 + 1, dal.day)
    assert motivi and all(f"{atteso:%d/%m/%Y}" in m for m in motivi), motivi  # Art. 8 c. 5: ruolo 3 months on


def _firmatario(certificati) -> Firmatario:
    return Firmatario.da_file(
        certificati.firma_cert,
        certificati.firma_key,
        gestore="Sandbox PEC S.p.A.",
        dominio="pec.sandbox.test",
    )


def _consegna_lmtp(u: Ufficio, messaggio: bytes) -> None:
    porta = u.gestore._caselle._dovecot.porta_lmtp  # the provider's own delivery path
    with smtplib.LMTP("127.0.0.1", porta) as lmtp:
        lmtp.sendmail("", [u.mittente], messaggio)


def test_ricevuta_senza_lettera_conservata_come_orfana_e_busta_ignorata(
    ufficio: Ufficio, certificati_sandbox
) -> None:
    invio = fabbrica.Invio(
        ufficio.mittente, (("x@pec.altro.example.it", "certificato"),), "Altro", "<ignota@x>", "opec.9@x"
    )
    firmatario = _firmatario(certificati_sandbox)
    _consegna_lmtp(ufficio, fabbrica.accettazione(firmatario, invio, data=_ora()))
    originale = b"From: a@b.it\r\nTo: c@d.it\r\nSubject: s\r\nMessage-ID: <o@b.it>\r\n\r\ntesto\r\n"
    _consegna_lmtp(ufficio, fabbrica.busta_di_trasporto(firmatario, invio, originale, data=_ora()))
    esito = invia_e_leggi(ufficio)
    assert len(esito.orfane) == 1 and "<ignota@x>" in esito.orfane[0]
    assert len(esito.ignorate) == 1
    [orfana] = righe(ufficio, RicevutaLetta, RicevutaLetta.effetto == "orfana")
    assert orfana.lettera_id is None and (ufficio.cartella / "ricevute" / orfana.percorso).is_file()


def _ora():
    from corrispondenza.orologio import adesso

    return adesso()


def test_uidvalidity_cambiato_rilettura_completa_senza_doppioni(ufficio: Ufficio) -> None:
    invia_e_leggi(ufficio)
    prima = len(righe(ufficio, RicevutaLetta))
    engine = apri(ufficio.carica().database_url)
    with sessione(engine) as s:
        s.execute(update(CartellaImap).values(uidvalidity=CartellaImap.uidvalidity + 1))
    esito = Riconciliatore(engine, ufficio.carica(), Operazione("test")).esegui()
    with sessione(engine) as s:
        dopo = s.scalar(select(func.count()).select_from(RicevutaLetta))
    engine.dispose()
    assert esito.riletture == ["INBOX"] and esito.effetti == {"duplicata": prima} and dopo == prima


def test_dopo_la_lettura_le_ricevute_si_spostano(ufficio: Ufficio) -> None:
    ufficio.modifica_config(lambda d: d.setdefault("ricevute", {}).__setitem__("dopo_lettura", "sposta"))
    invia_e_leggi(ufficio)
    import ssl

    from imapclient import IMAPClient

    cfg = ufficio.carica().config.canali.pec
    with IMAPClient(
        "localhost", port=cfg.imap.porta, ssl_context=ssl.create_default_context(cafile=cfg.imap.ca_file)
    ) as c:
        c.login(ufficio.mittente, ufficio.password)
        assert c.select_folder("INBOX")[b"EXISTS"] == 0
        assert c.select_folder("Ricevute elaborate")[b"EXISTS"] == 2 * len(attive(ufficio, "pec"))


def test_data_legale_non_l_ora_di_arrivo(ufficio: Ufficio) -> None:
    invia_e_leggi(ufficio)
    for r in righe(ufficio, RicevutaLetta, RicevutaLetta.tipo == "avvenuta-consegna"):
        assert r.data is not None and abs(
            r.data.replace(tzinfo=None) - r.letta_il.replace(tzinfo=None)
        ) < timedelta(minutes=5)


def test_stato_mostra_le_ricevute_con_ora_legale_e_prova(ufficio: Ufficio, cli) -> None:
    import json

    invia_e_leggi(ufficio, l1=Scenario(esito=Esito.CASELLA_PIENA))
    x = attive(ufficio, "pec")[0]
    [credito] = righe(ufficio, LetteraCredito, LetteraCredito.lettera_id == x.id)[:1]
    engine = apri(ufficio.carica().database_url)
    with sessione(engine) as s:
        from corrispondenza.store.tabelle import Credito, Soggetto

        cf = s.get(Soggetto, s.get(Credito, credito.credito_id).soggetto_id).codice_fiscale
    engine.dispose()
    codice, uscita, _ = cli("--config", str(ufficio.config), "stato", cf, "--json")
    assert codice == 0
    lettere = [lt for c in json.loads(uscita)["crediti"] for lt in c["lettere"] if lt["id"] == x.id]
    ricevute = lettere[0]["ricevute"]
    assert [r["tipo"] for r in ricevute] == ["accettazione", "avvenuta-consegna"]
    assert ricevute[1]["data"][-6:] in ("+01:00", "+02:00") and ricevute[1]["prova"].endswith(".eml")
    assert Path(ricevute[1]["prova"]).is_file()  # the full path of the evidence file
    assert lettere[0]["riscontro"] == "consegnata"
    codice, uscita, _ = cli("--config", str(ufficio.config), "stato", "--riepilogo", "--json")
    riepilogo = json.loads(uscita)["lettere"]
    assert riepilogo["per_esito"]["consegnata"] == len(attive(ufficio, "pec")) - 1
    assert riepilogo["per_esito"]["mancata_consegna"] == 1
    codice, uscita, _ = cli("--config", str(ufficio.config), "stato", "--riepilogo")
    assert "Esito delle inviate" in uscita


def test_ricevuta_con_firma_alterata_conservata_ma_non_applicata(
    ufficio: Ufficio, certificati_sandbox
) -> None:
    _con_ca(ufficio, certificati_sandbox)
    invia_e_leggi(ufficio, l0=Scenario(esito=Esito.CASELLA_INESISTENTE))  # not delivered, for real
    x = attive(ufficio, "pec")[0]
    invio = fabbrica.Invio(
        ufficio.mittente, ((x.indirizzo, "certificato"),), "Sollecito", x.message_id, "opec.f@x"
    )
    falsa = fabbrica.avvenuta_consegna(
        _firmatario(certificati_sandbox),
        invio,
        destinatario=x.indirizzo,
        data=_ora(),
        originale=b"Subject: x\r\n\r\nx\r\n",
        tipo_ricevuta="sintetica",
        difetto=fabbrica.Difetto.FIRMA_NON_VALIDA,
    )
    _consegna_lmtp(ufficio, falsa)
    engine = apri(ufficio.carica().database_url)
    esito = Riconciliatore(engine, ufficio.carica(), Operazione("test")).esegui()
    engine.dispose()
    assert esito.effetti["firma_non_valida"] == 1 and len(esito.illeggibili) == 1
    [dopo] = ufficio.lettere(id=x.id)
    # a forged delivery would outrank the real error: it must change nothing
    assert dopo.riscontro == Riscontro.ERRORE_CONSEGNA and dopo.data_consegna is None
    [r] = righe(ufficio, RicevutaLetta, RicevutaLetta.effetto == "firma_non_valida")
    assert r.firma == "non_valida" and (ufficio.cartella / "ricevute" / r.percorso).is_file()
