"""What has been paid on each credit, and the paid state that follows from it (Art. 6 c. 3).

A credit is ``pagato`` exactly when its payments equal its amount; a payment or an amount
corrected afterwards can reopen it. Both the payments import and the credits import (an
amount corrected upwards) end here, so the rule lives in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corrispondenza.dominio.euro import formatta_euro
from corrispondenza.stato import StatoCredito
from corrispondenza.store.database import a_blocchi
from corrispondenza.store.giornale import Operazione, cambia_stato
from corrispondenza.store.tabelle import Credito, Pagamento


def totali_pagati(s: Session, crediti: Iterable[int] | None = None) -> dict[int, Decimal]:
    """Sum of the recorded payments by credit id (credits without payments are absent)."""
    query = select(Pagamento.credito_id, func.sum(Pagamento.importo)).group_by(Pagamento.credito_id)
    if crediti is None:
        return dict(s.execute(query).all())
    totali: dict[int, Decimal] = {}
    for blocco in a_blocchi(sorted(crediti)):
        totali.update(s.execute(query.where(Pagamento.credito_id.in_(blocco))).all())
    return totali


def riallinea_stati(s: Session, op: Operazione, crediti: Iterable[int], importazione_id: int | None) -> None:
    """Paid in full → ``pagato``; a residual on a credit believed paid → ``aperto`` again."""
    s.flush()
    ids = sorted(set(crediti))
    pagato = totali_pagati(s, ids)
    for blocco in a_blocchi(ids):
        for credito in s.scalars(select(Credito).where(Credito.id.in_(blocco))):
            residuo = credito.importo - pagato.get(credito.id, Decimal(0))
            if residuo == 0 and credito.stato == StatoCredito.APERTO:
                motivo = "pagamenti pari all'importo dovuto"
                cambia_stato(s, op, credito, StatoCredito.PAGATO, motivo, importazione_id=importazione_id)
            elif residuo > 0 and credito.stato == StatoCredito.PAGATO:
                motivo = f"rettifica: residuo {formatta_euro(residuo)}"
                cambia_stato(s, op, credito, StatoCredito.APERTO, motivo, importazione_id=importazione_id)
