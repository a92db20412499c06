"""The pydantic models of config.yaml.

Every rule threshold defaults to the value the Regolamento states, so an office only writes
what differs. Unknown keys are errors (a misspelt threshold must not silently fall back to
the default). Money and rates are ``Decimal``; a YAML float such as ``0.05`` is read through
its text, never through binary floating point.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from stdnum import iban as stdnum_iban
from stdnum.it import codicefiscale, iva

from corrispondenza.dominio.tipi import Canale, TipoCredito, TipoLettera
from corrispondenza.importa.colonne import COLONNE

_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_STRUTTURA = re.compile(r"^[A-Z][A-Z0-9_]{1,19}$")


def _decimale(valore: Any) -> Any:
    """Read YAML numbers and Italian strings ("1,6") as Decimal without float rounding."""
    if isinstance(valore, bool):
        raise ValueError("atteso un numero, trovato un valore vero/falso")
    if isinstance(valore, float | int):
        return Decimal(repr(valore)) if isinstance(valore, float) else Decimal(valore)
    if isinstance(valore, str):
        return valore.strip().replace(",", ".").rstrip("%").strip()
    return valore


Importo = Annotated[Decimal, BeforeValidator(_decimale), Field(ge=0, decimal_places=2)]
Percentuale = Annotated[Decimal, BeforeValidator(_decimale), Field(ge=0, le=100)]


class Modello(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Indirizzo(Modello):
    via: str = Field(min_length=1)
    cap: str = Field(pattern=r"^\d{5}$")
    comune: str = Field(min_length=1)
    provincia: str = Field(pattern=r"^[A-Z]{2}$")


class Persona(Modello):
    nome: str = Field(min_length=1)
    qualifica: str = Field(min_length=1)


class Struttura(Modello):
    """An organisational unit (Art. 4 c. 3): it sends letters and answers the debtor's questions."""

    denominazione: str = Field(min_length=1)
    responsabile: Persona
    telefono: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    pec: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    orari: str | None = None
    indirizzo: Indirizzo | None = None


class Destinatari(Modello):
    """Which struttura receives each report (Art. 6 c. 8, Art. 8 c. 5)."""

    stralcio: str = "BILANCIO"
    fallimento: str = "LEGALE"
    ruolo: str = "BILANCIO"


class PagoPA(Modello):
    abilitato: bool = False
    codice_fiscale_ente: str | None = None


class Ente(Modello):
    denominazione: str = Field(min_length=1)
    codice_fiscale: str
    partita_iva: str | None = None
    indirizzo: Indirizzo
    pec: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    telefono: str | None = None
    iban: str
    tesoriere: str = Field(min_length=1)
    firmatario: Persona
    informativa_privacy: str = Field(min_length=1)
    pagopa: PagoPA = PagoPA()
    strutture: dict[str, Struttura] = Field(min_length=1)
    destinatari_segnalazioni: Destinatari = Destinatari()

    @field_validator("codice_fiscale")
    @classmethod
    def _cf_ente(cls, valore: str) -> str:
        if not (iva.is_valid(valore) or codicefiscale.is_valid(valore)):
            raise ValueError("codice fiscale dell'ente non valido (cifra di controllo errata)")
        return valore

    @field_validator("partita_iva")
    @classmethod
    def _piva(cls, valore: str | None) -> str | None:
        if valore is not None and not iva.is_valid(valore):
            raise ValueError("partita IVA non valida (11 cifre con cifra di controllo)")
        return valore

    @field_validator("iban")
    @classmethod
    def _iban(cls, valore: str) -> str:
        compatto = stdnum_iban.compact(valore)
        if not stdnum_iban.is_valid(compatto):
            raise ValueError("IBAN non valido (controllare le cifre di controllo)")
        return compatto

    @field_validator("strutture")
    @classmethod
    def _codici(cls, strutture: dict[str, Struttura]) -> dict[str, Struttura]:
        for codice in strutture:
            if not _STRUTTURA.match(codice):
                raise ValueError(
                    f"codice di struttura «{codice}» non valido: "
                    "usare lettere maiuscole, cifre e _ (es. TICKET)"
                )
        return strutture

    @model_validator(mode="after")
    def _segnalazioni_note(self) -> Ente:
        for campo in ("stralcio", "fallimento", "ruolo"):
            codice = getattr(self.destinatari_segnalazioni, campo)
            if codice not in self.strutture:
                raise ValueError(
                    f"destinatari_segnalazioni.{campo}: la struttura «{codice}» "
                    "non è tra le strutture dell'ente"
                )
        return self


