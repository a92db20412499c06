"""The reconciler: the authority's PEC mailbox read over IMAP, each receipt applied exactly once.

For each configured folder the store keeps UIDVALIDITY and the last UID processed
(``cartelle_imap``). Messages after it are fetched in batches with ``BODY.PEEK[]`` (the raw
bytes, ``\\Seen`` untouched); for each batch, in this order:

1. every raw message is stored as evidence (content-addressed, fsync'd, 0600: ``prove``),
   then parsed and its signature checked (``elaborazione``: for a big backlog in other
   processes, while the next batch is fetched);
2. one transaction matches and applies the batch (``effetti``) and moves the folder's
   last UID on. A crash before the commit redoes the whole batch; after it, nothing. Each
   receipt has its own identity, unique in the store, so a message read twice (two folders,
   a UIDVALIDITY change, a rerun) is applied once;
3. the processed messages are flagged or moved, as configured (quota: RICEVUTE.md).

A UIDVALIDITY change means the server renumbered the folder: it is read again from the start
and deduplicated by identity. ``segui`` waits with IMAP IDLE and reconnects with a growing
backoff after any failure: one bad message never stops the loop (it is kept as unreadable).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.response_parser import parse_fetch_response
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from corrispondenza.canali.credenziali import accedi_imap
from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.errors import CasellaNonDisponibileError, ConfigError
from corrispondenza.ricevute.effetti import Effetto, Letta, applica
from corrispondenza.ricevute.elaborazione import Elaboratori, Letti, Lettore
from corrispondenza.store.blocchi import NomeBlocco, prendi
from corrispondenza.store.database import righe_dal_driver, segnaposto, sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.tabelle import CartellaImap

log = logging.getLogger("corrispondenza.ricevute")

_DA_ELENCARE = frozenset({Effetto.ORFANA, Effetto.IGNORATA, Effetto.ILLEGGIBILE, Effetto.FIRMA_NON_VALIDA})
"""The effects a person should look at: each message listed in the outcome, not only counted."""

_CARTELLE = CartellaImap.__tablename__


def _sposta(s: Session) -> str:
    """The UPDATE of a folder's position read by ``_posizione_veloce`` (whose placeholder is known)."""
    segno = segnaposto(s.get_bind().dialect)
    return f"UPDATE {_CARTELLE} SET uidvalidity = {segno}, ultimo_uid = {segno} WHERE id = {segno}"


ELABORATA = b"$Elaborata"
"""The IMAP keyword set on processed messages when ``dopo_lettura: segna``."""


@dataclass
class EsitoRicevute:
    """What one pass read: counts by effect, and the messages a person should look at."""

    lette: int = 0
    lette_altrove: int = 0  # of which read by reader processes (``elaborazione``)
    effetti: Counter[str] = field(default_factory=Counter)
    orfane: list[str] = field(default_factory=list)
    ignorate: list[str] = field(default_factory=list)
    illeggibili: list[str] = field(default_factory=list)
    riletture: list[str] = field(default_factory=list)  # folders read again after a UIDVALIDITY change

    def somma(self, altro: EsitoRicevute) -> None:
        self.lette += altro.lette
        self.lette_altrove += altro.lette_altrove
        self.effetti.update(altro.effetti)
        for nome in ("orfane", "ignorate", "illeggibili", "riletture"):
            getattr(self, nome).extend(getattr(altro, nome))

    def come_json(self) -> dict:
        return {
            "lette": self.lette,
            "lette_in_altri_processi": self.lette_altrove,
            "effetti": dict(sorted(self.effetti.items())),
            "orfane": self.orfane,
            "ignorate": self.ignorate,
            "illeggibili": self.illeggibili,
            "riletture": self.riletture,
        }


