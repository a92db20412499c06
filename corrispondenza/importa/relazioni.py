"""Import of relazioni (Art. 6 c. 8): parents and guardians of minors, heirs with their quota."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from operator import itemgetter
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from corrispondenza.dominio.tipi import TipoRelazione
from corrispondenza.importa.campi import Riga, leggi_codice_fiscale, leggi_enum, leggi_quota
from corrispondenza.importa.motore import Contesto
from corrispondenza.importa.piano import unici
from corrispondenza.importa.tabella import ImportatoreTabella, Rettifica
from corrispondenza.store.tabelle import Relazione, Soggetto

_leggi_relazione = leggi_enum(TipoRelazione)


class ImportaRelazioni(ImportatoreTabella):
    tipo = "relazioni"
    tabella = Relazione
    chiave = itemgetter("soggetto_id", "collegato_id", "tipo")
    confrontati = ("quota_numeratore", "quota_denominatore")
    origini: ClassVar[dict[str, str]] = {"quota_numeratore": "quota", "quota_denominatore": "quota"}
    rettifica = Rettifica(
        "relazione.aggiornata",
        "soggetto",
        lambda _: "quota ereditaria aggiornata dall'importazione",
        itemgetter("soggetto_id"),
    )

    def carica(self, s: Session, ctx: Contesto) -> None:
        righe = s.execute(select(Soggetto.codice_fiscale, Soggetto.id, Soggetto.deceduto_il))
        self.soggetti = {cf: (sid, deceduto) for cf, sid, deceduto in righe}
        colonne = (
            Relazione.id,
            Relazione.soggetto_id,
            Relazione.collegato_id,
            Relazione.tipo,
            Relazione.quota_numeratore,
            Relazione.quota_denominatore,
        )
        self.esistenti = {
            (r.soggetto_id, r.collegato_id, r.tipo): r._asdict() for r in s.execute(select(*colonne))
        }
        self.quote_archivio: dict[int, dict[int, Fraction]] = defaultdict(dict)
        for (defunto, erede, tipo), r in self.esistenti.items():
            if tipo == TipoRelazione.EREDE:
                self.quote_archivio[defunto][erede] = Fraction(r["quota_numeratore"], r["quota_denominatore"])

    def valida(self, riga: Riga, ctx: Contesto) -> dict[str, Any] | None:
        debitore = self._soggetto(riga, "codice_fiscale")
        collegato = self._soggetto(riga, "codice_fiscale_collegato")
        relazione = riga.campo("relazione", _leggi_relazione, obbligatorio=True)
        quota = riga.campo("quota", leggi_quota)
        if debitore and collegato and debitore[0] == collegato[0]:
            riga.errore("codice_fiscale_collegato", "un soggetto non può essere collegato a sé stesso")
        if relazione is TipoRelazione.EREDE:
            if quota is None and not riga.grezzo("quota"):
                riga.errore("quota", "la quota è obbligatoria per un erede (es. 1/3)")
            if debitore and debitore[1] is None:
                riga.errore(
                    "codice_fiscale",
                    "il soggetto non risulta deceduto: indicare deceduto_il nei soggetti",
                )
        elif relazione is not None and riga.grezzo("quota"):
            riga.errore("quota", "la quota si indica solo per gli eredi")
        return {
            "soggetto_id": debitore and debitore[0],
            "collegato_id": collegato and collegato[0],
            "tipo": relazione and relazione.value,
            "quota_numeratore": quota.numerator if quota is not None else None,
            "quota_denominatore": quota.denominator if quota is not None else None,
        }

    def _soggetto(self, riga: Riga, colonna: str) -> tuple[int, Any] | None:
        cf = riga.campo(colonna, leggi_codice_fiscale, obbligatorio=True)
        if cf is None:
            return None
        trovato = self.soggetti.get(cf)
        if trovato is None:
            riga.errore(colonna, "soggetto non presente in archivio: importare prima i soggetti")
        return trovato

    def verifica_insieme(self, validi: list[tuple[Riga, dict[str, Any]]], ctx: Contesto) -> None:
        """Duplicates in the file; heirs' quotas of one deceased (file + archive) at most 1."""
        quote: dict[int, dict[int, tuple[Riga, Fraction]]] = defaultdict(dict)
        for riga, rec in unici(
            validi, self.chiave, "codice_fiscale_collegato", lambda _: "relazione ripetuta"
        ):
            if rec["tipo"] == TipoRelazione.EREDE:
                quota = Fraction(rec["quota_numeratore"], rec["quota_denominatore"])
                quote[rec["soggetto_id"]][rec["collegato_id"]] = (riga, quota)
        for defunto, nel_file in quote.items():
            complessive = {
                **self.quote_archivio.get(defunto, {}),
                **{e: q for e, (_, q) in nel_file.items()},
            }
            totale = sum(complessive.values(), Fraction(0))
            if totale > 1:
                for riga, _ in nel_file.values():
                    riga.errore(
                        "quota",
                        f"le quote degli eredi dello stesso defunto sommano a {totale} (più di 1)",
                    )