class Finestra(Modello):
    """A window "at least N and at most M months after X" (Art. 5 c. 4, Art. 6 c. 5)."""

    mesi_minimi: int = Field(default=3, ge=0, le=120)
    mesi_massimi: int = Field(default=12, ge=1, le=120)

    @model_validator(mode="after")
    def _ordine(self) -> Finestra:
        if self.mesi_massimi < self.mesi_minimi:
            raise ValueError("mesi_massimi deve essere maggiore o uguale a mesi_minimi")
        return self


class RegolaAvviso(Finestra):
    importo_minimo: Importo = Decimal("0.00")  # Art. 5 c. 5: no minimum by default
    termine_giorni: int = Field(default=30, ge=1, le=365)


class RegolaSollecito(Finestra):
    termine_giorni: int = Field(default=15, ge=1, le=365)  # Art. 6 c. 7


class RegolaRuolo(Modello):
    mesi_dopo_notifica: int = Field(default=3, ge=0, le=60)  # Art. 8 c. 5
    spese_forfettarie: Importo = Decimal("0.00")  # Art. 8 c. 6 lett. c


class RegolaRateizzazione(Modello):
    rate_massime: int = Field(default=24, ge=1, le=120)  # Art. 7 c. 2
    rata_minima: Importo = Decimal("50.00")
    rate_senza_interessi: int = Field(default=12, ge=0, le=120)  # Art. 7 c. 5


class RegolaControlliSanitari(Modello):
    """Art. 3 c. 3 (D.Lgs. 194/2008 art. 10 c. 5): after 60 days, +30 % and legal interest."""

    giorni: int = Field(default=60, ge=1, le=365)
    maggiorazione: Percentuale = Decimal("30")


class RegolaOrdinanza(Modello):
    """Art. 3 c. 2: the ordinanza-ingiunzione is the title; the ruolo follows its term."""

    giorni: int = Field(default=30, ge=1, le=365)


class Prescrizione(Modello):
    """Art. 1 c. 3: years by credit type; type e (sanctions) defaults to 5."""

    anni_ordinaria: int = Field(default=10, ge=1, le=30)
    anni_per_tipo: dict[TipoCredito, int] = Field(default_factory=lambda: {TipoCredito.E: 5})
    preavviso_mesi: int = Field(default=6, ge=0, le=60)


Periodicita = Literal["mensile", "trimestrale", "semestrale", "annuale"]


class Regole(Modello):
    periodicita: Periodicita = "mensile"  # Art. 4 c. 5
    termine_pagamento_giorni: int = Field(default=30, ge=1, le=365)  # Art. 4 c. 2
    avviso: RegolaAvviso = RegolaAvviso()
    sollecito: RegolaSollecito = RegolaSollecito()
    soglia_ruolo: Importo = Decimal("10.33")  # Art. 6 c. 6, Art. 8 c. 7 (D.P.R. 602/1973)
    ruolo: RegolaRuolo = RegolaRuolo()
    rateizzazione: RegolaRateizzazione = RegolaRateizzazione()
    controlli_sanitari: RegolaControlliSanitari = RegolaControlliSanitari()
    ordinanza_ingiunzione: RegolaOrdinanza = RegolaOrdinanza()
    prescrizione: Prescrizione = Prescrizione()
    eredi_importo_minimo: Importo = Decimal("0.00")  # Art. 6 c. 8: below it, stralcio proposal
    maggiore_eta: int = Field(default=18, ge=14, le=21)
    email_per_avviso: bool = True  # Art. 5 c. 4: e-mail "se disponibile"


class PeriodoTasso(Modello):
    dal: date
    tasso: Percentuale


