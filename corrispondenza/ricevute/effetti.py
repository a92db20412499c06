"""What a receipt does to its letter (issue 7, Effects), each receipt exactly once.

A receipt is matched to our letter by daticert ``msgid`` first, then the
``X-Riferimento-Message-ID`` header, then the provider's ``identificativo`` learned from the
acceptance (RICEVUTE.md, "Matching"). Its effect follows the precedence of ``stato.Riscontro``,
never the arrival order: a late acceptance cannot undo a delivery, a preavviso is only a
warning, an error after a delivery changes nothing.

- accettazione: the provider took it; the identificativo is learned. If daticert lists our
  recipient as ``esterno`` (not a PEC mailbox) no delivery receipt will ever come: the
  sollecito is *not* a notification (RICEVUTE.md), so the letter counts as not delivered and
  the next ``pianifica`` proposes the raccomandata (Art. 6 c. 11).
- avvenuta-consegna (for our recipient): delivered; the legal time of daticert (giorno, ora,
  zona) is the notification date: the 15-day term of the sollecito runs from it (Art. 6 c. 7),
  prescription is interrupted on it (Art. 1 c. 3) and the ruolo is possible three months later
  (Art. 8 c. 5). The rules read it as ``esito``/``data_consegna`` of the letter.
- non-accettazione, errore-consegna, rilevazione-virus, a preavviso led by 5.4.1: not
  delivered, with the error code; the fallback comes with the next ``pianifica``.
- preavviso (not final): recorded as a warning only.

A receipt whose signature does not verify against the configured authorities (altered after
signing) is kept and listed for a person, never applied: it proves nothing. One that cannot be
verified (no authorities configured) is applied, and its verdict recorded.

Receipts that match no letter are kept as orphans, transport envelopes and other mail are
kept and listed but never applied (RICEVUTE.md: anything with ``X-Trasporto`` is not a receipt).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from corrispondenza.dominio.tipi import EsitoStorico
from corrispondenza.orologio import adesso, in_utc
from corrispondenza.ricevute.parser import Classe, Firma, Ricevuta, TipoRicevuta
from corrispondenza.ricevute.prove import Prova
from corrispondenza.stato import Riscontro
from corrispondenza.store.database import inserisci_colonne, processore, righe_dal_driver, segnaposto
from corrispondenza.store.giornale import Operazione, in_blocco, registra, registra_riscontro
from corrispondenza.store.tabelle import Lettera, RicevutaLetta


class Effetto:
    """What became of a receipt (``ricevute.effetto``)."""

    APPLICATA = "applicata"
    SENZA_EFFETTO = "senza_effetto"  # weaker than what is known (monotonic), or presa in carico
    ORFANA = "orfana"
    IGNORATA = "ignorata"  # a transport envelope, other mail
    ILLEGGIBILE = "illeggibile"
    DUPLICATA = "duplicata"  # not stored again: the identity was already applied
    FIRMA_NON_VALIDA = "firma_non_valida"  # kept for a person: an altered receipt proves nothing


@dataclass(frozen=True)
class Letta:
    """One fetched message: parsed, its evidence already on disk, where it was read."""

    ricevuta: Ricevuta
    prova: Prova
    casella: str
    cartella: str
    uidvalidity: int | None
    uid: int | None


def applica(s: Session, op: Operazione, lette: Sequence[Letta]) -> list[str]:
    """Apply a batch in the caller's transaction; return each message's effect, in order.

    The batch's ``ricevute`` rows and journal events are written with one driver-level insert
    each (``inserisci_colonne``, ``giornale.in_blocco``), not as ORM objects: nothing reads them
    back in this transaction, and building and flushing an object per receipt and per event
    cost as much as all the rest of the batch. The reads and the letters' updates go to the
    driver too (``_Sql``): SQLAlchemy's statement handling cost more than the database's work.
    """
    sql = _Sql.per(s)
    identita = [_identita(x) for x in lette]
    gia = sql.gia_lette(s, identita)
    lettere = _lettere_per(s, sql, [x.ricevuta for x in lette])
    letta_il = adesso()
    effetti, righe = [], []
    with in_blocco(s):  # one insert for the batch's events, as for its receipts
        for x, chi in zip(lette, identita, strict=True):
            if chi in gia:
                effetti.append(Effetto.DUPLICATA)
                continue
            gia.add(chi)
            lettera = _abbina(x.ricevuta, lettere)
            effetto = _effetto(s, op, x.ricevuta, lettera)
            if lettera is not None:
                lettere.impara(lettera)  # later receipts of the batch may name only the identificativo
            righe.append(_riga(x, chi, lettera, effetto))
            effetti.append(effetto)
    lettere.scrivi(s, sql)
    inserisci_colonne(s, RicevutaLetta, _COLONNE_RICEVUTA, righe, {"letta_il": letta_il})
    return effetti


def _identita(x: Letta) -> str:
    """The receipt's own identity; a message without one is known by its bytes."""
    r = x.ricevuta
    if r.classe is Classe.RICEVUTA and (r.message_id or r.identificativo):
        return r.identita
    return f"sha:{x.prova.sha256}"


