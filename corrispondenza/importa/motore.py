"""The import procedure shared by every kind: read, map columns, validate all, then write.

Nothing is written until every row has been checked; with errors the transaction is not
even opened for writing unless the user asked for the valid rows only (``--solo-validi``).
An import that would change nothing writes nothing, not even its own record, so importing the
same file twice leaves the database byte-for-byte as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from corrispondenza.errors import DatiNonValidiError, Problema
from corrispondenza.importa.campi import Riga
from corrispondenza.importa.colonne import COLONNE, OBBLIGATORIE
from corrispondenza.importa.lettura import CsvGrande, Tabella, Valore, leggi_tabella
from corrispondenza.importa.piano import Piano
from corrispondenza.massivo import senza_raccolta_ciclica
from corrispondenza.store.blocchi import NomeBlocco, prendi
from corrispondenza.store.database import sessione
from corrispondenza.store.giornale import Operazione, registra
from corrispondenza.store.tabelle import Importazione

R = TypeVar("R")


@dataclass
class EsitoImportazione:
    tipo: str
    file: str
    nuovi: int = 0
    aggiornati: int = 0
    invariati: int = 0
    scartati: int = 0
    errori: list[Problema] = field(default_factory=list)
    scritto: bool = False
    importazione_id: int | None = None

    @property
    def validi(self) -> int:
        """Rows that passed validation, whether or not they changed anything."""
        return self.nuovi + self.aggiornati + self.invariati

    def come_json(self) -> dict[str, Any]:
        """The stable ``--json`` shape documented in the README."""
        return {
            "nuovi": self.nuovi,
            "aggiornati": self.aggiornati,
            "invariati": self.invariati,
            "scartati": self.scartati,
            "errori": [
                {"riga": p.riga, "colonna": p.colonna, "valore": p.valore, "motivo": p.motivo}
                for p in self.errori
            ],
        }


@dataclass(frozen=True)
class Contesto:
    """What validation may look at besides the row: the date, the offices, the operator."""

    oggi: date
    strutture: frozenset[str]
    op: Operazione


class Importatore(Generic[R]):
    """Template of an import kind; subclasses implement the four steps for their records."""

    tipo: ClassVar[str]

    def carica(self, s: Session, ctx: Contesto) -> None:
        """Load from the store what validation and planning need (one query per table)."""

    def valida(self, riga: Riga, ctx: Contesto) -> R | None:
        raise NotImplementedError

    def valida_colonne(self, righe: list[Riga], ctx: Contesto) -> Sequence[R | None] | None:
        """Optional fast path (``colonnare.py``): per row, its record if the row is certainly
        valid, else ``None`` and ``valida`` sees it; ``None`` altogether if it does not apply.
        It reports nothing: every problem comes from ``valida``."""
        return None

    def verifica_insieme(self, validi: list[tuple[Riga, R]], ctx: Contesto) -> None:
        """Checks across rows (duplicates, sums); problems are added to the rows concerned."""

    presenti: frozenset[str] = frozenset()
    """The standard columns the file has: a column left out of a file changes nothing stored."""

    def pianifica(self, records: list[R], ctx: Contesto) -> Piano[R]:
        raise NotImplementedError

    def aggiornabili(
        self, campi: tuple[str, ...], origini: Mapping[str, str] | None = None
    ) -> tuple[str, ...]:
        """The fields an update may touch: those whose column (``origini``, else same name) is in the file."""
        origini = origini or {}
        return tuple(c for c in campi if origini.get(c, c) in self.presenti)

    def scrivi(self, s: Session, piano: Piano[R], ctx: Contesto, importazione_id: int) -> None:
        raise NotImplementedError


def importa_file(
    importatore: Importatore[Any],
    percorso: Path,
    *,
    engine: Engine,
    ctx: Contesto,
    mappa_colonne: Mapping[str, str] | None = None,
    solo_validi: bool = False,
) -> EsitoImportazione:
    """Import one file; returns the outcome, with ``scritto`` False when nothing was written."""
    with senza_raccolta_ciclica():
        return _importa(importatore, percorso, engine, ctx, mappa_colonne or {}, solo_validi)


def _importa(
    importatore: Importatore[Any],
    percorso: Path,
    engine: Engine,
    ctx: Contesto,
    mappa_colonne: Mapping[str, str],
    solo_validi: bool,
) -> EsitoImportazione:
    from corrispondenza.importa import flusso  # which builds on this module

    grandi = flusso.RIGHE_MINIME if flusso.puo(importatore) else None
    tabella = leggi_tabella(percorso, grande_a_parti=grandi)
    intestazione = mappa_intestazione(tabella, importatore.tipo, mappa_colonne)
    with sessione(engine) as s:
        prendi(s, NomeBlocco.IMPORTA)  # a second import at the same time waits, then finds the data
        importatore.carica(s, ctx)
        if flusso.applicabile(importatore, tabella):
            importatore.presenti = frozenset(intestazione.nomi)
            esito = flusso.importa(s, importatore, tabella, intestazione, percorso, ctx)
            if esito is not None:
                return esito
            # something other than a clean pass (a doubtful row, a repeated key): the whole
            # file again the ordinary way, which reports it exactly as it always has
        righe, formule = costruisci_righe(tabella, tabella.righe, intestazione)
        importatore.presenti = frozenset(righe[0].colonne) if righe else frozenset()
        esito = EsitoImportazione(tipo=importatore.tipo, file=tabella.nome_file)
        validi = _valida_tutte(importatore, righe, ctx)
        esito.errori = sorted(
            formule + [p for r in righe for p in r.problemi],
            key=lambda p: (p.riga or 0, p.colonna or ""),
        )
        esito.scartati = len({p.riga for p in esito.errori})
        if esito.errori and not solo_validi:
            return esito
        piano = importatore.pianifica([rec for riga, rec in validi if riga.valida], ctx)
        esito.nuovi, esito.aggiornati = len(piano.nuovi), len(piano.aggiornati)
        esito.invariati = piano.invariati
        if piano.vuoto:
            return esito
        registro = crea_importazione(s, percorso, esito.tipo, ctx.op)
        esito.importazione_id = completa_importazione(s, registro, esito, ctx.op)
        importatore.scrivi(s, piano, ctx, esito.importazione_id)
        esito.scritto = True
    return esito


@dataclass(frozen=True)
class Intestazione:
    """Where each standard column is in the file's rows, and its name as written there."""

    indici: dict[str, int]
    nomi: dict[str, str]


