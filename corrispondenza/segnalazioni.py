"""The lists for the other offices (DESIGN.md, "Who uses it"): CSV, XLSX or JSON.

Servizio Bilancio: stralcio proposals and the credits that go to the ruolo directly;
Servizio Legale: open credits of bankrupt debtors (insinuazione al passivo). Each row carries
the codice fiscale and every amount broken down. Files are created 0600: health data.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corrispondenza.config.schema import Destinatari
from corrispondenza.consulta import nominativo
from corrispondenza.dominio.euro import in_json
from corrispondenza.errors import NonTrovatoError
from corrispondenza.lotti import trova_lotto
from corrispondenza.riservato import apri_riservato
from corrispondenza.stato import StatoLotto
from corrispondenza.store.tabelle import Credito, Lotto, Segnalazione, Soggetto

COLONNE = (
    "ufficio",
    "lotto",
    "data",
    "tipo",
    "articolo",
    "struttura",
    "id_credito",
    "codice_fiscale",
    "debitore",
    "codice_fiscale_destinatario",
    "principale",
    "interessi",
    "spese",
    "maggiorazione",
    "totale",
    "motivo",
)
IMPORTI = ("principale", "interessi", "spese", "maggiorazione", "totale")


def elenco(s: Session, lotto_id: int | None, tipo: str | None, uffici: Destinatari) -> list[dict[str, Any]]:
    """The reports of a lotto (the latest not cancelled, by default), optionally of one kind.

    ``ufficio`` says who acts on each row (config ``ente.destinatari_segnalazioni``): stralci and
    the ruolo to Bilancio, bankruptcies to Legale, the rest to the credit's own struttura.
    """
    if lotto_id is None:
        lotto_id = s.scalar(select(func.max(Lotto.id)).where(Lotto.stato != StatoLotto.ANNULLATA))
        if lotto_id is None:
            raise NonTrovatoError("Nessun lotto: eseguire prima «corrispondenza pianifica».")
    lotto = trova_lotto(s, lotto_id)
    query = (
        select(Segnalazione, Credito, Soggetto)
        .join(Credito, Credito.id == Segnalazione.credito_id)
        .join(Soggetto, Soggetto.id == Credito.soggetto_id)
        .where(Segnalazione.lotto_id == lotto_id)
        .order_by(Segnalazione.tipo, Credito.struttura, Credito.id_esterno)
    )
    if tipo is not None:
        query = query.where(Segnalazione.tipo == tipo)
    destinatari = dict(s.execute(select(Soggetto.id, Soggetto.codice_fiscale)).all())
    per_tipo = {"stralcio": uffici.stralcio, "fallimento": uffici.fallimento, "ruolo_diretto": uffici.ruolo}
    return [
        {"ufficio": per_tipo.get(x.tipo, c.struttura), **_riga(lotto, x, c, d, destinatari)}
        for x, c, d in s.execute(query)
    ]


def _riga(
    lotto: Lotto, x: Segnalazione, c: Credito, debitore: Soggetto, cf: dict[int, str]
) -> dict[str, Any]:
    valori = [x.principale, x.interessi, x.spese, x.maggiorazione]
    totale = sum((v for v in valori if v is not None), Decimal("0.00")) if x.principale is not None else None
    return {
        "lotto": lotto.id,
        "data": lotto.data.isoformat(),
        "tipo": x.tipo,
        "articolo": x.articolo,
        "struttura": c.struttura,
        "id_credito": c.id_esterno,
        "codice_fiscale": debitore.codice_fiscale,
        "debitore": nominativo(debitore),
        "codice_fiscale_destinatario": cf.get(x.destinatario_id) if x.destinatario_id else None,
        **dict(zip(IMPORTI, [*valori, totale], strict=True)),
        "motivo": x.motivo,
    }


def scrivi(righe: list[dict[str, Any]], formato: str, uscita: Path | None) -> None:
    if formato == "xlsx" and uscita is not None:
        _xlsx(righe, uscita)
        return
    testo = _json(righe) if formato == "json" else _csv(righe)
    if uscita is None:
        sys.stdout.write(testo)
        return
    descrittore = apri_riservato(uscita)
    with open(descrittore, "w", encoding="utf-8", newline="") as file:
        file.write(testo)


def _csv(righe: list[dict[str, Any]]) -> str:
    """Italian CSV: ``;`` and comma decimals, as Excel in Italy opens it."""
    buffer = io.StringIO()
    scrittore = csv.writer(buffer, delimiter=";", lineterminator="\n")
    scrittore.writerow(COLONNE)
    for riga in righe:
        scrittore.writerow([_cella_csv(riga[c]) for c in COLONNE])
    return buffer.getvalue()


def _cella_csv(valore: Any) -> str:
    if valore is None:
        return ""
    if isinstance(valore, Decimal):
        return in_json(valore).replace(".", ",")
    return str(valore)


def _json(righe: list[dict[str, Any]]) -> str:
    pulite = [{k: in_json(v) if isinstance(v, Decimal) else v for k, v in r.items()} for r in righe]
    return json.dumps(pulite, ensure_ascii=False, indent=2) + "\n"


def _xlsx(righe: list[dict[str, Any]], uscita: Path) -> None:
    from openpyxl import Workbook

    libro = Workbook()
    foglio = libro.active
    foglio.title = "segnalazioni"
    foglio.append(list(COLONNE))
    for riga in righe:
        foglio.append([riga[c] for c in COLONNE])
    for colonna in range(COLONNE.index("principale") + 1, COLONNE.index("totale") + 2):
        for (cella,) in foglio.iter_rows(min_row=2, min_col=colonna, max_col=colonna):
            cella.number_format = "#,##0.00"
    os.close(apri_riservato(uscita))
    libro.save(uscita)
