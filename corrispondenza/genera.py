"""``genera LOTTO``: the approved letters of a lotto become PDF/A files and print bundles.

Layout of the output (issue 5), no personal data in any file name:
```
outbox/<lotto>/lettere/<letter id>.pdf      one PDF/A-2b per letter (the PEC attachment)
outbox/<lotto>/stampa/posta_ordinaria.pdf   print bundles, sorted by postcode, duplex-ready
outbox/<lotto>/stampa/raccomandata_ar.pdf
outbox/<lotto>/stampa/distinta_raccomandate.csv / .pdf
outbox/<lotto>/manifest.json                letter, recipient, channel, hashes, pages
```
Files 0600, folders 0700 (health data, GDPR art. 9).

How it is fast: letters of the same kind and struttura are rendered into one DOCX per batch
(``Modello.raccolta``), each batch converted once by the pool of LibreOffice converters and
split at the letters' bookmarks (``pdf.dividi``). A batch that fails is redone letter by
letter, so one bad letter costs only itself; a letter that still fails is reported and the
others go on (exit status 4).

How it resumes: the manifest is rewritten after every batch. A new run skips each letter
whose PDF exists, has the hash in the manifest and came from the current template, and redoes
the rest; then the database is brought in line with the manifest in one transaction.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.dominio.tipi import Canale, TipoLettera
from corrispondenza.errors import InputNonValidoError, NonTrovatoError, PdfError, Problema
from corrispondenza.lotti import cambia_stato_lotto, trova_lotto
from corrispondenza.modelli.contesto import SchedaLettera, dati_delle_lettere, schede
from corrispondenza.modelli.rendi import LetteraDaComporre, Modello
from corrispondenza.orologio import adesso
from corrispondenza.pdf.convertitore import EsitoConversione, Lavoro, PoolConvertitori
from corrispondenza.pdf.distinta import RigaDistinta, riga_distinta, scrivi_distinta
from corrispondenza.pdf.dividi import dividi
from corrispondenza.pdf.fascicoli import Fascicolo, VoceFascicolo, componi
from corrispondenza.riservato import cartella_riservata, scrivi_byte_riservati
from corrispondenza.stato import StatoLettera, StatoLotto, verifica_transizione_lettera
from corrispondenza.store.database import sessione
from corrispondenza.store.giornale import Operazione, registra
from corrispondenza.store.tabelle import Lettera, Lotto

SECONDI_BASE = 60.0
CANALI_POSTALI = (Canale.POSTA_ORDINARIA, Canale.RACCOMANDATA_AR)

PER_LOTTO_DI_DATI = 500  # letters whose render data are in memory at once, outside raccolte

Dati = Callable[[list[SchedaLettera]], dict[int, dict[str, Any]]]
"""Builds the render data of a batch of letters (a fresh session each time)."""

Avanzamento = Callable[[int, int], None]
"""Called with (letters just done, letters to do in this run): first with (0, total)."""


@dataclass
class EsitoGenerazione:
    lotto: int
    cartella: Path
    lettere: int = 0
    generate: int = 0
    gia_pronte: int = 0
    fallite: dict[int, str] = field(default_factory=dict)
    fascicoli: dict[str, Fascicolo] = field(default_factory=dict)
    distinta: Path | None = None

    def come_json(self) -> dict[str, Any]:
        return {
            "lotto": self.lotto,
            "cartella": str(self.cartella),
            "lettere": self.lettere,
            "generate": self.generate,
            "gia_pronte": self.gia_pronte,
            "fallite": [{"lettera": k, "motivo": v} for k, v in sorted(self.fallite.items())],
            "stampa": {
                nome: {
                    "file": str(f.percorso),
                    "lettere": f.lettere,
                    "pagine": f.pagine,
                    "bianche": f.bianche,
                }
                for nome, f in self.fascicoli.items()
            },
            "distinta": str(self.distinta) if self.distinta else None,
        }


@dataclass(frozen=True)
class _Voce:
    """A manifest line: what a letter's PDF is and where it came from."""

    lettera: int
    destinatario: int
    canale: str
    modello_sha256: str
    pdf_sha256: str
    pagine: int

    @property
    def file(self) -> str:
        return f"lettere/{self.lettera}.pdf"


