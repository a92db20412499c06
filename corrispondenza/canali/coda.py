"""``invia LOTTO``: the one sending queue, for PEC and e-mail; posta handed over with its bundle.

Never twice, never lost (issue 6). For each letter, in this order:

1. its message is built (subject and body from messaggi.yaml, the PDF checked against the hash
   ``genera`` recorded); a letter whose amounts changed since approval, whose PDF changed or
   whose address is gone is held back (``trattenute``) and stays ``generata``;
2. its Message-ID (our domain) is stored and the letter moves to ``in_invio`` in a committed
   transaction *before* the SMTP transaction starts;
3. the server's answer moves it on: ``inviata``; ``da_ritentare`` with a backoff for a
   temporary refusal (``fallita`` when the attempts are used up); ``fallita`` with the server's
   reply for a permanent one; still ``in_invio`` when the connection broke after the message
   was handed over.

A letter left ``in_invio`` (by that, or by a crash) is resolved before anything is resent:
the PEC mailbox is searched for the provider's acceptance or non-acceptance of its Message-ID
(``accettazioni``); the letter is resent only when neither has arrived ``attesa_accettazione``
seconds after the attempt began. E-mail has no receipts, so an uncertain e-mail is left for a
person to decide (``--ritenta-incerte``).

Letters are taken in batches: one transaction marks a batch ``in_invio``, one records how it
went. A crash inside a batch only leaves more letters to resolve, never a letter sent twice.
A lease in the store (``Concessione``) refuses a second ``invia`` running at the same time.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from corrispondenza.canali.accettazioni import CasellaNonDisponibileError, CasellaRicevute, Presa
from corrispondenza.canali.messaggio import TestiMessaggi, componi
from corrispondenza.canali.posta import consegna_alle_poste
from corrispondenza.canali.smtp import CanaleNonDisponibileError, ConnessioneSmtp, ServerNonRaggiungibileError
from corrispondenza.canali.uscite import Uscita, uscite
from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.dominio.tipi import Canale, EsitoStorico, TipoLettera
from corrispondenza.errors import (
    CorrispondenzaError,
    EsitoIncertoError,
    TrasportoError,
    TrasportoPermanenteError,
)
from corrispondenza.lotti import cambia_stato_lotto, differenze_del_lotto, trova_lotto
from corrispondenza.modelli.contesto import dati_delle_lettere, riferimento
from corrispondenza.orologio import adesso, in_utc, oggi
from corrispondenza.stato import Riscontro, StatoLettera, StatoLotto
from corrispondenza.store.blocchi import Concessione, NomeBlocco
from corrispondenza.store.database import sessione
from corrispondenza.store.giornale import (
    Operazione,
    cambia_stato_lettera,
    lettera_partita,
    registra,
    registra_riscontro,
)
from corrispondenza.store.tabelle import Lettera, Lotto, RicevutaLetta, Soggetto, TentativoInvio

log = logging.getLogger("corrispondenza.invio")

PER_BLOCCO = 25
ATTESA_MASSIMA = timedelta(minutes=15)
"""A retry due later than this is left to the next run (the report says when)."""

Avanzamento = Callable[[int, int], None]
Dormi = Callable[[float], None]
CHIUSE = (StatoLettera.INVIATA, StatoLettera.FALLITA, StatoLettera.ANNULLATA)


@dataclass
class EsitoInvio:
    """What a run did, letter by letter where a person must act (the CLI prints it)."""

    lotto: int
    stato: str = ""
    inviate: Counter[str] = field(default_factory=Counter)
    gia_inviate: int = 0
    trattenute: dict[int, str] = field(default_factory=dict)
    fallite: dict[int, str] = field(default_factory=dict)
    da_ritentare: dict[int, str] = field(default_factory=dict)
    incerte: dict[int, str] = field(default_factory=dict)
    risolte: dict[int, str] = field(default_factory=dict)
    canali_non_disponibili: dict[str, str] = field(default_factory=dict)

    def come_json(self) -> dict[str, Any]:
        """The ``--json`` shape of ``invia`` (README)."""

        def elenco(voci: dict[int, str], chiave: str = "motivo") -> list[dict[str, Any]]:
            return [{"lettera": i, chiave: v} for i, v in sorted(voci.items())]

        return {
            "lotto": self.lotto,
            "stato": self.stato,
            "completo": self.completo,
            "inviate": dict(sorted(self.inviate.items())),
            "gia_inviate": self.gia_inviate,
            "risolte": elenco(self.risolte, "esito"),
            "trattenute": elenco(self.trattenute),
            "fallite": elenco(self.fallite),
            "da_ritentare": elenco(self.da_ritentare),
            "incerte": elenco(self.incerte),
            "canali_non_disponibili": [
                {"canale": c, "motivo": m} for c, m in sorted(self.canali_non_disponibili.items())
            ],
        }

    @property
    def completo(self) -> bool:
        """Every letter settled: nothing held back, failed, pending or uncertain."""
        return not (
            self.trattenute
            or self.fallite
            or self.da_ritentare
            or self.incerte
            or self.canali_non_disponibili
        )


@dataclass(frozen=True)
class _Pronta:
    """A letter ready for the wire: the bytes are built before it is marked ``in_invio``."""

    id: int
    message_id: str
    indirizzo: str
    dati: bytes


def invia_lotto(
    engine: Engine,
    cfg: ConfigCaricata,
    lotto_id: int,
    op: Operazione,
    *,
    avanzamento: Avanzamento | None = None,
    ritenta_incerte: bool = False,
    dormi: Dormi = time.sleep,
) -> EsitoInvio:
    """Send (or hand to the post) every letter of a generated lotto not sent yet."""
    with Concessione(engine, NomeBlocco.INVIA) as concessione:
        esito = EsitoInvio(lotto_id)
        giorno = _lotto_da_inviare(engine, lotto_id, esito)
        with sessione(engine) as s:
            esito.trattenute.update(_cambiate(s, lotto_id))
        consegna_alle_poste(engine, cfg, lotto_id, op, esito)
        necessari = _canali_da_usare(engine, lotto_id)
        pronte = uscite(cfg, necessari, esito.canali_non_disponibili)
        contatore = _Contatore(engine, lotto_id, pronte, avanzamento)
        for uscita in pronte:
            _Spedizione(
                engine, cfg, uscita, lotto_id, giorno, op, esito, concessione, dormi, contatore
            ).esegui(ritenta_incerte)
        _chiudi(engine, op, lotto_id, esito)
        return esito


def _lotto_da_inviare(engine: Engine, lotto_id: int, esito: EsitoInvio) -> date:
    with sessione(engine) as s:
        lotto = trova_lotto(
            s,
            lotto_id,
            (StatoLotto.GENERATA, StatoLotto.INVIATA),
            f"si inviano solo i lotti generati (corrispondenza genera {lotto_id}).",
        )
        esito.gia_inviate = s.scalar(
            select(func.count()).where(Lettera.lotto_id == lotto_id, Lettera.stato == StatoLettera.INVIATA)
        )
        return lotto.data


def _cambiate(s: Session, lotto_id: int) -> dict[int, str]:
    """Art. 6 c. 3: the letter demands the residual; one frozen before a payment would overstate it."""
    aperte = set(
        s.scalars(
            select(Lettera.id).where(
                Lettera.lotto_id == lotto_id, Lettera.stato.not_in([x.value for x in CHIUSE])
            )
        )
    )
    return {
        lettera: "importi cambiati dopo l'approvazione ("
        + "; ".join(f"credito {d['credito']}: {d['congelato']} → {d['attuale']}" for d in differenze)
        + "): rivedere e ripianificare"
        for lettera, differenze in differenze_del_lotto(s, lotto_id).items()
        if lettera in aperte
    }


def _canali_da_usare(engine: Engine, lotto_id: int) -> set[Canale]:
    with sessione(engine) as s:
        query = select(Lettera.canale).where(
            Lettera.lotto_id == lotto_id, Lettera.stato.not_in([x.value for x in CHIUSE])
        )
        return {Canale(c) for c in s.scalars(query.distinct())} & {Canale.PEC, Canale.EMAIL}


class _Contatore:
    """Progress over every electronic letter still to send in this run."""

    def __init__(self, engine: Engine, lotto_id: int, pronte: list[Uscita], avanzamento: Avanzamento | None):
        self._avanzamento = avanzamento
        if avanzamento is None:
            return
        with sessione(engine) as s:
            totale = s.scalar(
                select(func.count()).where(
                    Lettera.lotto_id == lotto_id,
                    Lettera.canale.in_([u.canale.value for u in pronte]),
                    Lettera.stato.not_in([x.value for x in CHIUSE]),
                )
            )
        avanzamento(0, totale or 0)
        self._totale = totale or 0

    def fatte(self, n: int) -> None:
        if self._avanzamento is not None and n:
            self._avanzamento(n, self._totale)


class _Spedizione:
    """The letters of one lotto on one channel, through one connection to its server."""

    def __init__(
        self,
        engine: Engine,
        cfg: ConfigCaricata,
        uscita: Uscita,
        lotto_id: int,
        giorno: date,
        op: Operazione,
        esito: EsitoInvio,
        concessione: Concessione,
        dormi: Dormi,
        contatore: _Contatore,
    ) -> None:
        self.engine, self.cfg, self.uscita, self.lotto_id = engine, cfg, uscita, lotto_id
        self.giorno, self.op, self.esito, self.concessione = giorno, op, esito, concessione
        self.dormi, self.contatore = dormi, contatore
        self.cartella_pdf = cfg.outbox / str(lotto_id) / "lettere"
        self.testi = TestiMessaggi(cfg.modelli / cfg.config.modelli.messaggi)
        self.intervallo = 60.0 / uscita.invio.messaggi_al_minuto
        self.ultimo_invio = 0.0
        self.guasti_di_fila = 0

    # -- the loop ---------------------------------------------------------------------------

    def esegui(self, ritenta_incerte: bool) -> None:
        canale = self.uscita.canale.value
        try:
            with ConnessioneSmtp(
                self.uscita.server,
                self.uscita.percorso,
                self.cfg.cartella,
                timeout=self.uscita.invio.timeout_secondi,
            ) as connessione:
                self.connessione = connessione
                self._risolvi(ritenta_incerte)  # what a crash left in mid-send comes first
                while self._un_giro():
                    self._risolvi(ritenta_incerte)
                self._risolvi(ritenta_incerte)
        except CanaleNonDisponibileError as exc:
            log.warning("canale %s non disponibile: %s", canale, exc.__class__.__name__)
            self.esito.canali_non_disponibili[canale] = exc.messaggio
        self._da_ritentare()

    def _un_giro(self) -> bool:
        """Send every letter due now; False when nothing is left to do in this run."""
        dovute = self._dovute()
        if not dovute:
            return self._attendi_prossimo_tentativo()
        for blocco in _a_blocchi(dovute, PER_BLOCCO):
            if not self._blocco(blocco):
                break
            self.concessione.rinnova()
        return True

    def _dovute(self) -> list[int]:
        with sessione(self.engine) as s:
            query = select(Lettera.id, Lettera.stato, Lettera.prossimo_tentativo).where(
                Lettera.lotto_id == self.lotto_id,
                Lettera.canale == self.uscita.canale.value,
                Lettera.stato.in_([StatoLettera.GENERATA.value, StatoLettera.DA_RITENTARE.value]),
            )
            ora = adesso()
            return [
                i
                for i, stato, quando in s.execute(query.order_by(Lettera.id))
                if i not in self.esito.trattenute
                and (stato == StatoLettera.GENERATA or quando is None or in_utc(quando) <= ora)
            ]

    def _attendi_prossimo_tentativo(self) -> bool:
        """Sleep until the earliest retry if it is due soon; False if none is, or it is too far."""
        with sessione(self.engine) as s:
            prossimo = s.scalar(
                select(func.min(Lettera.prossimo_tentativo)).where(
                    Lettera.lotto_id == self.lotto_id,
                    Lettera.canale == self.uscita.canale.value,
                    Lettera.stato == StatoLettera.DA_RITENTARE,
                )
            )
        if prossimo is None:
            return False
        attesa = in_utc(prossimo) - adesso()
        if attesa > ATTESA_MASSIMA:
            return False
        self.dormi(max(attesa.total_seconds(), 0.0))
        return True

    # -- one batch ---------------------------------------------------------------------------

    def _blocco(self, ids: list[int]) -> bool:
        """Prepare, mark ``in_invio`` (committed), send, record. False: the server is gone."""
        pronte = self._prepara(ids)
        if not pronte:
            return True
        try:
            self.connessione.apri()  # before marking: a server that is down costs no attempt
        except ServerNonRaggiungibileError as exc:
            return self._server_giu(exc)
        self._segna_in_invio(pronte)
        esiti: list[tuple[_Pronta, str, TrasportoError | None, str]] = []
        for pronta in pronte:
            esiti.append(self._trasmetti(pronta))
        self._registra(esiti)
        self.contatore.fatte(sum(1 for _, e, _, _ in esiti if e != "incerto"))
        return not any(e == "non_tentata" for _, e, _, _ in esiti)

    def _prepara(self, ids: list[int]) -> list[_Pronta]:
        with sessione(self.engine) as s:
            dati = dati_delle_lettere(s, self.cfg.config, ids, self.giorno)
            lettere = {x.id: x for x in s.scalars(select(Lettera).where(Lettera.id.in_(ids)))}
            indirizzi = dict(
                s.execute(
                    select(Lettera.id, self.uscita.campo_indirizzo(Soggetto))
                    .join(Soggetto, Soggetto.id == Lettera.destinatario_id)
                    .where(Lettera.id.in_(ids))
                ).all()
            )
        pronte = []
        for i in ids:
            try:
                pronte.append(self._messaggio(lettere[i], dati[i], indirizzi.get(i)))
            except _Trattenuta as exc:
                self.esito.trattenute[i] = str(exc)
                log.info("lettera %s trattenuta", i)
        return pronte

    def _messaggio(self, lettera: Lettera, dati: dict, indirizzo: str | None) -> _Pronta:
        if not indirizzo:
            raise _Trattenuta(f"nessun indirizzo {self.uscita.nome_indirizzo} del destinatario in anagrafica")
        percorso = self.cartella_pdf / f"{lettera.id}.pdf"
        try:
            pdf = percorso.read_bytes()
        except OSError:
            raise _Trattenuta(f"PDF mancante ({percorso}): rieseguire genera") from None
        if hashlib.sha256(pdf).hexdigest() != lettera.pdf_sha256:
            raise _Trattenuta("il PDF non è quello generato (impronta diversa): rieseguire genera")
        mid = lettera.message_id or _nuovo_message_id(lettera.id, self.giorno, self.uscita.dominio)
        testo = self.testi.rendi(TipoLettera(lettera.tipo), dati)
        corpo = componi(
            mittente=self.uscita.mittente,
            destinatario=indirizzo,
            testo=testo,
            message_id=mid,
            data=adesso(),
            pdf=pdf,
            nome_pdf=f"{riferimento(lettera.id, self.giorno)}.pdf",
            intestazioni=self.uscita.intestazioni,
        )
        if self.uscita.limite_byte is not None and len(corpo) > self.uscita.limite_byte:
            raise _Trattenuta(
                f"messaggio di {len(corpo)} byte oltre il limite del gestore ({self.uscita.limite_byte})"
            )
        return _Pronta(lettera.id, mid, indirizzo, corpo)

    def _segna_in_invio(self, pronte: list[_Pronta]) -> None:
        """The Message-IDs are in the store before the first byte goes to the server."""
        ora = adesso()
        with sessione(self.engine) as s:
            lettere = _per_id(s, [p.id for p in pronte])
            for p in pronte:
                x = lettere[p.id]
                x.message_id, x.indirizzo, x.in_invio_dal = p.message_id, p.indirizzo, ora
                x.tentativi = (x.tentativi or 0) + 1
                x.prossimo_tentativo = None
                perche = f"invio {self.uscita.canale.value}, tentativo {x.tentativi}"
                cambia_stato_lettera(s, self.op, x, StatoLettera.IN_INVIO, perche, message_id=p.message_id)

    def _trasmetti(self, p: _Pronta) -> tuple[_Pronta, str, TrasportoError | None, str]:
        """One SMTP transaction; the outcome word decides the letter's next state."""
        pausa = self.ultimo_invio + self.intervallo - time.monotonic()
        if pausa > 0:
            self.dormi(pausa)  # the provider's pace (messaggi_al_minuto)
        self.ultimo_invio = time.monotonic()
        try:
            risposta = self.connessione.invia(self.uscita.mittente, p.indirizzo, p.dati)
        except ServerNonRaggiungibileError as exc:
            return p, "non_tentata", exc, ""
        except EsitoIncertoError as exc:
            return p, "incerto", exc, ""
        except TrasportoPermanenteError as exc:
            return p, "permanente", exc, ""
        except TrasportoError as exc:
            return p, "temporaneo", exc, ""
        return p, "inviata", None, risposta

    def _registra(self, esiti: list[tuple[_Pronta, str, TrasportoError | None, str]]) -> None:
        ora = adesso()
        massimi = self.uscita.invio.tentativi_massimi
        with sessione(self.engine) as s:
            lettere = _per_id(s, [p.id for p, _, _, _ in esiti])
            for p, parola, errore, risposta in esiti:
                x = lettere[p.id]
                s.add(_tentativo(x, parola, errore, risposta, ora))
                if parola == "inviata":
                    x.inviata_il, x.data_invio, x.risposta = ora, oggi(), risposta[:2000]
                    lettera_partita(s, self.op, x, f"accettata dal server: {risposta[:200]}")
                elif parola == "permanente" or (parola == "temporaneo" and x.tentativi >= massimi):
                    x.risposta = _risposta(errore)
                    _non_recapitata(x)
                    cambia_stato_lettera(s, self.op, x, StatoLettera.FALLITA, f"rifiutata: {x.risposta}")
                    self.esito.fallite[x.id] = x.risposta
                elif parola in ("temporaneo", "non_tentata"):
                    if parola == "non_tentata":
                        x.tentativi -= 1  # nothing reached the server: no attempt is spent
                    x.risposta = _risposta(errore)
                    x.prossimo_tentativo = ora + self._ritardo(max(x.tentativi, 1))
                    cambia_stato_lettera(
                        s, self.op, x, StatoLettera.DA_RITENTARE, f"da ritentare: {x.risposta}"
                    )
                else:  # incerto: stays in_invio until the receipts tell
                    x.risposta = _risposta(errore)
            if esiti:
                self.esito.inviate[self.uscita.canale.value] += sum(
                    1 for _, e, _, _ in esiti if e == "inviata"
                )

    def _server_giu(self, exc: ServerNonRaggiungibileError) -> bool:
        """The server cannot be reached: wait and try again, up to the attempts allowed."""
        self.guasti_di_fila += 1
        if self.guasti_di_fila >= self.uscita.invio.tentativi_massimi:
            self.esito.canali_non_disponibili[self.uscita.canale.value] = exc.messaggio
            raise CanaleNonDisponibileError(exc.messaggio, risposta=exc.risposta)
        self.dormi(self._ritardo(self.guasti_di_fila).total_seconds())
        return False

    def _ritardo(self, tentativo: int) -> timedelta:
        return timedelta(seconds=float(self.uscita.invio.ritenta_dopo_secondi) * 2 ** (tentativo - 1))

    # -- resolving what is in mid-send -------------------------------------------------------

    def _risolvi(self, ritenta_incerte: bool) -> None:
        """Letters left ``in_invio``: settled from the provider's receipts, never resent blind."""
        sospese = self._sospese()
        if not sospese:
            return
        if self.uscita.casella_pec is None:
            self._incerte_senza_ricevute(sospese, ritenta_incerte)
            return
        attesa = timedelta(seconds=self.uscita.casella_pec.attesa_accettazione_secondi)
        try:
            with CasellaRicevute(self.uscita.casella_pec, self.cfg.cartella) as casella:
                while sospese:
                    mids = [mid for _, mid, _ in sospese]
                    trovate = {**casella.cerca(mids), **self._gia_lette(mids)}
                    sospese = self._decidi(sospese, trovate, attesa)
                    if sospese:
                        scadenza = min(in_utc(dal) + attesa for _, _, dal in sospese)
                        self.dormi(min(max((scadenza - adesso()).total_seconds(), 0.05), 1.0))
        except CasellaNonDisponibileError as exc:
            for i, _, _ in sospese:
                self.esito.incerte[i] = f"esito sconosciuto, la casella PEC non si legge: {exc.messaggio}"

    def _gia_lette(self, mids: list[str]) -> dict[str, Presa]:
        """Receipts ``ricevute`` already read (and maybe moved out of the searched folders)."""
        with sessione(self.engine) as s:
            query = select(RicevutaLetta.msgid, RicevutaLetta.tipo).where(
                RicevutaLetta.msgid.in_(mids), RicevutaLetta.classe == "ricevuta"
            )
            trovate: dict[str, Presa] = {}
            for mid, tipo in s.execute(query):
                if tipo != "non-accettazione":
                    trovate[mid] = Presa.ACCETTATA
                else:
                    trovate.setdefault(mid, Presa.NON_ACCETTATA)
            return trovate

    def _sospese(self) -> list[tuple[int, str, datetime]]:
        with sessione(self.engine) as s:
            query = select(Lettera.id, Lettera.message_id, Lettera.in_invio_dal).where(
                Lettera.lotto_id == self.lotto_id,
                Lettera.canale == self.uscita.canale.value,
                Lettera.stato == StatoLettera.IN_INVIO,
            )
            return [(i, m, d) for i, m, d in s.execute(query.order_by(Lettera.id))]

    def _decidi(
        self, sospese: list[tuple[int, str, datetime]], trovate: dict[str, Presa], attesa: timedelta
    ) -> list[tuple[int, str, datetime]]:
        ora = adesso()
        restano = []
        with sessione(self.engine) as s:
            lettere = _per_id(s, [i for i, _, _ in sospese])
            for i, mid, dal in sospese:
                x, presa = lettere[i], trovate.get(mid)
                if presa is Presa.ACCETTATA:
                    x.inviata_il, x.data_invio = x.inviata_il or ora, x.data_invio or oggi()
                    lettera_partita(s, self.op, x, "accettazione del gestore trovata nella casella PEC")
                    registra_riscontro(s, self.op, x, Riscontro.ACCETTATA, "ricevuta di accettazione")
                    self.esito.risolte[i] = "accettata"
                elif presa is Presa.NON_ACCETTATA:
                    x.risposta = "non accettata dal gestore (ricevuta di non accettazione)"
                    _non_recapitata(x)
                    cambia_stato_lettera(s, self.op, x, StatoLettera.FALLITA, x.risposta)
                    registra_riscontro(s, self.op, x, Riscontro.NON_ACCETTATA, "ricevuta di non accettazione")
                    self.esito.risolte[i] = "non_accettata"
                    self.esito.fallite[i] = x.risposta
                elif ora >= in_utc(dal) + attesa:
                    x.prossimo_tentativo = ora
                    perche = (
                        f"nessuna ricevuta del gestore {int(attesa.total_seconds())} s dopo l'invio: "
                        "non l'ha presa, si reinvia"
                    )
                    cambia_stato_lettera(s, self.op, x, StatoLettera.DA_RITENTARE, perche)
                    self.esito.risolte[i] = "non_presa"
                else:
                    restano.append((i, mid, dal))
        self.contatore.fatte(
            sum(1 for i, _, _ in sospese if self.esito.risolte.get(i) in ("accettata", "non_accettata"))
        )
        return restano

    def _incerte_senza_ricevute(self, sospese: list[tuple[int, str, datetime]], ritenta: bool) -> None:
        """E-mail proves nothing back: a person decides whether an uncertain one goes again."""
        with sessione(self.engine) as s:
            lettere = _per_id(s, [i for i, _, _ in sospese])
            for i, _, _ in sospese:
                if ritenta:
                    x = lettere[i]
                    x.prossimo_tentativo = adesso()
                    cambia_stato_lettera(
                        s,
                        self.op,
                        x,
                        StatoLettera.DA_RITENTARE,
                        "esito incerto: reinvio deciso dall'operatore",
                    )
                else:
                    self.esito.incerte[i] = (
                        "esito incerto (connessione interrotta durante l'invio): verificare con il "
                        "gestore di posta, poi rilanciare con --ritenta-incerte per reinviarla"
                    )

    def _da_ritentare(self) -> None:
        """What is left for a later run, with when it is due (the report names each letter)."""
        with sessione(self.engine) as s:
            query = select(Lettera.id, Lettera.prossimo_tentativo, Lettera.risposta).where(
                Lettera.lotto_id == self.lotto_id,
                Lettera.canale == self.uscita.canale.value,
                Lettera.stato == StatoLettera.DA_RITENTARE,
            )
            for i, quando, risposta in s.execute(query):
                dopo = f" dopo le {in_utc(quando).astimezone():%H:%M del %d/%m/%Y}" if quando else ""
                self.esito.da_ritentare[i] = f"rilanciare invia{dopo} ({risposta or 'nessuna risposta'})"


