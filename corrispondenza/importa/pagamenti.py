"""Import of pagamenti: partial or total payments (Art. 6 c. 3: the sollecito asks the residual).

A payment is identified by its reference (receipt, pagoPA IUV, bank CRO), so the same export
imported twice registers nothing twice. When payments cover the whole amount the credit
becomes ``pagato``; a corrected payment can reopen it. After an executive ruolo no payment is
accepted (Art. 8 c. 9).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from corrispondenza.dominio.euro import formatta_euro
from corrispondenza.importa.campi import Riga, leggi_positivo
from corrispondenza.importa.motore import Contesto, Importatore, Piano, differenze, per_giornale
from corrispondenza.importa.riferimenti import IndiceCrediti
from corrispondenza.stato import StatoCredito
from corrispondenza.store.database import a_blocchi, inserisci
from corrispondenza.store.giornale import cambia_stato, registra
from corrispondenza.store.tabelle import Credito, Pagamento

_CHIUSI = {
    StatoCredito.A_RUOLO.value: "credito iscritto a ruolo: dall'esecutività non si incassano pagamenti (Art. 8 c. 9)",
    StatoCredito.STRALCIATO.value: "credito stralciato: non si registrano pagamenti",
}


class ImportaPagamenti(Importatore[dict[str, Any]]):
    tipo = "pagamenti"

    def carica(self, s: Session, ctx: Contesto) -> None:
        self.crediti = IndiceCrediti(s)
        colonne = (
            Pagamento.id,
            Pagamento.credito_id,
            Pagamento.riferimento,
            Pagamento.data,
            Pagamento.importo,
        )
        self.esistenti = {(r.credito_id, r.riferimento): r._asdict() for r in s.execute(select(*colonne))}

    def valida(self, riga: Riga, ctx: Contesto) -> dict[str, Any] | None:
        credito = self.crediti.trova(riga)
        data = riga.data_non_futura("data", ctx.oggi, obbligatorio=True)
        importo = riga.campo("importo", leggi_positivo, obbligatorio=True)
        riferimento = riga.grezzo("riferimento")
        if not riferimento:
            riga.errore(
                "riferimento",
                "valore obbligatorio mancante: identifica il pagamento ed evita doppie registrazioni",
            )
        elif len(riferimento) > 100:
            riga.errore("riferimento", "riferimento troppo lungo (massimo 100 caratteri)")
        if credito is not None and credito.stato in _CHIUSI:
            riga.errore("id_credito", _CHIUSI[credito.stato])
        return {
            "credito_id": credito and credito.id,
            "data": data,
            "importo": importo,
            "riferimento": riferimento,
        }

    def verifica_insieme(self, validi: list[tuple[Riga, dict[str, Any]]], ctx: Contesto) -> None:
        """No reference twice for a credit; payments never above the credit's amount."""
        prima: dict[tuple[int, str], Riga] = {}
        per_credito: dict[int, dict[str, tuple[Riga, Decimal]]] = defaultdict(dict)
        for riga, rec in validi:
            chiave = (rec["credito_id"], rec["riferimento"])
            if chiave in prima:
                riga.errore(
                    "riferimento",
                    f"pagamento ripetuto: stesso riferimento alla riga {prima[chiave].numero}",
                )
                continue
            prima[chiave] = riga
            per_credito[rec["credito_id"]][rec["riferimento"]] = (riga, rec["importo"])
        archivio: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for (credito_id, riferimento), r in self.esistenti.items():
            if credito_id in per_credito:
                archivio[credito_id][riferimento] = r["importo"]
        for credito_id, nel_file in per_credito.items():
            pagato = sum(
                {**archivio[credito_id], **{k: v for k, (_, v) in nel_file.items()}}.values(),
                Decimal(0),
            )
            importo = self.crediti.per_pk[credito_id].importo
            if pagato > importo:
                for riga, _ in nel_file.values():
                    riga.errore(
                        "importo",
                        f"i pagamenti del credito ({formatta_euro(pagato)}) superano l'importo dovuto ({formatta_euro(importo)})",
                    )

    def pianifica(self, records: list[dict[str, Any]], ctx: Contesto) -> Piano[dict[str, Any]]:
        piano: Piano[dict[str, Any]] = Piano()
        for rec in records:
            attuale = self.esistenti.get((rec["credito_id"], rec["riferimento"]))
            if attuale is None:
                piano.nuovi.append(rec)
                continue
            diff = differenze(attuale, {"data": rec["data"], "importo": rec["importo"]})
            if diff:
                piano.aggiornati.append(({**rec, "id": attuale["id"]}, diff))
            else:
                piano.invariati += 1
        return piano

    def scrivi(self, s: Session, piano: Piano[dict[str, Any]], ctx: Contesto, importazione_id: int) -> None:
        if piano.nuovi:
            inserisci(s, Pagamento, piano.nuovi, {"importazione_id": importazione_id})
        if piano.aggiornati:
            s.execute(update(Pagamento), [r for r, _ in piano.aggiornati])
        for rec in piano.nuovi:
            registra(
                s,
                ctx.op,
                cosa="pagamento.registrato",
                perche=f"pagamento {rec['riferimento']} importato",
                entita="credito",
                entita_id=rec["credito_id"],
                dati={
                    "data": rec["data"].isoformat(),
                    "importo": str(rec["importo"]),
                    "riferimento": rec["riferimento"],
                },
                importazione_id=importazione_id,
            )
        for rec, diff in piano.aggiornati:
            registra(
                s,
                ctx.op,
                cosa="pagamento.rettificato",
                perche=f"pagamento {rec['riferimento']} rettificato",
                entita="credito",
                entita_id=rec["credito_id"],
                dati={"campi": per_giornale(diff)},
                importazione_id=importazione_id,
            )
        toccati = {r["credito_id"] for r in piano.nuovi} | {r["credito_id"] for r, _ in piano.aggiornati}
        _aggiorna_stati(s, ctx, toccati)


def _aggiorna_stati(s: Session, ctx: Contesto, crediti: set[int]) -> None:
    """Paid in full → pagato; a corrected payment leaving a residual → aperto again."""
    s.flush()
    pagato: dict[int, Decimal] = defaultdict(Decimal)
    for blocco in a_blocchi(sorted(crediti)):
        query = select(Pagamento.credito_id, Pagamento.importo).where(Pagamento.credito_id.in_(blocco))
        for credito_id, importo in s.execute(query):
            pagato[credito_id] += importo
    for blocco in a_blocchi(sorted(crediti)):
        for credito in s.scalars(select(Credito).where(Credito.id.in_(blocco))):
            _aggiorna_stato(s, ctx, credito, credito.importo - pagato[credito.id])


def _aggiorna_stato(s: Session, ctx: Contesto, credito: Credito, residuo: Decimal) -> None:
    if residuo == 0 and credito.stato == StatoCredito.APERTO:
        cambia_stato(s, ctx.op, credito, StatoCredito.PAGATO, "pagamenti pari all'importo dovuto")
    elif residuo > 0 and credito.stato == StatoCredito.PAGATO:
        cambia_stato(
            s,
            ctx.op,
            credito,
            StatoCredito.APERTO,
            f"pagamenti rettificati: residuo {formatta_euro(residuo)}",
        )