def genera_lotto(
    engine: Engine,
    cfg: ConfigCaricata,
    lotto_id: int,
    op: Operazione,
    *,
    avanzamento: Avanzamento | None = None,
    pool: PoolConvertitori | None = None,
) -> EsitoGenerazione:
    """Generate every letter of an approved lotto that is not already there; see the module doc."""
    with sessione(engine) as s:
        lotto = trova_lotto(
            s,
            lotto_id,
            (StatoLotto.APPROVATA, StatoLotto.GENERATA),
            f"si generano solo i lotti approvati (corrispondenza lotto approva {lotto_id}).",
        )
        giorno = lotto.data
        pronte = schede(s, lotto_id, (StatoLettera.APPROVATA, StatoLettera.GENERATA))

    def dati(lettere: list[SchedaLettera]) -> dict[int, dict[str, Any]]:
        with sessione(engine) as s:
            return dati_delle_lettere(s, cfg.config, [x.id for x in lettere], giorno)

    modelli = _carica_modelli(cfg, {x.tipo for x in pronte})
    cartella = cartella_riservata(cfg.outbox / str(lotto_id))
    esito = EsitoGenerazione(lotto_id, cartella, lettere=len(pronte))
    with _solo_uno(cartella):
        cartella_riservata(cartella / "lettere")
        manifesto = _leggi_manifesto(cartella)
        da_fare = [x for x in pronte if not _gia_pronta(cartella, manifesto.get(x.id), modelli[x.tipo])]
        esito.gia_pronte = len(pronte) - len(da_fare)
        distinta = cartella / "stampa" / "distinta_raccomandate.pdf"
        raccomandate = any(x.canale is Canale.RACCOMANDATA_AR for x in pronte)
        servono: AbstractContextManager[PoolConvertitori | None] = (
            _pool(cfg, pool) if da_fare or (raccomandate and not distinta.exists()) else nullcontext(None)
        )
        totale = len(da_fare)
        if avanzamento:
            avanzamento(0, totale)
        passo = (lambda n: avanzamento(n, totale)) if avanzamento else None
        with servono as convertitori:
            if da_fare and convertitori is not None:
                _converti(cfg, cartella, da_fare, modelli, manifesto, esito, convertitori, passo, dati)
            _scrivi_manifesto(cartella, manifesto)
            _stampa(cfg, cartella, pronte, manifesto, esito, convertitori, dati)
    _registra(engine, op, lotto_id, pronte, manifesto, esito)
    return esito


def _carica_modelli(cfg: ConfigCaricata, tipi: set[TipoLettera]) -> dict[TipoLettera, Modello]:
    """Every template the lotto needs, verified before any work: all problems at once (exit 3)."""
    modelli: dict[TipoLettera, Modello] = {}
    problemi = []
    for tipo in sorted(tipi):
        try:
            modelli[tipo] = Modello.carica(cfg.modelli / cfg.config.modelli.file[tipo], tipo)
        except InputNonValidoError as exc:
            problemi += exc.problemi or [Problema(exc.messaggio, file=cfg.config.modelli.file[tipo])]
    if problemi:
        raise InputNonValidoError("I modelli delle lettere contengono errori:", problemi)
    return modelli


@contextmanager
def _solo_uno(cartella: Path) -> Iterator[None]:
    """Two runs on the same lotto would write the same files: the second one stops at once."""
    percorso = cartella / ".in_corso"
    with percorso.open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputNonValidoError(
                "Un'altra generazione di questo lotto è in corso: attendere che finisca.",
                cartella=str(cartella),
            ) from None
        yield


@contextmanager
def _pool(cfg: ConfigCaricata, pool: PoolConvertitori | None) -> Iterator[PoolConvertitori]:
    if pool is not None:
        yield pool
        return
    profili = cartella_riservata(cfg.outbox / ".libreoffice")
    with PoolConvertitori(cfg.config.pdf.processi or None, cartella=profili) as nuovo:
        yield nuovo


def _leggi_manifesto(cartella: Path) -> dict[int, _Voce]:
    percorso = cartella / "manifest.json"
    if not percorso.exists():
        return {}
    try:
        dati = json.loads(percorso.read_text(encoding="utf-8"))
        return {v["lettera"]: _Voce(**{k: v[k] for k in _Voce.__dataclass_fields__}) for v in dati["lettere"]}
    except (ValueError, KeyError, TypeError):
        return {}  # a damaged manifest: everything is checked again and redone


