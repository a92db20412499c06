"""From per-credit decisions to letters: one letter per recipient, kind, struttura and channel.

Art. 6 c. 5 lets the office group credits "in funzione di limiti minimi d'importo": a credit
whose residual alone is under the ruolo minimum (and whose recipient has no PEC) goes out by
raccomandata when it joins another raccomandata to the same recipient, or when the group's
residual reaches the minimum. The postage (Art. 6 c. 9) is charged once per letter.
Deterministic: same decisions in, same letters in the same order out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from corrispondenza.dominio.euro import ZERO
from corrispondenza.dominio.pratica import Persona, Pratica
from corrispondenza.dominio.tipi import Canale, TipoLettera
from corrispondenza.regole.esito import (
    Decisione,
    Esclusione,
    Importi,
    LetteraProposta,
    Motivo,
    Ruolo,
    Segnalazione,
)
from corrispondenza.regole.parametri import Parametri

Chiave = tuple[int, Ruolo, TipoLettera, str, Canale]


@dataclass(frozen=True, slots=True)
class Voce:
    """One credit inside a letter, with its own amounts (the table of credits in the letter)."""

    credito_id: int
    importi: Importi


@dataclass(frozen=True, slots=True)
class LetteraRaggruppata:
    tipo: TipoLettera
    canale: Canale
    destinatario: Persona
    ruolo: Ruolo
    struttura: str
    voci: tuple[Voce, ...]
    spese_invio: Decimal
    motivi: tuple[Motivo, ...]

    @property
    def importi(self) -> Importi:
        somma = _somma(v.importi for v in self.voci)
        return Importi(somma.principale, somma.interessi, somma.spese + self.spese_invio, somma.maggiorazione)

    @property
    def crediti(self) -> tuple[int, ...]:
        return tuple(v.credito_id for v in self.voci)


@dataclass(frozen=True, slots=True)
class Proposte:
    """The planning of a day: letters, credits left out with the reason, reports."""

    lettere: tuple[LetteraRaggruppata, ...]
    esclusi: tuple[tuple[int, Esclusione], ...]
    segnalazioni: tuple[tuple[int, Segnalazione], ...]


def raggruppa(decisioni: Sequence[tuple[Pratica, Decisione]], par: Parametri) -> Proposte:
    gruppi: dict[Chiave, list[tuple[int, LetteraProposta]]] = defaultdict(list)
    candidati: dict[Chiave, list[tuple[int, LetteraProposta]]] = defaultdict(list)
    for pratica, decisione in decisioni:
        for proposta in decisione.lettere:
            gruppi[_chiave(proposta, pratica.struttura)].append((pratica.credito_id, proposta))
        for proposta in decisione.sotto_soglia:
            candidati[_chiave(proposta, pratica.struttura)].append((pratica.credito_id, proposta))
    promossi = _promuovi(gruppi, candidati, par)
    lettere = sorted(
        (_lettera(chiave, voci, par) for chiave, voci in gruppi.items()),
        key=lambda x: (x.struttura, x.tipo, x.destinatario.codice_fiscale, x.canale),
    )
    esclusi = tuple(
        (p.credito_id, d.esclusione)
        for p, d in decisioni
        if d.esclusione is not None and p.credito_id not in promossi
    )
    segnalazioni = tuple((p.credito_id, s) for p, d in decisioni for s in d.segnalazioni)
    return Proposte(tuple(lettere), esclusi, segnalazioni)


def _promuovi(
    gruppi: dict[Chiave, list[tuple[int, LetteraProposta]]],
    candidati: dict[Chiave, list[tuple[int, LetteraProposta]]],
    par: Parametri,
) -> set[int]:
    """Credits under the minimum that join a raccomandata to the same recipient (Art. 6 c. 5)."""
    promossi: set[int] = set()
    for chiave, voci in candidati.items():
        residuo = sum((p.importi.principale for _, p in voci), ZERO)
        gia = sum((p.importi.principale for _, p in gruppi.get(chiave, [])), ZERO)
        if chiave in gruppi or residuo + gia >= par.regole.soglia_ruolo:
            gruppi[chiave].extend(voci)
            promossi.update(c for c, _ in voci)
    return promossi


def _chiave(proposta: LetteraProposta, struttura: str) -> Chiave:
    return (proposta.destinatario.id, proposta.ruolo, proposta.tipo, struttura, proposta.canale)


def _lettera(chiave: Chiave, voci: list[tuple[int, LetteraProposta]], par: Parametri) -> LetteraRaggruppata:
    _, ruolo, tipo, struttura, canale = chiave
    ordinate = voci if len(voci) == 1 else sorted(voci, key=lambda v: v[0])
    motivi = tuple(dict.fromkeys(m for _, p in ordinate for m in p.motivi))
    if len(ordinate) > 1:
        motivi += (Motivo("6.5", f"{len(ordinate)} crediti raggruppati in una sola lettera"),)
    return LetteraRaggruppata(
        tipo=tipo,
        canale=canale,
        destinatario=ordinate[0][1].destinatario,
        ruolo=ruolo,
        struttura=struttura,
        voci=tuple(Voce(c, p.importi) for c, p in ordinate),
        spese_invio=_spese_invio(tipo, canale, par),
        motivi=motivi,
    )


def _spese_invio(tipo: TipoLettera, canale: Canale, par: Parametri) -> Decimal:
    """Art. 6 c. 9: the postage of formal demands is charged; never on the avviso (DESIGN.md)."""
    return ZERO if tipo is TipoLettera.AVVISO else par.spese.per_canale(canale)


def _somma(importi: Iterable[Importi]) -> Importi:
    principale = interessi = spese = maggiorazione = ZERO
    for x in importi:  # the same additions in the same order, without an Importi per step
        principale += x.principale
        interessi += x.interessi
        spese += x.spese
        maggiorazione += x.maggiorazione
    return Importi(principale, interessi, spese, maggiorazione)