class _Lettera:
    """What a receipt reads and changes of its letter, loaded without the ORM.

    A batch touches hundreds of letters and only these columns: an ORM object each (loaded,
    tracked, flushed) cost more than the receipts' own work. ``scrivi`` updates, per letter,
    only the columns that changed, as the ORM's flush would (a concurrent change to another
    column is not overwritten).
    """

    COLONNE = ("identificativo", "riscontro", "esito", "risposta", "data_consegna", "consegnata_il")
    LETTE = ("id", "message_id", "indirizzo", *COLONNE)
    __slots__ = ("id", "message_id", "indirizzo", *COLONNE, "_lette")

    def __init__(self, riga: Sequence[Any]) -> None:
        """``riga``: the ``LETTE`` columns, as Python values."""
        (
            self.id,
            self.message_id,
            self.indirizzo,
            self.identificativo,
            self.riscontro,
            self.esito,
            self.risposta,
            self.data_consegna,
            self.consegnata_il,
        ) = riga
        self._lette = tuple(riga[3:])

    def valori(self) -> tuple[Any, ...]:
        """The ``COLONNE`` now, in their order."""
        return (
            self.identificativo,
            self.riscontro,
            self.esito,
            self.risposta,
            self.data_consegna,
            self.consegnata_il,
        )

    def cambiate(self) -> tuple[str, ...]:
        return tuple(
            nome
            for nome, prima, ora in zip(self.COLONNE, self._lette, self.valori(), strict=True)
            if ora != prima
        )


class _Indice:
    def __init__(self, lettere: Iterable[_Lettera]) -> None:
        self.per_id: dict[int, _Lettera] = {}
        self.per_mid: dict[str, _Lettera] = {}
        self.per_identificativo: dict[str, _Lettera] = {}
        for x in lettere:
            x = self.per_id.setdefault(x.id, x)  # found by both keys: one letter
            if x.message_id:
                self.per_mid[x.message_id] = x
            if x.identificativo:
                self.per_identificativo[x.identificativo] = x

    def impara(self, x: _Lettera) -> None:
        if x.identificativo:
            self.per_identificativo[x.identificativo] = x

    def scrivi(self, s: Session, sql: _Sql) -> None:
        """One UPDATE per set of changed columns (usually two a batch), many rows each."""
        gruppi: dict[tuple[str, ...], list[_Lettera]] = {}
        for x in self.per_id.values():
            if cambiate := x.cambiate():
                gruppi.setdefault(cambiate, []).append(x)
        for cambiate, lettere in gruppi.items():
            sql.aggiorna(s, cambiate, lettere)


