"""Posta: the letters go to the postal service in the print bundles ``genera`` wrote.

``invia`` records the handing over: each posta letter becomes ``inviata`` with the bundle it
is in (``stampa/posta_ordinaria.pdf``, ``stampa/raccomandata_ar.pdf``) and today's date.
Delivery is proven later by the returned A/R cards (``consegne``), not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine, select

from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.dominio.tipi import Canale
from corrispondenza.orologio import adesso, oggi
from corrispondenza.stato import StatoLettera
from corrispondenza.store.database import sessione
from corrispondenza.store.giornale import Operazione, lettera_partita
from corrispondenza.store.tabelle import Lettera

if TYPE_CHECKING:
    from corrispondenza.canali.coda import EsitoInvio

CANALI_POSTALI = (Canale.POSTA_ORDINARIA, Canale.RACCOMANDATA_AR)


def consegna_alle_poste(
    engine: Engine, cfg: ConfigCaricata, lotto_id: int, op: Operazione, esito: EsitoInvio
) -> None:
    """Mark the generated posta letters as handed over with their bundle, in one transaction."""
    stampa = cfg.outbox / str(lotto_id) / "stampa"
    ora, giorno = adesso(), oggi()
    with sessione(engine) as s:
        query = select(Lettera).where(
            Lettera.lotto_id == lotto_id,
            Lettera.canale.in_([c.value for c in CANALI_POSTALI]),
            Lettera.stato == StatoLettera.GENERATA,
        )
        for x in s.scalars(query.order_by(Lettera.id)):
            if x.id in esito.trattenute:
                continue
            fascicolo = stampa / f"{x.canale}.pdf"
            if not fascicolo.is_file():
                esito.trattenute[x.id] = f"fascicolo di stampa mancante ({fascicolo}): rieseguire genera"
                continue
            x.fascicolo = str(fascicolo.relative_to(cfg.outbox))
            x.inviata_il, x.data_invio = ora, giorno
            lettera_partita(s, op, x, f"consegnata alle poste con il fascicolo {x.fascicolo}")
            esito.inviate[x.canale] += 1