def _scrivi_manifesto(cartella: Path, manifesto: dict[int, _Voce]) -> None:
    dati = {
        "lotto": int(cartella.name),
        "lettere": [{**manifesto[i].__dict__, "file": manifesto[i].file} for i in sorted(manifesto)],
    }
    testo = json.dumps(dati, ensure_ascii=False, indent=1)
    scrivi_byte_riservati(cartella / "manifest.json", testo.encode("utf-8"))


def _sha256(percorso: Path) -> str:
    return hashlib.sha256(percorso.read_bytes()).hexdigest()


def _gia_pronta(cartella: Path, voce: _Voce | None, modello: Modello) -> bool:
    if voce is None or voce.modello_sha256 != modello.sha256:
        return False
    pdf = cartella / voce.file
    return pdf.exists() and _sha256(pdf) == voce.pdf_sha256


def _raccolte(da_fare: list[SchedaLettera], cfg: ConfigCaricata, processi: int) -> list[list[SchedaLettera]]:
    """Batches of one kind and struttura, enough of them to keep every converter busy."""
    gruppi: dict[tuple[TipoLettera, str], list[SchedaLettera]] = defaultdict(list)
    for x in da_fare:
        gruppi[(x.tipo, x.struttura)].append(x)
    massimo = cfg.config.pdf.lettere_per_raccolta
    giri = max(1, math.ceil(len(da_fare) / (processi * massimo)))
    raccolte = []
    for gruppo in gruppi.values():
        quante = max(1, min(len(gruppo), round(processi * giri * len(gruppo) / len(da_fare))))
        dimensione = min(massimo, math.ceil(len(gruppo) / quante))
        raccolte += [gruppo[i : i + dimensione] for i in range(0, len(gruppo), dimensione)]
    return raccolte


def _converti(
    cfg: ConfigCaricata,
    cartella: Path,
    da_fare: list[SchedaLettera],
    modelli: dict[TipoLettera, Modello],
    manifesto: dict[int, _Voce],
    esito: EsitoGenerazione,
    pool: PoolConvertitori,
    avanzamento: Callable[[int], None] | None,
    dati: Dati,
) -> None:
    lavoro = cartella_riservata(cartella / ".lavoro")
    try:
        _Lavorazione(cfg, cartella, lavoro, modelli, manifesto, esito, pool, avanzamento, dati).esegui(
            da_fare
        )
    finally:
        shutil.rmtree(lavoro, ignore_errors=True)