class Interessi(Modello):
    legali: dict[int, Percentuale] = Field(min_length=1)  # percent per calendar year
    tesoriere: list[PeriodoTasso] = Field(min_length=1)

    @field_validator("legali")
    @classmethod
    def _anni_contigui(cls, tabella: dict[int, Decimal]) -> dict[int, Decimal]:
        anni = sorted(tabella)
        mancanti = sorted(set(range(anni[0], anni[-1] + 1)) - set(anni))
        if mancanti:
            raise ValueError(f"mancano i tassi degli anni {', '.join(map(str, mancanti))}")
        if anni[0] < 1900 or anni[-1] > 2200:
            raise ValueError("gli anni devono essere compresi tra 1900 e 2200")
        return dict(sorted(tabella.items()))

    @field_validator("tesoriere")
    @classmethod
    def _periodi_ordinati(cls, periodi: list[PeriodoTasso]) -> list[PeriodoTasso]:
        date_inizio = [p.dal for p in periodi]
        if date_inizio != sorted(set(date_inizio)):
            raise ValueError("i periodi devono avere date «dal» crescenti e diverse")
        return periodi


class Spese(Modello):
    """Art. 6 c. 9: documented postal costs per channel (demo defaults, DESIGN.md)."""

    posta_ordinaria: Importo = Decimal("1.30")
    raccomandata_ar: Importo = Decimal("9.50")
    pec: Importo = Decimal("0.00")
    email: Importo = Decimal("0.00")

    def per_canale(self, canale: Canale) -> Decimal:
        return getattr(self, canale.value)


class Server(Modello):
    """A mail server account. The password is never in the file: only the variable's name."""

    host: str = Field(min_length=1)
    porta: int = Field(ge=1, le=65535)
    utente: str = Field(min_length=1)
    password_env: str
    tls: Literal["implicito", "starttls"] = "implicito"
    ca_file: str | None = None

    @field_validator("password_env")
    @classmethod
    def _nome_variabile(cls, valore: str) -> str:
        if not _ENV.match(valore):
            raise ValueError(
                "deve essere il NOME di una variabile d'ambiente (es. CORRISPONDENZA_PEC_PASSWORD), "
                "non la password"
            )
        return valore


class Invio(Modello):
    """How the sending queue treats one mailbox (issue 6): pace, retries, time-outs.

    The provider's limits differ (RICEVUTE.md, "Limits"): one connection per mailbox, at most
    ``messaggi_al_minuto``; a temporary refusal is retried after ``ritenta_dopo_secondi``,
    doubled at each attempt, at most ``tentativi_massimi`` attempts in all.
    """

    messaggi_al_minuto: int = Field(default=60, ge=1, le=100_000)
    tentativi_massimi: int = Field(default=5, ge=1, le=50)
    ritenta_dopo_secondi: Annotated[Decimal, BeforeValidator(_decimale), Field(ge=0, le=86_400)] = Decimal(30)
    timeout_secondi: int = Field(default=60, ge=1, le=3600)


class CasellaPec(Invio):
    indirizzo: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    smtp: Server
    imap: Server
    cartelle: list[str] = Field(default_factory=lambda: ["INBOX"], min_length=1)
    tipo_ricevuta: Literal["completa", "breve", "sintetica"] = "sintetica"
    # After a crash a letter caught mid-send is resent only if no acceptance (or non-acceptance)
    # has arrived this long after the attempt began: the provider provably did not take it.
    attesa_accettazione_secondi: int = Field(default=300, ge=1, le=86_400)
    limite_byte: int = Field(default=30 * 1024 * 1024, ge=1024)  # the provider's size limit (30 MB by law)
    ca_ricevute: str | None = None  # trust anchors (PEM) of receipt signatures, relative to config folder


class CasellaEmail(Invio):
    mittente: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    smtp: Server


class LetturaRicevute(Modello):
    """How ``ricevute`` reads the PEC mailbox (issue 7): where the evidence goes, what then.

    Mailbox quotas are small (RICEVUTE.md): once a receipt is kept as evidence and applied it can
    be flagged (``segna``, the default: the keyword ``$Elaborata``), moved to ``cartella_elaborate``
    (``sposta``) or left as it is (``nessuna``).
    """

    archivio: str = "ricevute"  # folder of the raw receipts (content-addressed), relative to config
    dopo_lettura: Literal["nessuna", "segna", "sposta"] = "segna"
    cartella_elaborate: str = "Ricevute elaborate"
    messaggi_per_lotto: int = Field(default=200, ge=1, le=5000)
    # a big backlog (from ``soglia_processi`` new messages in a folder) is read by this many
    # other processes while this one fetches and applies (ricevute/elaborazione.py); 0: never
    processi: int = Field(default=2, ge=0, le=16)
    soglia_processi: int = Field(default=1000, ge=1)
    attesa_idle_secondi: int = Field(default=300, ge=1, le=1740)  # RFC 2177: re-issue IDLE within 29 min
    riconnessione_massima_secondi: int = Field(default=300, ge=1, le=3600)


