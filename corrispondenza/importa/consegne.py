"""Import of the returned A/R cards (``corrispondenza consegne``): how a posted letter ended.

Art. 6 c. 10: the delivery of a raccomandata A/R is proven by the signed return card or by
«compiuta giacenza»; its date is the notification date the rules read (15-day term, prescription
interrupted, ruolo three months later). Art. 6 c. 11: a letter that was not delivered leads the
next ``pianifica`` to the address check or to another channel. A PEC letter's delivery comes from
the provider's receipts, never from a card; ordinary mail proves nothing, but a letter that came
back undelivered is worth recording.

A letter is named by its id, by its reference (``REC-AAAA-NNNNNN``) or by the raccomandata
number; given with the letter, the number is recorded on it. A recorded delivery is never
overwritten by a later card: the row is an error, the clerk decides.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corrispondenza.dominio.tipi import Canale, EsitoStorico
from corrispondenza.importa.campi import Riga, leggi_enum, testo
from corrispondenza.importa.lettura import Valore
from corrispondenza.importa.motore import Contesto, Importatore
from corrispondenza.importa.piano import Piano, differenze, per_giornale
from corrispondenza.stato import Riscontro, StatoLettera
from corrispondenza.store.database import a_blocchi
from corrispondenza.store.giornale import registra, registra_riscontro
from corrispondenza.store.tabelle import Lettera, Lotto

_RIFERIMENTO = re.compile(r"^REC-(\d{4})-(\d{6,})$", re.IGNORECASE)
_RACCOMANDATA = re.compile(r"^\d{9,14}$")


class EsitoCartolina(StrEnum):
    """What the card (or the returned envelope) says."""

    CONSEGNATA = "consegnata"
    COMPIUTA_GIACENZA = "compiuta_giacenza"
    NON_CONSEGNATA = "non_consegnata"

    @property
    def consegna(self) -> bool:
        return self is not EsitoCartolina.NON_CONSEGNATA


ESITO_IN_ARCHIVIO: dict[EsitoCartolina, EsitoStorico] = {
    EsitoCartolina.CONSEGNATA: EsitoStorico.CONSEGNATA,
    EsitoCartolina.COMPIUTA_GIACENZA: EsitoStorico.COMPIUTA_GIACENZA,
    EsitoCartolina.NON_CONSEGNATA: EsitoStorico.MANCATA_CONSEGNA,
}
RISCONTRO: dict[EsitoCartolina, Riscontro] = {
    EsitoCartolina.CONSEGNATA: Riscontro.CONSEGNATA,
    EsitoCartolina.COMPIUTA_GIACENZA: Riscontro.CONSEGNATA,
    EsitoCartolina.NON_CONSEGNATA: Riscontro.ERRORE_CONSEGNA,
}
_CANALI_POSTALI = {Canale.RACCOMANDATA_AR.value, Canale.POSTA_ORDINARIA.value}
_CANALE = {Canale.EMAIL.value: "e-mail"}
_leggi_esito_enum = leggi_enum(EsitoCartolina)


def leggi_esito(valore: Valore) -> EsitoCartolina:
    """``consegnata``, ``compiuta_giacenza``, ``non_consegnata``; a space for ``_`` is accepted."""
    return _leggi_esito_enum(re.sub(r"\s+", "_", testo(valore)))


def leggi_raccomandata(valore: Valore) -> str:
    """The postal number: 9 to 14 digits (spaces between groups of digits are dropped)."""
    s = re.sub(r"\s+", "", testo(valore))
    if not _RACCOMANDATA.match(s):
        raise ValueError("numero di raccomandata non valido: attese da 9 a 14 cifre")
    return s


@dataclass(frozen=True)
class LetteraNota:
    id: int
    origine: str
    canale: str
    stato: str | None
    data_invio: date | None
    esito: str | None
    data_consegna: date | None
    numero_raccomandata: str | None
    giorno_lotto: date | None


class ImportaConsegne(Importatore[dict[str, Any]]):
    tipo = "consegne"

    def carica(self, s: Session, ctx: Contesto) -> None:
        query = select(
            Lettera.id,
            Lettera.origine,
            Lettera.canale,
            Lettera.stato,
            Lettera.data_invio,
            Lettera.esito,
            Lettera.data_consegna,
            Lettera.numero_raccomandata,
            Lotto.data,
        ).outerjoin(Lotto, Lotto.id == Lettera.lotto_id)
        self.lettere: dict[int, LetteraNota] = {}
        self.per_numero: dict[str, list[int]] = defaultdict(list)
        for r in s.execute(query):
            lettera = LetteraNota(*r)
            self.lettere[lettera.id] = lettera
            if lettera.numero_raccomandata:
                self.per_numero[lettera.numero_raccomandata].append(lettera.id)

    def valida(self, riga: Riga, ctx: Contesto) -> dict[str, Any] | None:
        lettera = self._lettera(riga)
        numero = riga.campo("raccomandata", leggi_raccomandata)
        colonna = "lettera"
        if lettera is None and numero is not None and not riga.grezzo("lettera"):
            lettera, colonna = self._per_numero(riga, numero), "raccomandata"
        elif lettera is not None and numero is not None:
            self._numero_coerente(riga, lettera, numero)
        elif not riga.grezzo("lettera") and not riga.grezzo("raccomandata"):
            riga.errore(
                "lettera",
                "indicare la lettera (numero o riferimento REC-AAAA-NNNNNN) oppure il numero di raccomandata",
            )
        esito = riga.campo("esito", leggi_esito, obbligatorio=True)
        data = riga.data_non_futura("data", ctx.oggi, obbligatorio=True)
        motivo = riga.testo_libero("motivo", 200)
        if lettera is not None and self._spedita(riga, lettera, colonna):
            _ammessa(riga, lettera, esito, numero, data)
        return {
            "lettera_id": lettera and lettera.id,
            "esito": esito,
            "data": data,
            "motivo": motivo,
            "raccomandata": numero,
        }

    def _lettera(self, riga: Riga) -> LetteraNota | None:
        """The letter named in ``lettera``: its id, or its reference REC-AAAA-NNNNNN."""
        scritto = riga.grezzo("lettera")
        if not scritto:
            return None
        anno = None
        if scritto.isdigit():
            numero = int(scritto)
        elif trovato := _RIFERIMENTO.match(scritto):
            anno, numero = int(trovato.group(1)), int(trovato.group(2))
        else:
            riga.errore(
                "lettera", "atteso il numero della lettera (es. 123) o il suo riferimento (REC-2026-000123)"
            )
            return None
        lettera = self.lettere.get(numero)
        if lettera is None:
            riga.errore("lettera", "lettera non presente in archivio")
            return None
        if anno is not None and (lettera.giorno_lotto is None or lettera.giorno_lotto.year != anno):
            atteso = f"REC-{lettera.giorno_lotto.year}-{lettera.id:06d}" if lettera.giorno_lotto else None
            riga.errore(
                "lettera",
                f"riferimento non corrispondente: la lettera {lettera.id} ha il riferimento {atteso}"
                if atteso
                else f"la lettera {lettera.id} non è di un lotto: non ha un riferimento REC-",
            )
            return None
        return lettera

    def _per_numero(self, riga: Riga, numero: str) -> LetteraNota | None:
        ids = self.per_numero.get(numero, [])
        if not ids:
            riga.errore(
                "raccomandata",
                "nessuna lettera ha questo numero di raccomandata: indicare anche la lettera "
                "(colonna lettera) per registrarlo",
            )
            return None
        if len(ids) > 1:
            riga.errore(
                "raccomandata",
                f"numero registrato su più lettere ({', '.join(map(str, sorted(ids)))}): indicare la lettera",
            )
            return None
        return self.lettere[ids[0]]

    def _numero_coerente(self, riga: Riga, lettera: LetteraNota, numero: str) -> None:
        if lettera.numero_raccomandata and lettera.numero_raccomandata != numero:
            riga.errore(
                "raccomandata",
                f"la lettera {lettera.id} ha già il numero di raccomandata {lettera.numero_raccomandata}",
            )
        altre = [i for i in self.per_numero.get(numero, []) if i != lettera.id]
        if altre:
            riga.errore("raccomandata", f"numero di raccomandata già registrato sulla lettera {altre[0]}")

    def _spedita(self, riga: Riga, lettera: LetteraNota, colonna: str) -> bool:
        """A posted letter of ours that has left: only those have a card (Art. 6 c. 10)."""
        if lettera.canale == Canale.PEC:
            riga.errore(
                colonna,
                f"la lettera {lettera.id} è una PEC: la consegna risulta dalle ricevute del gestore PEC "
                "(ricevuta di avvenuta consegna), non da una cartolina",
            )
            return False
        if lettera.canale not in _CANALI_POSTALI:
            riga.errore(
                colonna,
                f"la lettera {lettera.id} è stata inviata per {_CANALE.get(lettera.canale, lettera.canale)}: "
                "solo raccomandata A/R e posta hanno un ritorno postale",
            )
            return False
        if lettera.origine != "lotto":
            riga.errore(
                colonna,
                f"la lettera {lettera.id} è dello storico: il suo esito si registra con «importa storico»",
            )
            return False
        if lettera.stato != StatoLettera.INVIATA:
            riga.errore(
                colonna,
                f"la lettera {lettera.id} non risulta ancora inviata (stato «{lettera.stato}»): "
                "la cartolina si registra dopo l'invio",
            )
            return False
        return True

    def verifica_insieme(self, validi: list[tuple[Riga, dict[str, Any]]], ctx: Contesto) -> None:
        """The same letter twice must say the same thing; one raccomandata number, one letter."""
        per_lettera: dict[int, list[tuple[Riga, dict[str, Any]]]] = defaultdict(list)
        per_numero: dict[str, tuple[Riga, int]] = {}
        for riga, rec in validi:
            per_lettera[rec["lettera_id"]].append((riga, rec))
            numero = rec["raccomandata"]
            if numero is None:
                continue
            prima = per_numero.setdefault(numero, (riga, rec["lettera_id"]))
            if prima[1] != rec["lettera_id"]:
                riga.errore(
                    "raccomandata",
                    f"stesso numero di raccomandata della riga {prima[0].numero}, ma per un'altra lettera",
                )
        for righe in per_lettera.values():
            prima_riga, primo = righe[0]
            for riga, rec in righe[1:]:
                if (rec["esito"], rec["data"]) != (primo["esito"], primo["data"]):
                    colonna = "esito" if rec["esito"] != primo["esito"] else "data"
                    riga.errore(
                        colonna,
                        f"la stessa lettera compare alla riga {prima_riga.numero} con un esito diverso",
                    )
                    prima_riga.errore(
                        colonna, f"la stessa lettera compare alla riga {riga.numero} con un esito diverso"
                    )
                elif None not in (rec["raccomandata"], primo["raccomandata"]) and (
                    rec["raccomandata"] != primo["raccomandata"]
                ):
                    riga.errore(
                        "raccomandata",
                        f"la stessa lettera compare alla riga {prima_riga.numero} con un altro numero",
                    )

    def pianifica(self, records: list[dict[str, Any]], ctx: Contesto) -> Piano[dict[str, Any]]:
        """One change per letter: a first outcome is new, a stronger one or a new number an update."""
        piano: Piano[dict[str, Any]] = Piano()
        visti: dict[int, dict[str, Any]] = {}
        for rec in records:
            if rec["lettera_id"] in visti:  # the same card twice: agreeing, checked above
                visti[rec["lettera_id"]]["raccomandata"] = (
                    visti[rec["lettera_id"]]["raccomandata"] or rec["raccomandata"]
                )
                piano.invariati += 1
                continue
            visti[rec["lettera_id"]] = dict(rec)
        for rec in visti.values():
            attuale = self.lettere[rec["lettera_id"]]
            esito: EsitoCartolina = rec["esito"]
            nuovo: dict[str, Any] = {"esito": ESITO_IN_ARCHIVIO[esito].value}
            if esito.consegna:
                nuovo["data_consegna"] = rec["data"]
            if rec["raccomandata"]:
                nuovo["numero_raccomandata"] = rec["raccomandata"]
            diff = differenze(
                {
                    "esito": attuale.esito,
                    "data_consegna": attuale.data_consegna,
                    "numero_raccomandata": attuale.numero_raccomandata,
                },
                nuovo,
            )
            rec["campi"], rec["diff"] = nuovo, diff
            if not diff:
                piano.invariati += 1
            elif attuale.esito in _ESITI_DI_UNA_CARTOLINA:
                piano.aggiornati.append((rec, diff))
            else:
                piano.nuovi.append(rec)
        return piano

    def scrivi(self, s: Session, piano: Piano[dict[str, Any]], ctx: Contesto, importazione_id: int) -> None:
        per_id = {rec["lettera_id"]: rec for rec in [*piano.nuovi, *(r for r, _ in piano.aggiornati)]}
        for blocco in a_blocchi(sorted(per_id)):
            for lettera in s.scalars(select(Lettera).where(Lettera.id.in_(blocco)).order_by(Lettera.id)):
                _applica(s, ctx, lettera, per_id[lettera.id], importazione_id)


_ESITI_DI_UNA_CARTOLINA = {v.value for v in ESITO_IN_ARCHIVIO.values()}


def _applica(
    s: Session,
    ctx: Contesto,
    lettera: Lettera,
    rec: dict[str, Any],
    importazione_id: int,
) -> None:
    esito: EsitoCartolina = rec["esito"]
    for campo, valore in rec["campi"].items():
        setattr(lettera, campo, valore)
    data = f"{rec['data']:%d/%m/%Y}"
    perche = {
        EsitoCartolina.CONSEGNATA: f"cartolina A/R firmata: consegnata il {data} (Art. 6 c. 10)",
        EsitoCartolina.COMPIUTA_GIACENZA: f"compiuta giacenza dal {data} (Art. 6 c. 10)",
        EsitoCartolina.NON_CONSEGNATA: f"non consegnata ({rec['motivo'] or 'motivo non indicato'}), "
        f"ritorno del {data}: verificare l'indirizzo o notificare altrimenti (Art. 6 c. 11)",
    }[esito]
    registra(
        s,
        ctx.op,
        cosa="lettera.consegna",
        perche=perche,
        entita="lettera",
        entita_id=lettera.id,
        dati={
            "esito": esito.value,
            "data": rec["data"].isoformat(),
            "motivo": rec["motivo"],
            "raccomandata": rec["raccomandata"],
            "campi": per_giornale(rec["diff"]),
        },
        importazione_id=importazione_id,
    )
    registra_riscontro(s, ctx.op, lettera, RISCONTRO[esito], perche)


def _ammessa(
    riga: Riga,
    lettera: LetteraNota,
    esito: EsitoCartolina | None,
    numero: str | None,
    data: date | None,
) -> None:
    """The card fits the letter: channel, dates, and no contradiction of a recorded delivery."""
    if lettera.canale == Canale.POSTA_ORDINARIA:
        if esito is not None and esito.consegna:
            riga.errore(
                "esito",
                "la posta ordinaria non prova la consegna (Art. 6 c. 10): "
                "si registra solo la lettera tornata indietro (non_consegnata)",
            )
        if numero is not None:
            riga.errore("raccomandata", "la lettera è per posta ordinaria: non ha numero di raccomandata")
    if data is not None and lettera.data_invio is not None and data < lettera.data_invio:
        riga.errore("data", f"data precedente all'invio della lettera ({lettera.data_invio:%d/%m/%Y})")
    if esito is None or data is None or lettera.esito is None:
        return
    registrato = EsitoStorico(lettera.esito)
    if not registrato.notificata:
        return
    if ESITO_IN_ARCHIVIO[esito] != registrato or data != lettera.data_consegna:
        quando = f" il {lettera.data_consegna:%d/%m/%Y}" if lettera.data_consegna else ""
        riga.errore(
            "esito" if ESITO_IN_ARCHIVIO[esito] != registrato else "data",
            f"la lettera {lettera.id} risulta già {registrato.value.replace('_', ' ')}{quando}: "
            "una cartolina successiva non cambia una consegna registrata",
        )
