"""Import of soggetti: debtors, parents, guardians, heirs (Art. 4 c. 4: exact identity and address)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from corrispondenza.dominio.codice_fiscale import data_di_nascita, gia_valido
from corrispondenza.dominio.tipi import TipoSoggetto
from corrispondenza.importa.campi import (
    Riga,
    leggi_cap,
    leggi_codice_fiscale,
    leggi_email,
    leggi_enum,
    leggi_provincia,
)
from corrispondenza.importa.colonnare import SCARTO, Colonne, Record, data_non_futura
from corrispondenza.importa.colonne import COLONNE
from corrispondenza.importa.motore import Contesto
from corrispondenza.importa.piano import unici
from corrispondenza.importa.tabella import ImportatoreTabella, Rettifica
from corrispondenza.store.tabelle import Soggetto

CAMPI = (
    "tipo",
    "cognome",
    "nome",
    "ragione_sociale",
    "data_nascita",
    "indirizzo",
    "cap",
    "comune",
    "provincia",
    "domicilio_indirizzo",
    "domicilio_cap",
    "domicilio_comune",
    "domicilio_provincia",
    "email",
    "pec",
    "deceduto_il",
    "fallito",
    "fallimento_il",
)
_leggi_tipo = leggi_enum(TipoSoggetto)
# Free-text fields and the length of their column: longer is an error (PostgreSQL would refuse it).
_TESTI: dict[str, int] = {
    nome: Soggetto.__table__.c[nome].type.length
    for nome in (
        "cognome",
        "nome",
        "ragione_sociale",
        "indirizzo",
        "comune",
        "domicilio_indirizzo",
        "domicilio_comune",
    )
}


def _leggi_cf(valore: str) -> str:
    """``leggi_codice_fiscale``, with a shortcut for a code already valid as written."""
    return valore if gia_valido(valore) else leggi_codice_fiscale(valore)


class ImportaSoggetti(ImportatoreTabella):
    tipo = "soggetti"
    tabella = Soggetto
    chiave = itemgetter("codice_fiscale")
    confrontati = CAMPI
    origini: ClassVar[dict[str, str]] = {"fallito": "fallimento_il"}
    in_due_processi = True
    rettifica = Rettifica(
        "soggetto.aggiornato", "soggetto", lambda _: "dati anagrafici aggiornati dall'importazione"
    )

    def carica(self, s: Session, ctx: Contesto) -> None:
        colonne = [Soggetto.id, Soggetto.codice_fiscale, *(getattr(Soggetto, c) for c in CAMPI)]
        self.esistenti = {r.codice_fiscale: r._asdict() for r in s.execute(select(*colonne))}

    def valida(self, riga: Riga, ctx: Contesto) -> dict[str, Any] | None:
        cf = riga.campo("codice_fiscale", leggi_codice_fiscale, obbligatorio=True)
        tipo = riga.campo("tipo", _leggi_tipo, obbligatorio=True)
        rec: dict[str, Any] = {"codice_fiscale": cf, "tipo": tipo and tipo.value}
        for nome, massimo in _TESTI.items():
            rec[nome] = riga.testo_libero(nome, massimo)
        rec["data_nascita"] = riga.data_non_futura("data_nascita", ctx.oggi)
        rec["cap"] = riga.campo("cap", leggi_cap)
        rec["provincia"] = riga.campo("provincia", leggi_provincia)
        rec["domicilio_cap"] = riga.campo("domicilio_cap", leggi_cap)
        rec["domicilio_provincia"] = riga.campo("domicilio_provincia", leggi_provincia)
        rec["email"] = riga.campo("email", leggi_email)
        rec["pec"] = riga.campo("pec", leggi_email)
        rec["deceduto_il"] = riga.data_non_futura("deceduto_il", ctx.oggi)
        rec["fallimento_il"] = riga.data_non_futura("fallimento_il", ctx.oggi)
        rec["fallito"] = rec["fallimento_il"] is not None
        if tipo is not None and cf is not None:
            _coerenza(riga, rec, tipo, ctx.oggi)
        return rec

    def valida_colonne(self, righe: list[Riga], ctx: Contesto) -> Record | None:
        """``valida`` column by column for the rows that are certainly valid (``colonnare.py``)."""
        c = Colonne.da(righe, COLONNE["soggetti"])
        if c is None:
            return None
        non_futura = data_non_futura(ctx.oggi)
        cf = c.lette("codice_fiscale", _leggi_cf, obbligatorio=True)
        tipo = c.lette("tipo", _leggi_tipo, obbligatorio=True)
        testi = {nome: c.testo(nome, massimo) for nome, massimo in _TESTI.items()}
        colonne: dict[str, list[Any]] = {
            "codice_fiscale": cf,
            "tipo": [t if t is SCARTO else t.value for t in tipo],
            **testi,
            "data_nascita": c.lette("data_nascita", non_futura),
            "cap": c.lette("cap", leggi_cap),
            "provincia": c.lette("provincia", leggi_provincia),
            "domicilio_cap": c.lette("domicilio_cap", leggi_cap),
            "domicilio_provincia": c.lette("domicilio_provincia", leggi_provincia),
            "email": c.lette("email", leggi_email),
            "pec": c.lette("pec", leggi_email),
            "deceduto_il": c.lette("deceduto_il", non_futura),
            "fallimento_il": c.lette("fallimento_il", non_futura),
        }
        colonne["fallito"] = [f is not None for f in colonne["fallimento_il"]]
        nascite = colonne["data_nascita"] = [
            _nascita_se_coerente(*valori, ctx.oggi)
            for valori in zip(
                tipo,
                cf,
                testi["cognome"],
                testi["nome"],
                testi["ragione_sociale"],
                colonne["data_nascita"],
                colonne["deceduto_il"],
                testi["indirizzo"],
                c.grezza("cap"),
                testi["comune"],
                strict=True,
            )
        ]
        c.segna(n is SCARTO for n in nascite)
        return c.records(tuple(colonne), list(colonne.values()))

    def verifica_insieme(self, validi: list[tuple[Riga, dict[str, Any]]], ctx: Contesto) -> None:
        unici(validi, self.chiave, "codice_fiscale", lambda _: "codice fiscale ripetuto")


def _coerenza(riga: Riga, rec: dict[str, Any], tipo: TipoSoggetto, oggi: date) -> None:
    """Checks across the columns of one row: the right name fields, CF vs birth date, address."""
    cf = rec["codice_fiscale"]
    if tipo is TipoSoggetto.FISICA:
        for nome in ("cognome", "nome"):
            if not rec[nome]:
                riga.errore(nome, "obbligatorio per una persona fisica")
        if len(cf) == 16:
            _data_da_cf(riga, rec, cf, oggi)
    else:
        if not rec["ragione_sociale"]:
            riga.errore("ragione_sociale", "obbligatoria per una persona giuridica")
        if len(cf) == 16 and not rec["ragione_sociale"]:
            riga.errore("codice_fiscale", "una persona giuridica ha un codice fiscale di 11 cifre")
        if rec["deceduto_il"] is not None:
            riga.errore("deceduto_il", "una persona giuridica non può essere deceduta")
    if rec["deceduto_il"] and rec["data_nascita"] and rec["deceduto_il"] < rec["data_nascita"]:
        riga.errore("deceduto_il", "data di decesso precedente alla data di nascita")
    # what was written, not what was valid: a wrong CAP is reported as wrong, not as missing
    compilati = [n for n in ("indirizzo", "cap", "comune") if riga.grezzo(n)]
    if compilati and len(compilati) < 3:
        for nome in ("indirizzo", "cap", "comune"):
            if not riga.grezzo(nome):
                riga.errore(nome, "indirizzo incompleto: servono indirizzo, CAP e comune")


def _nascita_se_coerente(
    tipo: Any,
    cf: Any,
    cognome: str | None,
    nome: str | None,
    ragione_sociale: str | None,
    nascita: Any,
    deceduto: Any,
    indirizzo: str | None,
    cap: str | None,
    comune: str | None,
    oggi: date,
) -> Any:
    """The row's birth date (from the CF when the column is empty) if ``_coerenza`` would find
    nothing to report on these already valid cells; ``SCARTO`` otherwise, or if a cell is."""
    if tipo is SCARTO or cf is SCARTO or nascita is SCARTO or deceduto is SCARTO:
        return SCARTO
    if tipo is TipoSoggetto.FISICA:
        if not cognome or not nome:
            return SCARTO
        if len(cf) == 16:
            codificata = _nascita_codificata(cf[6:11], oggi)
            if nascita is None:
                nascita = codificata
            elif (
                codificata is not None
                and nascita != codificata  # the same day: the common case, at once
                and (nascita.day, nascita.month, nascita.year % 100)
                != (codificata.day, codificata.month, codificata.year % 100)
            ):
                return SCARTO
    elif not ragione_sociale or deceduto is not None:
        return SCARTO
    if deceduto and nascita and deceduto < nascita:
        return SCARTO
    compilati = (indirizzo is not None) + (cap is not None) + (comune is not None)
    if compilati in (1, 2):
        return SCARTO
    return nascita


@lru_cache(maxsize=65536)
def _nascita_codificata(caratteri_data: str, oggi: date) -> date | None:
    """The birth date that the date characters of a code (positions 7 to 11) encode: the
    same few thousand in every export, each worked out once."""
    return data_di_nascita(f"______{caratteri_data}_____", oggi)


def _data_da_cf(riga: Riga, rec: dict[str, Any], cf: str, oggi: date) -> None:
    """The CF encodes the birth date: it must agree with the column, or fills it when empty."""
    dal_cf = data_di_nascita(cf, oggi)
    nascita = rec["data_nascita"]
    if nascita is None:
        rec["data_nascita"] = dal_cf
    elif dal_cf is not None and (nascita.day, nascita.month, nascita.year % 100) != (
        dal_cf.day,
        dal_cf.month,
        dal_cf.year % 100,
    ):
        riga.errore("data_nascita", "non coerente con la data di nascita contenuta nel codice fiscale")