class _Trattenuta(CorrispondenzaError):
    """This letter cannot go as approved; it stays ``generata`` and the report says why."""

    def __init__(self, motivo: str) -> None:
        super().__init__(motivo)


def _non_recapitata(x: Lettera) -> None:
    """Art. 6 c. 11: a letter the server refused for good did not reach the debtor; the next
    ``pianifica`` sees it as a failed delivery and proposes the other channel."""
    x.data_invio = x.data_invio or oggi()
    x.esito = EsitoStorico.MANCATA_CONSEGNA


def _nuovo_message_id(lettera_id: int, giorno: date, dominio: str) -> str:
    """Our own domain, the letter's reference and a random part: unique, and no personal data."""
    return f"<{riferimento(lettera_id, giorno)}.{secrets.token_hex(6)}@{dominio}>"


def _per_id(s: Session, ids: Iterable[int]) -> dict[int, Lettera]:
    return {x.id: x for x in s.scalars(select(Lettera).where(Lettera.id.in_(list(ids))))}


def _a_blocchi(ids: list[int], n: int) -> Iterable[list[int]]:
    for inizio in range(0, len(ids), n):
        yield ids[inizio : inizio + n]


def _risposta(errore: TrasportoError | None) -> str:
    if errore is None:
        return ""
    testo = f"{errore.codice} {errore.risposta}".strip() if errore.codice else errore.messaggio
    return testo[:2000]


