"""Import of crediti (Art. 2): one row per credit, identified by struttura + id_credito.

A new credit starts ``aperto`` in the phase ``rilevazione`` (Art. 3 c. 1 a). Corrections of
an existing credit (amount, dates) are applied and journaled field by field; the state and
phase are never set by this import.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from operator import itemgetter
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from corrispondenza.dominio.euro import formatta_euro
from corrispondenza.dominio.tipi import TipoCredito
from corrispondenza.importa.campi import (
    Riga,
    leggi_codice_fiscale,
    leggi_data,
    leggi_enum,
    leggi_positivo,
)
from corrispondenza.importa.colonnare import SCARTO, Colonne, Record, data_non_futura, importo_positivo
from corrispondenza.importa.colonne import COLONNE
from corrispondenza.importa.motore import Contesto
from corrispondenza.importa.piano import Piano, unici
from corrispondenza.importa.tabella import ImportatoreTabella, Rettifica
from corrispondenza.stato import FaseCredito, StatoCredito
from corrispondenza.store.database import righe_dal_driver
from corrispondenza.store.saldi import riallinea_stati, totali_pagati
from corrispondenza.store.tabelle import Credito

CAMPI = (
    "tipo",
    "soggetto_id",
    "numero_documento",
    "data_documento",
    "data_prestazione",
    "scadenza",
    "importo",
    "descrizione",
)
_leggi_tipo = leggi_enum(TipoCredito)
SCADENZA_MASSIMA = timedelta(days=5 * 366)
_CHIAVI = ("id_esterno", "struttura", *CAMPI)


class ImportaCrediti(ImportatoreTabella):
    tipo = "crediti"
    tabella = Credito
    chiave = itemgetter("struttura", "id_esterno")
    confrontati = CAMPI
    origini: ClassVar[dict[str, str]] = {"soggetto_id": "codice_fiscale"}
    in_due_processi = True
    rettifica = Rettifica(
        "credito.rettificato", "credito", lambda _: "dati del credito rettificati dall'importazione"
    )

    def carica(self, s: Session, ctx: Contesto) -> None:
        self.soggetti = dict(righe_dal_driver(s, "SELECT codice_fiscale, id FROM soggetti"))
        colonne = [
            Credito.id,
            Credito.struttura,
            Credito.id_esterno,
            *(getattr(Credito, c) for c in CAMPI),
        ]
        self.esistenti = {(r.struttura, r.id_esterno): r._asdict() for r in s.execute(select(*colonne))}
        self.pagato = totali_pagati(s)

    def valida(self, riga: Riga, ctx: Contesto) -> dict[str, Any] | None:
        id_esterno = riga.grezzo("id_credito")
        if not id_esterno:
            riga.errore("id_credito", "valore obbligatorio mancante")
        elif len(id_esterno) > 50:
            riga.errore("id_credito", "identificativo troppo lungo (massimo 50 caratteri)")
        tipo = riga.campo("tipo", _leggi_tipo, obbligatorio=True)
        struttura = riga.grezzo("struttura").upper()
        if not struttura:
            riga.errore("struttura", "valore obbligatorio mancante")
        elif struttura not in ctx.strutture:
            riga.errore(
                "struttura",
                f"struttura sconosciuta: quelle in config.yaml sono {', '.join(sorted(ctx.strutture))}",
            )
        soggetto_id = self._soggetto(riga)
        importo = riga.campo("importo", leggi_positivo, obbligatorio=True)
        rec = {
            "id_esterno": id_esterno,
            "struttura": struttura,
            "tipo": tipo and tipo.value,
            "soggetto_id": soggetto_id,
            "numero_documento": riga.testo_libero("numero_documento", 50),
            "data_documento": riga.data_non_futura("data_documento", ctx.oggi),
            "data_prestazione": riga.data_non_futura("data_prestazione", ctx.oggi),
            "scadenza": riga.campo("scadenza", leggi_data),
            "importo": importo,
            "descrizione": riga.grezzo("descrizione") or None,
        }
        _date_coerenti(riga, rec, ctx.oggi)
        if rec["descrizione"] and len(rec["descrizione"]) > 200:
            riga.errore("descrizione", "descrizione troppo lunga (massimo 200 caratteri)")
        return rec

    def valida_colonne(self, righe: list[Riga], ctx: Contesto) -> Record | None:
        """``valida`` column by column for the rows that are certainly valid (``colonnare.py``)."""
        c = Colonne.da(righe, COLONNE["crediti"])
        if c is None:
            return None
        id_esterno = c.grezza("id_credito")
        c.segna(v is None or len(v) > 50 for v in id_esterno)
        documento = c.lette("data_documento", data_non_futura(ctx.oggi))
        prestazione = c.lette("data_prestazione", data_non_futura(ctx.oggi))
        scadenza = c.lette("scadenza", leggi_data)
        limite = ctx.oggi + SCADENZA_MASSIMA
        c.segna(map(partial(_date_dubbie, limite=limite), documento, prestazione, scadenza))

        def struttura(s: str) -> str:
            if s.upper() not in ctx.strutture:
                raise ValueError(s)
            return s.upper()

        colonne = [
            id_esterno,
            c.lette("struttura", struttura, obbligatorio=True),
            c.lette("tipo", lambda v: _leggi_tipo(v).value, obbligatorio=True),
            c.cercate("codice_fiscale", str.upper, self.soggetti),  # not found: ``_soggetto`` decides
            c.testo("numero_documento", 50),
            documento,
            prestazione,
            scadenza,
            c.lette("importo", importo_positivo, obbligatorio=True),
            c.testo("descrizione", 200),
        ]
        return c.records(_CHIAVI, colonne)

    def _soggetto(self, riga: Riga) -> int | None:
        """The debtor's id; a code already in the archive was validated when it was imported."""
        soggetto_id = self.soggetti.get(riga.grezzo("codice_fiscale").upper())
        if soggetto_id is not None:
            return soggetto_id
        cf = riga.campo("codice_fiscale", leggi_codice_fiscale, obbligatorio=True)
        if cf is None:
            return None
        soggetto_id = self.soggetti.get(cf)
        if soggetto_id is None:
            riga.errore("codice_fiscale", "soggetto non presente in archivio: importare prima i soggetti")
        return soggetto_id

    def verifica_insieme(self, validi: list[tuple[Riga, dict[str, Any]]], ctx: Contesto) -> None:
        """Ids repeated in the file; an amount corrected below what was already paid."""
        unici_nel_file = unici(
            validi,
            self.chiave,
            "id_credito",
            lambda k: f"id_credito ripetuto per la struttura {k[0]}",
        )
        if not self.pagato:  # no payments in the archive: no amount can fall below them
            return
        for riga, rec in unici_nel_file:
            pagato = self.pagato.get(self.esistenti.get((rec["struttura"], rec["id_esterno"]), {}).get("id"))
            if pagato is not None and rec["importo"] < pagato:
                riga.errore(
                    "importo",
                    f"importo inferiore ai pagamenti già registrati per il credito ({formatta_euro(pagato)})",
                )

    def costanti(self, importazione_id: int) -> dict[str, Any]:
        """Art. 3 c. 1 a: a new credit is open, at the detection of the arrears."""
        return {
            "stato": StatoCredito.APERTO.value,
            "fase": FaseCredito.RILEVAZIONE.value,
            "importazione_id": importazione_id,
        }

    def dopo(self, s: Session, piano: Piano[dict[str, Any]], ctx: Contesto, importazione_id: int) -> None:
        rettificati = [rec["id"] for rec, diff in piano.aggiornati if "importo" in diff]
        riallinea_stati(s, ctx.op, rettificati, importazione_id)


