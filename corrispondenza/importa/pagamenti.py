"""Import of pagamenti: partial or total payments (Art. 6 c. 3: the sollecito asks the residual).

A payment is identified by its reference (receipt, pagoPA IUV, bank CRO), so the same export
imported twice registers nothing twice. When payments cover the whole amount the credit
becomes ``pagato``; a corrected payment can reopen it. After an executive ruolo no payment is
accepted (Art. 8 c. 9).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corrispondenza.dominio.euro import formatta_euro
from corrispondenza.importa.campi import Riga, leggi_positivo
from corrispondenza.importa.motore import Contesto
from corrispondenza.importa.piano import Piano, unici
from corrispondenza.importa.riferimenti import IndiceCrediti
from corrispondenza.importa.tabella import ImportatoreTabella, Rettifica
from corrispondenza.stato import StatoCredito
from corrispondenza.store.giornale import registra
from corrispondenza.store.saldi import riallinea_stati
from corrispondenza.store.tabelle import Pagamento

_CHIUSI = {
    StatoCredito.A_RUOLO.value: (
        "credito iscritto a ruolo: dall'esecutività non si incassano pagamenti (Art. 8 c. 9)"
    ),
    StatoCredito.STRALCIATO.value: "credito stralciato: non si registrano pagamenti",
}


class ImportaPagamenti(ImportatoreTabella):
    tipo = "pagamenti"
    tabella = Pagamento
    chiave = itemgetter("credito_id", "riferimento")
    confrontati = ("data", "importo")
    rettifica = Rettifica(
        "pagamento.rettificato",
        "credito",
        lambda rec: f"pagamento {rec['riferimento']} rettificato",
        itemgetter("credito_id"),
    )

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
        per_credito: dict[int, dict[str, tuple[Riga, Decimal]]] = defaultdict(dict)
        for riga, rec in unici(
            validi, self.chiave, "riferimento", lambda _: "pagamento ripetuto (stesso riferimento)"
        ):
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
                        f"i pagamenti del credito ({formatta_euro(pagato)}) superano "
                        f"l'importo dovuto ({formatta_euro(importo)})",
                    )

    def dopo(self, s: Session, piano: Piano[dict[str, Any]], ctx: Contesto, importazione_id: int) -> None:
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
        toccati = {r["credito_id"] for r in piano.nuovi} | {r["credito_id"] for r, _ in piano.aggiornati}
        riallinea_stati(s, ctx.op, toccati, importazione_id)