def _tentativo(
    x: Lettera, parola: str, errore: TrasportoError | None, risposta: str, ora: datetime
) -> TentativoInvio:
    return TentativoInvio(
        lettera_id=x.id,
        numero=x.tentativi,
        inizio=x.in_invio_dal or ora,
        fine=ora,
        esito=parola,
        codice=errore.codice if errore else int(risposta[:3]) if risposta[:3].isdigit() else None,
        risposta=(errore.risposta if errore else risposta)[:2000] or None,
        eccezione=type(errore.__cause__ or errore).__name__ if errore else None,
    )


def _chiudi(engine: Engine, op: Operazione, lotto_id: int, esito: EsitoInvio) -> None:
    """The lotto is ``inviata`` once every letter is settled; the run is journaled either way."""
    with sessione(engine) as s:
        stati = Counter(s.scalars(select(Lettera.stato).where(Lettera.lotto_id == lotto_id)))
        lotto = s.get_one(Lotto, lotto_id)
        if lotto.stato == StatoLotto.GENERATA and set(stati) <= {x.value for x in CHIUSE}:
            cambia_stato_lotto(s, op, lotto_id, StatoLotto.INVIATA)
        esito.stato = lotto.stato
        registra(
            s,
            op,
            cosa="lotto.invio",
            perche=(
                f"lotto {lotto_id}: inviate {sum(esito.inviate.values())}, "
                f"trattenute {len(esito.trattenute)}, non riuscite {len(esito.fallite)}, "
                f"da ritentare {len(esito.da_ritentare)}, incerte {len(esito.incerte)}"
            ),
            entita="lotto",
            entita_id=lotto_id,
            dati={"inviate": dict(esito.inviate), "stati": dict(stati)},
        )


__all__ = ["EsitoInvio", "invia_lotto"]