@dataclass
class _Lavorazione:
    """One run's conversion work: raccolte, their split, the retries, the letter-by-letter rescue."""

    cfg: ConfigCaricata
    cartella: Path
    lavoro: Path
    modelli: dict[TipoLettera, Modello]
    manifesto: dict[int, _Voce]
    esito: EsitoGenerazione
    pool: PoolConvertitori
    avanzamento: Callable[[int], None] | None
    dati: Dati  # builds the render data of a batch: never the whole lotto at once
    pagine: dict[int, int] = field(default_factory=dict)  # expected pages, for "di Y"
    numero: int = 0  # work files are numbered across rounds
    _fatte: set[int] = field(default_factory=set)  # done in this run (the page-count samples)

    def esegui(self, da_fare: list[SchedaLettera]) -> None:
        """Raccolte first; letters whose page total was mispredicted go round once more with the
        right number; what still fails is done one letter at a time."""
        self.pagine = self._previsioni(da_fare)
        singole: list[SchedaLettera] = []
        giro = [x for x in da_fare if not self._appena_fatta(x)]
        for _ in range(2):
            if not giro:
                break
            fallite, sbagliate = self._giro(giro)
            singole += fallite
            giro = sbagliate
        singole += giro
        if singole:
            self._una_per_una(singole)

    def _previsioni(self, da_fare: list[SchedaLettera]) -> dict[int, int]:
        """Pages each letter is expected to have, when its letterhead prints the total.

        One letter per kind is converted on its own first (its "Pagina X di Y" is computed by
        LibreOffice); the others of that kind are expected to match it. A wrong guess costs
        one more round for that letter only.
        """
        campioni = {}
        for x in da_fare:
            if self.modelli[x.tipo].conta_pagine and x.tipo not in campioni:
                campioni[x.tipo] = x
        pagine_per_tipo = {tipo: 1 for tipo in campioni}
        if campioni:
            dati = self.dati(list(campioni.values()))
            lavori = {self._lettera_singola(x, dati[x.id]): x for x in campioni.values()}
            for e in self.pool.converti(list(lavori)):
                if e.ok:  # the sample is a finished letter: kept, not converted again
                    pagine_per_tipo[lavori[e.lavoro].tipo] = e.pagine
                    self._salva(lavori[e.lavoro], e.lavoro.pdf.read_bytes(), e.pagine)
                    self._fatte.add(lavori[e.lavoro].id)
        return {x.id: pagine_per_tipo.get(x.tipo, 1) for x in da_fare}

    def _appena_fatta(self, x: SchedaLettera) -> bool:
        return x.id in self._fatte

    def _file(self, nome: str) -> tuple[Path, Path]:
        self.numero += 1
        return self.lavoro / f"{nome}-{self.numero}.docx", self.lavoro / f"{nome}-{self.numero}.pdf"

    def _lettera_singola(self, x: SchedaLettera, dati: dict[str, Any]) -> Lavoro:
        docx, pdf = self._file(f"lettera-{x.id}")
        scrivi_byte_riservati(docx, self.modelli[x.tipo].lettera(dati))
        return Lavoro(docx, pdf)

    def _giro(self, lettere: list[SchedaLettera]) -> tuple[list[SchedaLettera], list[SchedaLettera]]:
        """Convert ``lettere`` in raccolte; returns (letters of failed raccolte, mispredicted ones)."""
        raccolte = _raccolte(lettere, self.cfg, self.pool.processi)
        indice: dict[Lavoro, list[SchedaLettera]] = {}
        for raccolta in raccolte:
            dati = self.dati(raccolta)
            primo = dati[raccolta[0].id]
            docx, pdf = self._file("raccolta")
            contenuto = self.modelli[raccolta[0].tipo].raccolta(
                [LetteraDaComporre(x.id, dati[x.id], self.pagine.get(x.id, 1)) for x in raccolta],
                {"ente": primo["ente"], "struttura": primo["struttura"]},
            )
            del dati
            scrivi_byte_riservati(docx, contenuto)
            indice[Lavoro(docx, pdf)] = raccolta
        timeout = SECONDI_BASE + self.cfg.config.pdf.secondi_per_lettera * max(len(r) for r in raccolte)
        fallite: list[SchedaLettera] = []
        sbagliate: list[SchedaLettera] = []

        def fatto(e: EsitoConversione) -> None:
            raccolta = indice[e.lavoro]
            try:
                parti = dividi(e.lavoro.pdf, [x.id for x in raccolta]) if e.ok else None
            except PdfError:
                parti = None
            if parti is None:
                fallite.extend(raccolta)
                return
            salvate = 0
            for x, parte in zip(raccolta, parti, strict=True):
                attese = self.pagine.get(x.id, 1)
                if self.modelli[x.tipo].conta_pagine and parte.pagine != attese:
                    self.pagine[x.id] = parte.pagine  # now known: the next round writes it right
                    sbagliate.append(x)
                else:
                    self._salva(x, parte.contenuto, parte.pagine)
                    salvate += 1
            _scrivi_manifesto(self.cartella, self.manifesto)
            if self.avanzamento:
                self.avanzamento(salvate)

        # largest first, one raccolta per block: the converters finish together
        ordine = sorted(indice, key=lambda lavoro: -len(indice[lavoro]))
        self.pool.converti(ordine, fatto, timeout=timeout, per_blocco=1)
        return fallite, sbagliate

    def _salva(self, x: SchedaLettera, contenuto: bytes, pagine: int) -> None:
        scrivi_byte_riservati(self.cartella / "lettere" / f"{x.id}.pdf", contenuto)
        self.manifesto[x.id] = _Voce(
            lettera=x.id,
            destinatario=x.destinatario_id,
            canale=x.canale.value,
            modello_sha256=self.modelli[x.tipo].sha256,
            pdf_sha256=hashlib.sha256(contenuto).hexdigest(),
            pagine=pagine,
        )
        self.esito.generate += 1

    def _una_per_una(self, lettere: list[SchedaLettera]) -> None:
        """Each letter on its own: one bad letter fails alone, and LibreOffice counts its pages."""
        per_lavoro = {}
        for i in range(0, len(lettere), PER_LOTTO_DI_DATI):
            blocco = lettere[i : i + PER_LOTTO_DI_DATI]
            dati = self.dati(blocco)
            per_lavoro.update({self._lettera_singola(x, dati[x.id]): x for x in blocco})

        def fatto(e: EsitoConversione) -> None:
            x = per_lavoro[e.lavoro]
            if e.ok:
                self._salva(x, e.lavoro.pdf.read_bytes(), e.pagine)
                _scrivi_manifesto(self.cartella, self.manifesto)
            else:
                self.esito.fallite[x.id] = e.motivo or "conversione non riuscita"
            if self.avanzamento:
                self.avanzamento(1)

        self.pool.converti(list(per_lavoro), fatto)