def corpi(client: IMAPClient, uids: list[int]) -> dict[int, bytes]:
    """The raw bytes (``BODY.PEEK[]``) of each of ``uids`` the server returned, by UID.

    The same command and checks as ``client.fetch(uids, ["BODY.PEEK[]"])``; only the reading of
    the answer differs. Every message answers with one line and one literal; imapclient's
    general parser lexes each line a byte at a time, which cost a large share of fetching a
    receipt. When every response has the one shape servers give to this request
    (``n (UID u BODY[] {size}`` then the literal then ``)``), it is read here (``_semplici``);
    anything else (an unsolicited FLAGS response, other items, a quoted body) goes to
    imapclient's parser, whole.
    """
    if not uids:
        return {}
    # imaplib's public UID command, on the connection imapclient made: the untagged FETCH data
    typ, data = client._imap.uid("FETCH", ",".join(map(str, uids)), "(BODY.PEEK[])")
    client._checkok("fetch", typ, data)  # the error imapclient's own fetch would raise
    risposte = _semplici(data)
    if risposte is None:
        generale = parse_fetch_response(data, client.normalise_times, True)
        risposte = {u: v[b"BODY[]"] for u, v in generale.items() if isinstance(v.get(b"BODY[]"), bytes)}
    return {u: risposte[u] for u in uids if u in risposte}


_RIGA_CORPO = re.compile(rb"\d+ \(UID (\d+) BODY\[\] \{(\d+)\}")


def _semplici(data: list) -> dict[int, bytes] | None:
    """``UID → bytes`` if ``data`` is only (line, literal) pairs each followed by ``)``; else None."""
    risposte: dict[int, bytes] = {}
    coppie = iter(data)
    for elemento in coppie:
        if not isinstance(elemento, tuple) or len(elemento) != 2:
            return None
        riga, letterale = elemento
        trovata = _RIGA_CORPO.fullmatch(riga) if isinstance(riga, bytes) else None
        if trovata is None or not isinstance(letterale, bytes) or int(trovata[2]) != len(letterale):
            return None
        if next(coppie, None) != b")":
            return None
        risposte[int(trovata[1])] = letterale
    return risposte