def mappa_intestazione(tabella: Tabella | CsvGrande, tipo: str, mappa: Mapping[str, str]) -> Intestazione:
    """Match the header to the standard columns; missing required columns stop the import."""
    nel_file = {nome.casefold(): i for i, nome in enumerate(tabella.intestazione) if nome}
    problemi: list[Problema] = []
    piegati = [n.casefold() for n in tabella.intestazione]  # matching ignores case: so does this
    doppie = {n for n, c in zip(tabella.intestazione, piegati, strict=True) if n and piegati.count(c) > 1}
    for nome in sorted(doppie):
        problemi.append(
            Problema("colonna ripetuta nell'intestazione", file=tabella.nome_file, riga=1, colonna=nome)
        )
    indici: dict[str, int] = {}
    nomi: dict[str, str] = {}
    for standard in COLONNE[tipo]:
        nome = mappa.get(standard, standard)
        if nome.casefold() in nel_file:
            indici[standard] = nel_file[nome.casefold()]
            nomi[standard] = nome
        elif standard in OBBLIGATORIE[tipo]:
            problemi.append(_colonna_mancante(tabella, nome))
    if not problemi and tabella.vuota:
        problemi.append(
            Problema(
                "il file contiene solo l'intestazione: nessuna riga di dati",
                file=tabella.nome_file,
                riga=1,
            )
        )
    if problemi:
        raise DatiNonValidiError(f"Il file {tabella.nome_file} non può essere importato:", problemi)
    return Intestazione(indici, nomi)