def _date_dubbie(documento: Any, prestazione: Any, scadenza: Any, limite: date) -> bool:
    """What ``_date_coerenti`` would report, on dates already read (a ``SCARTO`` is marked already)."""
    if documento is None and prestazione is None:
        return True
    if scadenza is None or SCARTO in (documento, prestazione, scadenza):
        return False
    inizio = documento or prestazione
    return scadenza > limite or (inizio is not None and scadenza < inizio)


def _date_coerenti(riga: Riga, rec: dict[str, Any], oggi: date) -> None:
    """Art. 4 c. 2 needs a document or a fact to count from; a due date must follow the document."""
    documento, prestazione, scadenza = (
        rec["data_documento"],
        rec["data_prestazione"],
        rec["scadenza"],
    )
    if not riga.grezzo("data_documento") and not riga.grezzo("data_prestazione"):
        riga.errore(
            "data_documento",
            "serve la data del documento o, in mancanza, della prestazione (Art. 4 c. 2)",
        )
    if scadenza is not None:
        inizio = documento or prestazione
        if inizio is not None and scadenza < inizio:
            riga.errore("scadenza", "scadenza precedente alla data del documento")
        elif scadenza > oggi + SCADENZA_MASSIMA:
            riga.errore("scadenza", "scadenza non plausibile: oltre 5 anni da oggi")