def _stampa(
    cfg: ConfigCaricata,
    cartella: Path,
    pronte: list[SchedaLettera],
    manifesto: dict[int, _Voce],
    esito: EsitoGenerazione,
    pool: PoolConvertitori | None,
    dati: Dati,
) -> None:
    """Print bundles and the distinta, rebuilt from every generated letter of the lotto."""
    stampa = cartella_riservata(cartella / "stampa")
    for canale in CANALI_POSTALI:
        voci = [
            VoceFascicolo(x.id, x.cap, cartella / manifesto[x.id].file)
            for x in pronte
            if x.canale is canale and x.id in manifesto
        ]
        percorso = stampa / f"{canale.value}.pdf"
        if voci:
            esito.fascicoli[canale.value] = componi(voci, percorso)
        else:
            percorso.unlink(missing_ok=True)
    raccomandate = [x for x in pronte if x.canale is Canale.RACCOMANDATA_AR and x.id in manifesto]
    raccomandate.sort(key=lambda x: (x.cap, x.id))
    if raccomandate and pool is not None:
        righe: list[RigaDistinta] = []
        costo = cfg.config.spese.per_canale(Canale.RACCOMANDATA_AR)
        for i in range(0, len(raccomandate), PER_LOTTO_DI_DATI):
            blocco = raccomandate[i : i + PER_LOTTO_DI_DATI]
            destinatari = dati(blocco)
            righe += [
                riga_distinta(
                    len(righe) + k, x.id, destinatari[x.id]["destinatario"], manifesto[x.id].pagine, costo
                )
                for k, x in enumerate(blocco, start=1)
            ]
        esito.distinta = scrivi_distinta(stampa, righe, cfg.config, pool)
    elif raccomandate:
        esito.distinta = stampa / "distinta_raccomandate.csv"


def _registra(
    engine: Engine,
    op: Operazione,
    lotto_id: int,
    pronte: list[SchedaLettera],
    manifesto: dict[int, _Voce],
    esito: EsitoGenerazione,
) -> None:
    """Letters, lotto and journal brought in line with the manifest, in one transaction."""
    quando: datetime = adesso()
    with sessione(engine) as s:
        attuali = s.execute(
            select(Lettera.id, Lettera.stato, Lettera.pdf_sha256).where(Lettera.lotto_id == lotto_id)
        )
        per_id = {i: (stato, sha) for i, stato, sha in attuali}
        cambi = []
        for x in pronte:
            voce = manifesto.get(x.id)
            stato, sha = per_id[x.id]
            if voce is None or (sha == voce.pdf_sha256 and stato == StatoLettera.GENERATA):
                continue
            verifica_transizione_lettera(StatoLettera(stato), StatoLettera.GENERATA)
            cambi.append(
                {
                    "id": x.id,
                    "stato": StatoLettera.GENERATA.value,
                    "modello_sha256": voce.modello_sha256,
                    "pdf_sha256": voce.pdf_sha256,
                    "pagine": voce.pagine,
                    "generata_il": quando,
                }
            )
        if cambi:  # one executemany by primary key, not ten thousand ORM objects
            s.execute(update(Lettera), cambi)
        lotto = s.get(Lotto, lotto_id)
        if lotto is None:  # deleted while generating: nothing else to bring in line
            raise NonTrovatoError(f"Nessun lotto con numero {lotto_id}.", lotto=lotto_id)
        complete = not esito.fallite and all(x.id in manifesto for x in pronte)
        if complete and lotto.stato == StatoLotto.APPROVATA:
            cambia_stato_lotto(s, op, lotto_id, StatoLotto.GENERATA)
        registra(
            s,
            op,
            cosa="lotto.generato",
            perche=(
                f"lotto {lotto_id}: {esito.generate} lettere generate, {esito.gia_pronte} già pronte, "
                f"{len(esito.fallite)} non riuscite"
            ),
            entita="lotto",
            entita_id=lotto_id,
            dati={
                "generate": esito.generate,
                "gia_pronte": esito.gia_pronte,
                "fallite": sorted(esito.fallite),
            },
        )