def costruisci_righe(
    tabella: Tabella | CsvGrande, righe_file: Sequence[tuple[int, list[Valore]]], intestazione: Intestazione
) -> tuple[list[Riga], list[Problema]]:
    """The rows to validate, of all the file or a part of it.

    Rows with a formula in a column that is imported are left out, with one problem per cell;
    a formula in a column the import ignores does not matter.
    """
    indici, nomi = intestazione.indici, intestazione.nomi
    righe: list[Riga] = []
    formule: list[Problema] = []
    for numero, valori in righe_file:
        if tabella.formule:
            nella_riga = [
                _formula(tabella, numero, nomi[k], tabella.formule[(numero, i)])
                for k, i in indici.items()
                if (numero, i) in tabella.formule
            ]
            if nella_riga:
                formule += nella_riga
                continue
        righe.append(Riga(tabella.nome_file, numero, valori, indici, nomi))
    return righe, formule


def _formula(tabella: Tabella | CsvGrande, numero: int, colonna: str, testo: str) -> Problema:
    return Problema(
        "la cella contiene una formula: salvare il foglio con i soli valori "
        "(Incolla speciale → Valori) e riprovare",
        file=tabella.nome_file,
        riga=numero,
        colonna=colonna,
        valore=testo,
    )


def _colonna_mancante(tabella: Tabella | CsvGrande, nome: str) -> Problema:
    motivo = "colonna obbligatoria mancante"
    if len(tabella.intestazione) == 1 and tabella.separatore:
        motivo += "; l'intestazione è una sola colonna: il separatore non è riconosciuto (usare ; oppure ,)"
    return Problema(motivo, file=tabella.nome_file, riga=1, colonna=nome)


def _valida_tutte(importatore: Importatore[R], righe: list[Riga], ctx: Contesto) -> list[tuple[Riga, R]]:
    validi = valida_righe(importatore, righe, ctx)
    importatore.verifica_insieme(validi, ctx)
    return validi


def valida_righe(
    importatore: Importatore[R],
    righe: list[Riga],
    ctx: Contesto,
    veloci: Sequence[R | None] | None = None,
) -> list[tuple[Riga, R]]:
    """Each row on its own (the checks across rows are ``verifica_insieme``'s); ``veloci`` is
    what ``valida_colonne`` gave, if the caller asked it already."""
    validi: list[tuple[Riga, R]] = []
    if veloci is None:
        veloci = importatore.valida_colonne(righe, ctx)
    if not veloci:
        veloci = [None] * len(righe)
    for riga, record in zip(righe, veloci, strict=True):
        if record is None:
            record = importatore.valida(riga, ctx)
        if record is not None and riga.valida:
            validi.append((riga, record))
    return validi


def crea_importazione(
    s: Session, percorso: Path, tipo: str, op: Operazione, *, sha256: str | None = None
) -> Importazione:
    """The import's own record (who imported which file, when); its counts come at the end."""
    record = Importazione(
        tipo=tipo,
        file=percorso.name,
        sha256=sha256 or hashlib.sha256(percorso.read_bytes()).hexdigest(),
        quando=op.quando,
        operatore=op.operatore,
        nuovi=0,
        aggiornati=0,
        invariati=0,
        scartati=0,
    )
    s.add(record)
    s.flush()
    return record


def completa_importazione(s: Session, record: Importazione, esito: EsitoImportazione, op: Operazione) -> int:
    """The counts of the import on its record, and its journal event."""
    record.nuovi, record.aggiornati = esito.nuovi, esito.aggiornati
    record.invariati, record.scartati = esito.invariati, esito.scartati
    s.flush()
    registra(
        s,
        op,
        cosa="importazione",
        perche=f"importazione {esito.tipo} dal file {record.file}",
        entita="importazione",
        entita_id=record.id,
        dati={
            "nuovi": esito.nuovi,
            "aggiornati": esito.aggiornati,
            "scartati": esito.scartati,
            "sha256": record.sha256,
        },
        importazione_id=record.id,
    )
    return record.id