class Canali(Modello):
    pec: CasellaPec | None = None
    email: CasellaEmail | None = None


class Database(Modello):
    url: str = "sqlite:///corrispondenza.db"

    @field_validator("url")
    @classmethod
    def _dialetto(cls, url: str) -> str:
        if not url.startswith(("sqlite:///", "postgresql+psycopg://")):
            raise ValueError(
                "URL non supportato: usare sqlite:///percorso.db oppure "
                "postgresql+psycopg://utente@host:porta/database"
            )
        if re.match(r"^postgresql\+psycopg://[^/@]*:[^/@]+@", url):
            raise ValueError("non scrivere la password nell'URL: usare la variabile d'ambiente PGPASSWORD")
        return url


class Importazione(Modello):
    """Column mapping per import kind: ``{tipo: {colonna_standard: nome_nel_file}}``."""

    colonne: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("colonne")
    @classmethod
    def _colonne_note(cls, colonne: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        problemi = []
        for tipo, mappa in colonne.items():
            if tipo not in COLONNE:
                problemi.append(f"«{tipo}» non è un tipo di importazione ({', '.join(COLONNE)})")
                continue
            sconosciute = sorted(set(mappa) - set(COLONNE[tipo]))
            if sconosciute:
                problemi.append(
                    f"{tipo}: colonne standard sconosciute {', '.join(sconosciute)} "
                    f"(ammesse: {', '.join(COLONNE[tipo])})"
                )
        if problemi:
            raise ValueError("; ".join(problemi))
        return colonne


FILE_MODELLI: dict[TipoLettera, str] = {
    TipoLettera.AVVISO: "avviso.docx",
    TipoLettera.SOLLECITO: "sollecito.docx",
    TipoLettera.RATEIZZAZIONE_ACCOLTA: "rateizzazione_accolta.docx",
    TipoLettera.RATEIZZAZIONE_RESPINTA: "rateizzazione_respinta.docx",
    TipoLettera.EREDI: "eredi.docx",
}
"""The letters the tool writes, each from its own template (the ordinanza-ingiunzione is not ours)."""


class Modelli(Modello):
    """Where the legal office's templates are (DESIGN.md, Templates): kind → DOCX file."""

    cartella: str = "modelli"
    file: dict[TipoLettera, str] = Field(default_factory=lambda: dict(FILE_MODELLI))
    messaggi: str = "messaggi.yaml"

    @field_validator("file")
    @classmethod
    def _tipi_scritti(cls, file: dict[TipoLettera, str]) -> dict[TipoLettera, str]:
        estranei = sorted(t.value for t in file if t not in FILE_MODELLI)
        if estranei:
            raise ValueError(f"lettere che lo strumento non scrive: {', '.join(estranei)}")
        non_docx = sorted(f for f in file.values() if not f.lower().endswith(".docx"))
        if non_docx:
            raise ValueError(f"i modelli sono documenti Word .docx: {', '.join(non_docx)}")
        return {**FILE_MODELLI, **file}


class Pdf(Modello):
    """The LibreOffice converters that turn letters into PDF/A (issue 5, Conversion)."""

    processi: int = Field(default=0, ge=0, le=32)  # 0: one per processor
    lettere_per_raccolta: int = Field(default=200, ge=1, le=200)  # LibreOffice skips files past ~300
    secondi_per_lettera: int = Field(default=20, ge=1, le=600)  # then the converter is restarted


class Config(Modello):
    ente: Ente
    regole: Regole = Regole()
    interessi: Interessi
    spese: Spese = Spese()
    canali: Canali = Canali()
    database: Database = Database()
    outbox: str = "outbox"
    modelli: Modelli = Modelli()
    pdf: Pdf = Pdf()
    importazione: Importazione = Importazione()
    ricevute: LetturaRicevute = LetturaRicevute()
