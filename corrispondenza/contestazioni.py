"""The debtor's contestation (Art. 5 c. 6, Art. 6 c. 11): it blocks every step until decided.

Accepted → the credit is written off (stralcio by the Servizio Bilancio); rejected → the
procedure resumes where it was. Both go through the one transition table and the journal.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from corrispondenza.consulta import credito_per_id
from corrispondenza.errors import InputNonValidoError
from corrispondenza.stato import StatoCredito
from corrispondenza.store.giornale import Operazione, cambia_stato


def apri_contestazione(s: Session, op: Operazione, chiave: str, data: date, nota: str) -> str:
    credito = credito_per_id(s, chiave)
    if credito.stato != StatoCredito.APERTO:
        raise InputNonValidoError(
            f"Il credito {credito.struttura}/{credito.id_esterno} è «{credito.stato}»: "
            "si contesta solo un credito aperto.",
            credito=credito.id,
        )
    perche = f"contestazione del {data:%d/%m/%Y}" + (f": {nota}" if nota else "")
    cambia_stato(s, op, credito, StatoCredito.CONTESTATO, perche, data=data.isoformat())
    return f"{credito.struttura}/{credito.id_esterno}"


def esito_contestazione(s: Session, op: Operazione, chiave: str, accolta: bool, data: date, nota: str) -> str:
    credito = credito_per_id(s, chiave)
    if credito.stato != StatoCredito.CONTESTATO:
        raise InputNonValidoError(
            f"Il credito {credito.struttura}/{credito.id_esterno} non ha una contestazione aperta.",
            credito=credito.id,
        )
    esito = "accolta" if accolta else "respinta"
    perche = f"contestazione {esito} il {data:%d/%m/%Y}" + (f": {nota}" if nota else "")
    nuovo = StatoCredito.STRALCIATO if accolta else StatoCredito.APERTO
    cambia_stato(s, op, credito, nuovo, perche, data=data.isoformat(), esito=esito)
    return f"{credito.struttura}/{credito.id_esterno}"