class _Sql:
    """The statements of a batch, through SQLAlchemy Core: the general path, for any driver."""

    @staticmethod
    def per(s: Session) -> _Sql:
        """The driver's own path where its placeholder is known (``segnaposto``), else Core."""
        dialetto = s.get_bind().dialect
        veloce = _SqlDriver.per_dialetto.get(dialetto)
        if veloce is None and (segno := segnaposto(dialetto)) is not None:
            veloce = _SqlDriver.per_dialetto[dialetto] = _SqlDriver(dialetto, segno)
        return veloce or _Sql()

    def gia_lette(self, s: Session, identita: list[str]) -> set[str]:
        """The identities already in ``ricevute``."""
        return set(s.scalars(select(RicevutaLetta.identita).where(RicevutaLetta.identita.in_(identita))))

    def lettere(self, s: Session, colonna: str, valori: list[str]) -> list[_Lettera]:
        """The letters whose ``colonna`` is one of ``valori``."""
        colonne = [getattr(Lettera, nome) for nome in _Lettera.LETTE]
        return list(map(_Lettera, s.execute(select(*colonne).where(getattr(Lettera, colonna).in_(valori)))))

    def aggiorna(self, s: Session, cambiate: tuple[str, ...], lettere: list[_Lettera]) -> None:
        """Only the ``cambiate`` columns of each letter (a concurrent change to another stays)."""
        tabella = Lettera.__table__
        istruzione = (
            update(tabella)
            .where(tabella.c.id == bindparam("id_lettera"))
            .values({nome: bindparam(nome) for nome in cambiate})
        )
        righe = [{"id_lettera": x.id, **{nome: getattr(x, nome) for nome in cambiate}} for x in lettere]
        s.connection().execute(istruzione, righe)


class _SqlDriver(_Sql):
    """The same statements written for the driver, once per dialect.

    SQLAlchemy compiles and caches them, but per execution it still expands the ``IN`` lists,
    builds a dict of parameters per row and a ``Row`` per result: more than the database's own
    work. Here the SQL is a string made once, the parameters are tuples, and each value is
    converted by its column's own processor, both ways (dates and datetimes are text on SQLite,
    in SQLAlchemy's format): the values stored and read are those of ``_Sql``.
    """

    per_dialetto: ClassVar[dict[Any, _SqlDriver]] = {}

    def __init__(self, dialetto: Any, segno: str) -> None:
        self.segno = segno
        tabella = Lettera.__table__
        colonne = [tabella.c[nome] for nome in _Lettera.LETTE]
        self._lettura = [c.type._cached_result_processor(dialetto, None) for c in colonne]
        self._scrittura = {c.name: processore(c.type, dialetto) for c in colonne}
        self._seleziona = f"SELECT {', '.join(c.name for c in colonne)} FROM {tabella.name} WHERE "
        self._aggiornamenti: dict[tuple[str, ...], str] = {}

    def _in(self, n: int) -> str:
        return f"IN ({', '.join([self.segno] * n)})"

    def gia_lette(self, s: Session, identita: list[str]) -> set[str]:
        if not identita:
            return set()
        sql = f"SELECT identita FROM {RicevutaLetta.__tablename__} WHERE identita {self._in(len(identita))}"
        return {r[0] for r in righe_dal_driver(s, sql, identita)}

    def lettere(self, s: Session, colonna: str, valori: list[str]) -> list[_Lettera]:
        righe: list[Any] = righe_dal_driver(s, f"{self._seleziona}{colonna} {self._in(len(valori))}", valori)
        processori = self._lettura
        if any(processori):
            righe = [
                [v if p is None or v is None else p(v) for v, p in zip(r, processori, strict=True)]
                for r in righe
            ]
        return list(map(_Lettera, righe))

    def aggiorna(self, s: Session, cambiate: tuple[str, ...], lettere: list[_Lettera]) -> None:
        sql = self._aggiornamenti.get(cambiate)
        if sql is None:
            insieme = ", ".join(f"{nome} = {self.segno}" for nome in cambiate)
            sql = f"UPDATE {Lettera.__tablename__} SET {insieme} WHERE id = {self.segno}"
            self._aggiornamenti[cambiate] = sql
        colonne = []
        for nome in cambiate:  # a column at a time: one processor, no call where there is none
            valori = [getattr(x, nome) for x in lettere]
            if (p := self._scrittura[nome]) is not None:
                valori = [None if v is None else p(v) for v in valori]
            colonne.append(valori)
        colonne.append([x.id for x in lettere])
        s.connection().exec_driver_sql(sql, list(zip(*colonne, strict=True)))


