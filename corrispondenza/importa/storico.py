"""Import of the storico: letters sent before the office adopted the tool.

A migration must start each credit from the right phase (Art. 3) and with the delivery facts
the rules will need (Art. 6 c. 10: only a delivered sollecito interrupts prescription). Rows
sharing ``id_lettera`` are one letter covering several credits; they must agree on the letter.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from corrispondenza.dominio.tipi import Canale, EsitoStorico, TipoCredito, TipoLettera
from corrispondenza.importa.campi import Riga, leggi_codice_fiscale, leggi_enum, leggi_non_negativo
from corrispondenza.importa.motore import Contesto, Importatore
from corrispondenza.importa.piano import Piano, differenze, per_giornale
from corrispondenza.importa.riferimenti import CreditoNoto, IndiceCrediti
from corrispondenza.stato import FASE_DOPO, FaseCredito, fase_successiva
from corrispondenza.store.database import a_blocchi, inserisci
from corrispondenza.store.giornale import avanza_fase, registra
from corrispondenza.store.tabelle import Credito, Lettera, LetteraCredito, Relazione, Soggetto

ORIGINE = "storico"
CAMPI_LETTERA = (
    "tipo",
    "canale",
    "destinatario_id",
    "data_invio",
    "data_consegna",
    "esito",
    "spese",
)
_CANALI_CON_PROVA = {Canale.PEC, Canale.RACCOMANDATA_AR}
_leggi_lettera = leggi_enum(TipoLettera)
_leggi_canale = leggi_enum(Canale)
_leggi_esito = leggi_enum(EsitoStorico)


class ImportaStorico(Importatore[dict[str, Any]]):
    tipo = "storico"

    def carica(self, s: Session, ctx: Contesto) -> None:
        self.crediti = IndiceCrediti(s)
        self.soggetti = dict(s.execute(select(Soggetto.codice_fiscale, Soggetto.id)).all())
        self.deceduti = set(s.scalars(select(Soggetto.id).where(Soggetto.deceduto_il.is_not(None))))
        self.relazioni = {
            tuple(r) for r in s.execute(select(Relazione.soggetto_id, Relazione.collegato_id, Relazione.tipo))
        }
        colonne = (Lettera.id, Lettera.id_esterno, *(getattr(Lettera, c) for c in CAMPI_LETTERA))
        self.esistenti = {
            r.id_esterno: r._asdict() for r in s.execute(select(*colonne).where(Lettera.origine == ORIGINE))
        }
        self.collegamenti: dict[int, set[int]] = defaultdict(set)
        for lettera_id, credito_id in s.execute(select(LetteraCredito.lettera_id, LetteraCredito.credito_id)):
            self.collegamenti[lettera_id].add(credito_id)

    def valida(self, riga: Riga, ctx: Contesto) -> dict[str, Any] | None:
        credito = self.crediti.trova(riga)
        lettera = riga.campo("lettera", _leggi_lettera, obbligatorio=True)
        canale = riga.campo("canale", _leggi_canale, obbligatorio=True)
        esito = riga.campo("esito", _leggi_esito, obbligatorio=True)
        invio = riga.data_non_futura("data_invio", ctx.oggi, obbligatorio=True)
        consegna = riga.data_non_futura("data_consegna", ctx.oggi)
        rec = {
            "credito": credito,
            "tipo": lettera and lettera.value,
            "canale": canale and canale.value,
            "esito": esito and esito.value,
            "data_invio": invio,
            "data_consegna": consegna,
            "spese": riga.campo("spese", leggi_non_negativo) or 0,
            "destinatario_id": self._destinatario(riga, credito, lettera),
        }
        _esito_coerente(riga, canale, esito, invio, consegna)
        if credito is not None and lettera is not None:
            _lettera_ammessa(riga, credito, lettera)
        if (
            credito is not None
            and invio is not None
            and credito.data_documento
            and invio < credito.data_documento
        ):
            riga.errore("data_invio", "lettera inviata prima della data del documento del credito")
        rec["id_esterno"] = riga.testo_libero("id_lettera", 200) or (
            f"{credito.struttura}:{credito.id_esterno}:{rec['tipo']}:{invio}" if credito else None
        )
        return rec

    def _destinatario(
        self, riga: Riga, credito: CreditoNoto | None, lettera: TipoLettera | None
    ) -> int | None:
        """The debtor, or the parent/guardian/heir named in ``destinatario`` (Art. 6 c. 8)."""
        if credito is None:
            return None
        if lettera is TipoLettera.EREDI and credito.soggetto_id not in self.deceduti:
            riga.errore("lettera", "lettera agli eredi per un debitore che non risulta deceduto")
        cf = riga.campo("destinatario", leggi_codice_fiscale)
        if cf is None:
            if lettera is TipoLettera.EREDI and not riga.grezzo("destinatario"):
                riga.errore(
                    "destinatario",
                    "per la lettera agli eredi indicare il codice fiscale dell'erede",
                )
            return credito.soggetto_id
        destinatario = self.soggetti.get(cf)
        if destinatario is None:
            riga.errore("destinatario", "soggetto non presente in archivio: importare prima i soggetti")
        elif destinatario != credito.soggetto_id and not any(
            (credito.soggetto_id, destinatario, t) in self.relazioni for t in ("genitore", "tutore", "erede")
        ):
            riga.errore(
                "destinatario",
                "non risulta genitore, tutore o erede del debitore: importare prima le relazioni",
            )
        return destinatario

    def verifica_insieme(self, validi: list[tuple[Riga, dict[str, Any]]], ctx: Contesto) -> None:
        """Rows of one letter agree on the letter and on its recipient; no credit twice."""
        gruppi: dict[str, list[tuple[Riga, dict[str, Any]]]] = defaultdict(list)
        for riga, rec in validi:
            gruppi[rec["id_esterno"]].append((riga, rec))
        for righe in gruppi.values():
            prima_riga, primo = righe[0]
            visti: set[int] = set()
            for riga, rec in righe:
                if rec["credito"].id in visti:
                    riga.errore(
                        "id_credito",
                        f"credito ripetuto nella stessa lettera (vedi riga {prima_riga.numero})",
                    )
                visti.add(rec["credito"].id)
                for campo in (
                    "tipo",
                    "canale",
                    "data_invio",
                    "data_consegna",
                    "esito",
                    "spese",
                    "destinatario_id",
                ):
                    if rec[campo] != primo[campo]:
                        colonna = {"tipo": "lettera", "destinatario_id": "destinatario"}.get(campo, campo)
                        riga.errore(
                            colonna,
                            f"stessa id_lettera della riga {prima_riga.numero} ma valore diverso",
                        )

    def pianifica(self, records: list[dict[str, Any]], ctx: Contesto) -> Piano[dict[str, Any]]:
        lettere: dict[str, dict[str, Any]] = {}
        for rec in records:
            lettera = lettere.setdefault(
                rec["id_esterno"],
                {
                    **{k: rec[k] for k in CAMPI_LETTERA},
                    "id_esterno": rec["id_esterno"],
                    "crediti": [],
                },
            )
            lettera["crediti"].append(rec["credito"])
        self.campi = self.aggiornabili(CAMPI_LETTERA, {"tipo": "lettera", "destinatario_id": "destinatario"})
        piano: Piano[dict[str, Any]] = Piano()
        for lettera in lettere.values():
            attuale = self.esistenti.get(lettera["id_esterno"])
            if attuale is None:
                piano.nuovi.append(lettera)
                continue
            diff = differenze(attuale, {k: lettera[k] for k in self.campi})
            mancanti = {c.id for c in lettera["crediti"]} - self.collegamenti[attuale["id"]]
            if diff or mancanti:
                piano.aggiornati.append(({**lettera, "id": attuale["id"], "mancanti": mancanti}, diff))
            else:
                piano.invariati += 1
        return piano

    def scrivi(self, s: Session, piano: Piano[dict[str, Any]], ctx: Contesto, importazione_id: int) -> None:
        collegamenti: list[dict[str, int]] = []
        if piano.nuovi:
            righe = [
                {
                    **{k: lettera[k] for k in CAMPI_LETTERA},
                    "id_esterno": lettera["id_esterno"],
                    "origine": ORIGINE,
                    "importazione_id": importazione_id,
                }
                for lettera in piano.nuovi
            ]
            ids = dict(s.execute(insert(Lettera).returning(Lettera.id_esterno, Lettera.id), righe).all())
            for lettera in piano.nuovi:
                collegamenti += [
                    {"lettera_id": ids[lettera["id_esterno"]], "credito_id": c.id} for c in lettera["crediti"]
                ]
        for lettera, diff in piano.aggiornati:
            collegamenti += [
                {"lettera_id": lettera["id"], "credito_id": c} for c in sorted(lettera["mancanti"])
            ]
            registra(
                s,
                ctx.op,
                cosa="lettera.aggiornata",
                perche="esito della lettera aggiornato dallo storico",
                entita="lettera",
                entita_id=lettera["id"],
                dati={"campi": per_giornale(diff)},
                importazione_id=importazione_id,
            )
        if any(diff for _, diff in piano.aggiornati):
            s.execute(
                update(Lettera),
                [
                    {"id": lettera["id"], **{k: lettera[k] for k in self.campi}}
                    for lettera, diff in piano.aggiornati
                    if diff
                ],
            )
        if collegamenti:
            inserisci(s, LetteraCredito, collegamenti)
        _avanza_fasi(s, ctx, [*piano.nuovi, *(lettera for lettera, _ in piano.aggiornati)], importazione_id)


def _avanza_fasi(s: Session, ctx: Contesto, lettere: list[dict[str, Any]], importazione_id: int) -> None:
    """Each credit reaches the phase of the furthest letter it received (Art. 3 c. 1)."""
    fase_per_credito: dict[int, tuple[FaseCredito, dict[str, Any]]] = {}
    for lettera in lettere:
        fase = FASE_DOPO[TipoLettera(lettera["tipo"])]
        for credito in lettera["crediti"]:
            fase_per_credito.setdefault(credito.id, (fase, lettera))
            attuale = fase_per_credito[credito.id][0]
            if fase_successiva(attuale, fase):
                fase_per_credito[credito.id] = (fase, lettera)
    for blocco in a_blocchi(sorted(fase_per_credito)):
        for credito in s.scalars(select(Credito).where(Credito.id.in_(blocco))):
            fase, lettera = fase_per_credito[credito.id]
            avanza_fase(
                s,
                ctx.op,
                credito,
                fase,
                f"{lettera['tipo']} del {lettera['data_invio']:%d/%m/%Y} (storico)",
                importazione_id=importazione_id,
            )


def _esito_coerente(
    riga: Riga, canale: Canale | None, esito: EsitoStorico | None, invio: Any, consegna: Any
) -> None:
    """Art. 6 c. 10: only PEC or raccomandata A/R prove delivery; compiuta giacenza is postal."""
    if esito is None or canale is None:
        return
    if esito.notificata and canale not in _CANALI_CON_PROVA:
        riga.errore(
            "esito",
            f"con il canale {canale} la consegna non è documentabile: usare l'esito «inviata»",
        )
    if esito is EsitoStorico.COMPIUTA_GIACENZA and canale is not Canale.RACCOMANDATA_AR:
        riga.errore("esito", "la compiuta giacenza riguarda solo la raccomandata A/R")
    if esito.notificata and consegna is None and not riga.grezzo("data_consegna"):
        riga.errore(
            "data_consegna",
            "obbligatoria quando la lettera risulta consegnata o in compiuta giacenza",
        )
    if esito in (EsitoStorico.INVIATA, EsitoStorico.IN_ATTESA) and consegna is not None:
        riga.errore("data_consegna", f"con l'esito «{esito}» la data di consegna va lasciata vuota")
    if invio is not None and consegna is not None and consegna < invio:
        riga.errore("data_consegna", "consegna precedente all'invio")


def _lettera_ammessa(riga: Riga, credito: CreditoNoto, lettera: TipoLettera) -> None:
    """Art. 5 c. 3, Art. 6 c. 4: no avviso/sollecito for types e and f; the ordinanza is for e only."""
    tipo = TipoCredito(credito.tipo)
    if lettera is TipoLettera.ORDINANZA_INGIUNZIONE and tipo is not TipoCredito.E:
        riga.errore("lettera", "l'ordinanza-ingiunzione riguarda solo i crediti di tipo e (Art. 3 c. 2)")
    elif lettera in (TipoLettera.AVVISO, TipoLettera.SOLLECITO, TipoLettera.EREDI) and tipo in (
        TipoCredito.E,
        TipoCredito.F,
    ):
        riga.errore(
            "lettera",
            f"per i crediti di tipo {tipo} non si inviano avvisi o solleciti (Art. 5 c. 3, Art. 6 c. 4)",
        )