class Riconciliatore:
    """One PEC mailbox, its folders, the store."""

    def __init__(self, engine: Engine, cfg: ConfigCaricata, op: Operazione) -> None:
        casella = cfg.config.canali.pec
        if casella is None:
            raise ConfigError(
                "Nessuna casella PEC in config.yaml (canali.pec): non ci sono ricevute da leggere."
            )
        self.engine, self.cfg, self.op, self.casella = engine, cfg, op, casella
        self.opzioni = cfg.config.ricevute
        self.archivio = (cfg.cartella / self.opzioni.archivio).resolve()
        ca = casella.ca_ricevute
        self.ca_ricevute = None if ca is None else (Path(ca) if Path(ca).is_absolute() else cfg.cartella / ca)
        self.lettore = Lettore.per(self.archivio, self.ca_ricevute)

    # -- one pass --------------------------------------------------------------------------------

    def esegui(self) -> EsitoRicevute:
        """Read every folder once, up to its last message."""
        esito = EsitoRicevute()
        with self._connessione() as client:
            for nome in self.casella.cartelle:
                esito.somma(self._cartella(client, nome))
        return esito

    def _connessione(self) -> IMAPClient:
        return accedi_imap(self.casella, self.cfg.cartella)

    def _cartella(self, client: IMAPClient, nome: str) -> EsitoRicevute:
        esito = EsitoRicevute()
        info = client.select_folder(nome, readonly=self.opzioni.dopo_lettura == "nessuna")
        uidvalidity = int(info[b"UIDVALIDITY"])
        ultimo = self._posizione(nome, uidvalidity, esito)
        self._sistema_arretrati(client, ultimo)
        nuovi = sorted(u for u in client.search(["UID", f"{ultimo + 1}:*"]) if u > ultimo)
        passo = self.opzioni.messaggi_per_lotto
        processi = self.opzioni.processi if len(nuovi) >= self.opzioni.soglia_processi else 0
        inviati: deque[tuple[list[int], list[int]]] = deque()  # (batch, UIDs fetched) in order
        with Elaboratori(self.lettore, processi) as elaboratori:
            for inizio in range(0, len(nuovi), passo):
                blocco = nuovi[inizio : inizio + passo]
                risposte = corpi(client, blocco)
                # the oldest batch, read meanwhile, is taken back first so that its reader gets
                # this one at once; it is applied and flagged while the readers work
                pronto = (*inviati.popleft(), elaboratori.ricevi()) if elaboratori.pieno else None
                uids = [uid for uid in blocco if uid in risposte]
                elaboratori.invia([risposte[uid] for uid in uids])
                inviati.append((blocco, uids))
                if pronto is not None:
                    self._concludi(client, nome, uidvalidity, *pronto, esito)
            while inviati:
                self._concludi(client, nome, uidvalidity, *inviati.popleft(), elaboratori.ricevi(), esito)
            esito.lette_altrove = elaboratori.messaggi_altrove
        return esito

    def _concludi(
        self,
        client: IMAPClient,
        nome: str,
        uidvalidity: int,
        blocco: list[int],
        uids: list[int],
        letti: Letti,
        esito: EsitoRicevute,
    ) -> None:
        """A batch read (its evidence on disk): applied in one transaction, then flagged or moved."""
        casella = self.casella.indirizzo
        lette = [
            Letta(ricevuta, prova, casella, nome, uidvalidity, uid)
            for uid, (ricevuta, prova) in zip(uids, letti, strict=True)
        ]
        self._applica(nome, uidvalidity, blocco[-1], lette, esito)
        self._dopo(client, blocco)

    def _applica(
        self, nome: str, uidvalidity: int, ultimo: int, lette: list[Letta], esito: EsitoRicevute
    ) -> None:
        with sessione(self.engine) as s:
            prendi(s, NomeBlocco.RICEVUTE)  # two readers at once: the second sees the first's work
            stato: CartellaImap | None = None
            posizione = self._posizione_veloce(s, nome)
            if posizione is None:  # no row yet, or a driver we write no SQL for: the ORM's way
                stato = self._stato(s, nome)
                posizione = (stato.id, stato.uidvalidity, stato.ultimo_uid)
            id_cartella, prima, fin_qui = posizione
            if prima == uidvalidity and fin_qui >= ultimo:
                return  # another reader did this batch meanwhile
            effetti = applica(s, self.op, lette)
            if stato is None:
                s.connection().exec_driver_sql(_sposta(s), (uidvalidity, ultimo, id_cartella))
            else:
                stato.uidvalidity, stato.ultimo_uid = uidvalidity, ultimo
        esito.lette += len(lette)
        esito.effetti.update(effetti)
        for x, effetto in zip(lette, effetti, strict=True):
            if effetto in _DA_ELENCARE:  # the rest (applied, duplicates) are only counted
                descrizione = f"{nome} UID {x.uid} ({x.prova.nome})"
                if effetto == Effetto.ORFANA:
                    esito.orfane.append(f"{descrizione}: {x.ricevuta.tipo} per {x.ricevuta.msgid}")
                elif effetto == Effetto.IGNORATA:
                    esito.ignorate.append(f"{descrizione}: {x.ricevuta.classe}")
                else:
                    esito.illeggibili.append(f"{descrizione}: {x.ricevuta.motivo}")
        log.info("cartella %s: %d messaggi fino a UID %d", nome, len(lette), ultimo)

    def _posizione(self, nome: str, uidvalidity: int, esito: EsitoRicevute) -> int:
        """The last UID processed; 0 (read it all again) when the server renumbered the folder."""
        with sessione(self.engine) as s:
            stato = self._stato(s, nome)
            if stato.uidvalidity is not None and stato.uidvalidity != uidvalidity:
                log.warning("cartella %s: UIDVALIDITY cambiato, rilettura completa", nome)
                esito.riletture.append(nome)
                return 0
            return stato.ultimo_uid

    def _posizione_veloce(self, s: Session, nome: str) -> tuple[int, int | None, int] | None:
        """The folder's (id, UIDVALIDITY, last UID) straight from the driver (then moved on with
        ``_sposta``); None when its row is not there yet or the driver's placeholder is unknown.

        Once per batch, but loading the row as an ORM object and flushing its change cost about a
        millisecond a batch: some µs per receipt, as much as a part of applying it.
        """
        segno = segnaposto(s.get_bind().dialect)
        if segno is None:
            return None
        righe = righe_dal_driver(
            s,
            f"SELECT id, uidvalidity, ultimo_uid FROM {_CARTELLE} WHERE casella = {segno} AND nome = {segno}",
            (self.casella.indirizzo, nome),
        )
        return righe[0] if righe else None

    def _stato(self, s: Session, nome: str) -> CartellaImap:
        query = select(CartellaImap).where(
            CartellaImap.casella == self.casella.indirizzo, CartellaImap.nome == nome
        )
        stato = s.scalar(query)
        if stato is None:
            stato = CartellaImap(casella=self.casella.indirizzo, nome=nome, uidvalidity=None, ultimo_uid=0)
            s.add(stato)
            s.flush()
        return stato

    def _dopo(self, client: IMAPClient, uids: list[int]) -> None:
        """Quota: processed messages are flagged or moved, only after their batch is committed."""
        if self.opzioni.dopo_lettura == "segna":
            client.add_flags(uids, [ELABORATA], silent=True)
        elif self.opzioni.dopo_lettura == "sposta":
            destinazione = self.opzioni.cartella_elaborate
            if not client.folder_exists(destinazione):
                client.create_folder(destinazione)
            client.move(uids, destinazione)

    def _sistema_arretrati(self, client: IMAPClient, ultimo: int) -> None:
        """A crash between the commit and the move leaves processed messages behind: move them now."""
        if self.opzioni.dopo_lettura != "sposta" or ultimo == 0:
            return
        rimasti = client.search(["UID", f"1:{ultimo}"])
        if rimasti:
            self._dopo(client, list(rimasti))

    # -- continuously ----------------------------------------------------------------------------

    def segui(
        self,
        fermati: threading.Event,
        *,
        ogni_passaggio: Callable[[EsitoRicevute], None] | None = None,
        dormi: Callable[[float], None] = time.sleep,
    ) -> None:
        """Read, then wait with IDLE for new mail; on any failure reconnect with a growing backoff."""
        attesa = 1.0
        while not fermati.is_set():
            try:
                self._giro_con_idle(fermati, ogni_passaggio)
                attesa = 1.0
            except (CasellaNonDisponibileError, IMAPClientError, OSError) as exc:
                log.warning(
                    "lettura delle ricevute interrotta (%s): nuovo tentativo tra %.0f s",
                    exc.__class__.__name__,
                    attesa,
                )
                fermati.wait(attesa)
                attesa = min(attesa * 2, float(self.opzioni.riconnessione_massima_secondi))

    def _giro_con_idle(
        self, fermati: threading.Event, ogni_passaggio: Callable[[EsitoRicevute], None] | None
    ) -> None:
        with self._connessione() as client:
            while not fermati.is_set():
                esito = EsitoRicevute()
                for nome in self.casella.cartelle:
                    esito.somma(self._cartella(client, nome))
                if ogni_passaggio is not None:
                    ogni_passaggio(esito)
                client.select_folder(self.casella.cartelle[0], readonly=True)
                client.idle()
                try:
                    scadenza = time.monotonic() + self.opzioni.attesa_idle_secondi
                    while not fermati.is_set() and time.monotonic() < scadenza:
                        if client.idle_check(timeout=1):
                            break
                finally:
                    client.idle_done()