def _lettere_per(s: Session, sql: _Sql, ricevute: list[Ricevuta]) -> _Indice:
    """The letters the batch may name: by Message-ID, then by identificativo.

    ``_abbina`` reads the identificativo only of a receipt that no Message-ID of it matched, so
    only those are looked up (usually none: every receipt names our msgid). A letter the
    identificativo of a matched receipt would also have found is never used by it; a receipt
    that needs that identificativo is unmatched, and puts it in the query.
    """
    mids = {m for r in ricevute for m in (r.msgid, r.riferimento) if m}
    trovate: list[_Lettera] = sql.lettere(s, "message_id", sorted(mids)) if mids else []
    trovati = {x.message_id for x in trovate}
    ids = {
        r.identificativo
        for r in ricevute
        if r.identificativo and r.msgid not in trovati and r.riferimento not in trovati
    }
    if ids:
        trovate += sql.lettere(s, "identificativo", sorted(ids))
    return _Indice(trovate)


_RICEVUTA = Classe.RICEVUTA
"""The enum members the per-receipt code compares, as module names: an enum class's attribute
costs several times a global's, and each receipt compared a handful."""
_ACCETTAZIONE = TipoRicevuta.ACCETTAZIONE
_AVVENUTA_CONSEGNA = TipoRicevuta.AVVENUTA_CONSEGNA
_FIRMA_NON_VALIDA = Firma.NON_VALIDA


def _abbina(r: Ricevuta, indice: _Indice) -> _Lettera | None:
    if r.classe is not _RICEVUTA:
        return None
    per_mid = indice.per_mid  # its values are letters, never None
    if r.msgid and (x := per_mid.get(r.msgid)) is not None:
        return x
    if r.riferimento and (x := per_mid.get(r.riferimento)) is not None:
        return x
    if r.identificativo:
        return indice.per_identificativo.get(r.identificativo)
    return None


def _effetto(s: Session, op: Operazione, r: Ricevuta, x: _Lettera | None) -> str:
    tipo = r.tipo
    if r.classe is not _RICEVUTA or tipo is None:
        return Effetto.ILLEGGIBILE if r.classe is Classe.ILLEGGIBILE else Effetto.IGNORATA
    if x is None:
        return Effetto.ORFANA
    if r.firma is _FIRMA_NON_VALIDA:
        return Effetto.FIRMA_NON_VALIDA
    if tipo is _ACCETTAZIONE:
        return _accettazione(s, op, r, x)
    if tipo is _AVVENUTA_CONSEGNA:
        return _consegna(s, op, r, x)
    if r.tipo is TipoRicevuta.PREAVVISO_ERRORE_CONSEGNA and not r.finale:
        return _esito(
            s, op, x, Riscontro.PREAVVISO, f"preavviso di mancata consegna: {r.errore_esteso or ''}"
        )
    if r.tipo is TipoRicevuta.PRESA_IN_CARICO:
        return Effetto.SENZA_EFFETTO
    riscontro = (
        Riscontro.NON_ACCETTATA if r.tipo is TipoRicevuta.NON_ACCETTAZIONE else Riscontro.ERRORE_CONSEGNA
    )
    return _non_consegnata(s, op, r, x, riscontro)


def _per_noi(r: Ricevuta, x: _Lettera) -> bool:
    """A delivery or error about our recipient (one recipient per message; case-insensitive)."""
    return not r.consegna or not x.indirizzo or r.consegna.lower() == x.indirizzo.lower()


def _accettazione(s: Session, op: Operazione, r: Ricevuta, x: _Lettera) -> str:
    x.identificativo = x.identificativo or r.identificativo
    esterno = _esterno(r, x.indirizzo)
    effetto = _esito(s, op, x, Riscontro.ACCETTATA, "ricevuta di accettazione", quando=r.data)
    if esterno and x.esito in (None, EsitoStorico.IN_ATTESA):
        x.esito = EsitoStorico.MANCATA_CONSEGNA
        registra(
            s,
            op,
            cosa="lettera.non_notificata",
            perche="il destinatario non è una casella PEC (destinatari tipo «esterno»): nessuna prova di "
            "consegna arriverà, la lettera non vale come notifica",
            entita="lettera",
            entita_id=x.id,
        )
        return Effetto.APPLICATA
    return effetto


def _consegna(s: Session, op: Operazione, r: Ricevuta, x: _Lettera) -> str:
    if not _per_noi(r, x) or r.data is None:
        return Effetto.SENZA_EFFETTO
    iso = r.data.isoformat()
    perche = f"consegnata il {_giorno_ora(r.data, iso)} ({r.zona or r.data.strftime('%z')}), ricevuta PEC"
    if not registra_riscontro(s, op, x, Riscontro.CONSEGNATA, perche, data=iso):
        return Effetto.SENZA_EFFETTO
    x.esito = EsitoStorico.CONSEGNATA
    x.data_consegna = r.data.date()  # the day in the zone daticert states (Italy)
    x.consegnata_il = in_utc(r.data)
    return Effetto.APPLICATA


def _giorno_ora(d: datetime, iso: str) -> str:
    """``%d/%m/%Y alle %H:%M:%S``, cut from ``iso`` (``d.isoformat()``, needed anyway for the
    event): its fields sit at fixed places (``YYYY-MM-DDTHH:MM:SS``), and slicing cost a fifth
    of formatting the six numbers again, once per delivery. A year before 1000 goes to
    strftime, which does not pad it (isoformat does)."""
    if d.year < 1000:
        return f"{d:%d/%m/%Y alle %H:%M:%S}"
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]} alle {iso[11:19]}"


def _non_consegnata(s: Session, op: Operazione, r: Ricevuta, x: _Lettera, riscontro: Riscontro) -> str:
    if not _per_noi(r, x):
        return Effetto.SENZA_EFFETTO
    perche = f"{r.tipo}: {r.errore_esteso or r.errore or 'nessun dettaglio'}"
    if not registra_riscontro(s, op, x, riscontro, perche, codice=r.codice_errore):
        return Effetto.SENZA_EFFETTO
    x.esito = EsitoStorico.MANCATA_CONSEGNA  # Art. 6 c. 11: pianifica proposes the fallback
    x.risposta = (r.errore_esteso or x.risposta or "")[:2000] or None
    return Effetto.APPLICATA


def _esito(
    s: Session, op: Operazione, x: _Lettera, riscontro: Riscontro, perche: str, quando: datetime | None = None
) -> str:
    dati = {"data": quando.isoformat()} if quando else {}
    return (
        Effetto.APPLICATA
        if registra_riscontro(s, op, x, riscontro, perche, **dati)
        else Effetto.SENZA_EFFETTO
    )


def _stesso(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.lower() == b.lower())


def _esterno(r: Ricevuta, indirizzo: str | None) -> bool:
    """Daticert lists ``indirizzo`` (``_QUALSIASI``: any recipient) as ``esterno``; a loop, not
    ``any()`` over a generator, which cost more than the one or two recipients it reads."""
    for d in r.destinatari:
        if d.tipo == "esterno" and (indirizzo is _QUALSIASI or _stesso(d.indirizzo, indirizzo)):
            return True
    return False


_QUALSIASI: Any = object()
"""``_esterno``'s ``indirizzo`` for any recipient (the ``ricevute.esterno`` column)."""

_COLONNE_RICEVUTA = (
    "identita",
    "sha256",
    "percorso",
    "casella",
    "cartella",
    "uidvalidity",
    "uid",
    "classe",
    "tipo",
    "msgid",
    "identificativo",
    "consegna",
    "data",
    "zona",
    "errore",
    "errore_esteso",
    "esterno",
    "firma",
    "motivo",
    "lettera_id",
    "effetto",
)
"""The columns of ``_riga``, in its order (``letta_il``, the same for the batch, added once)."""


def _riga(x: Letta, identita: str, lettera: _Lettera | None, effetto: str) -> tuple[Any, ...]:
    """The ``ricevute`` row of one message, in the order of ``_COLONNE_RICEVUTA``.

    A tuple, not a dict: the enums go in as their plain ``str`` (``str()`` of a StrEnum is its
    value, as ``.value``, without the Python-level property).
    """
    r = x.ricevuta
    prova = x.prova
    return (
        identita,
        prova.sha256,
        prova.nome,
        x.casella,
        x.cartella,
        x.uidvalidity,
        x.uid,
        str(r.classe),
        str(r.tipo) if r.tipo else None,
        r.msgid or r.riferimento or None,
        r.identificativo,
        r.consegna,
        in_utc(r.data) if r.data else None,
        r.zona,
        r.errore,
        r.errore_esteso,
        _esterno(r, _QUALSIASI),
        str(r.firma),
        r.motivo,
        lettera.id if lettera else None,
        effetto,
    )
