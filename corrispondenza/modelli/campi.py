"""The field catalogue: every name a letter template may use, what it means, and a sample value.

One definition serves three purposes, so they cannot drift apart (issue 5, Rendering):
``modelli campi`` prints it for the legal office, ``modelli verifica`` checks templates against
it (also inside loops: the element of ``crediti`` has its own fields), and ``modelli anteprima``
renders with the sample values. The letter contexts built by ``modelli.contesto`` are checked
against it in the tests, so a field listed here is a field a real letter fills.

The sample values deliberately contain ``&``, ``<``, ``>``, quotes, apostrophes and accents:
a preview that shows them intact proves the escaping.

No field carries clinical detail (DESIGN.md, Privacy): a credit is identified by its document
number and date only, never by the service it paid for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from corrispondenza.dominio.tipi import TipoLettera


class Genere(StrEnum):
    """What kind of value a field holds: it decides which filter prints it properly."""

    TESTO = "testo"
    IMPORTO = "importo"  # Decimal: print with |euro (or |in_lettere)
    DATA = "data"  # date: print with |data
    NUMERO = "numero"
    GRUPPO = "gruppo"  # a record with fields of its own
    ELENCO = "elenco"  # a list of records: use it in {% for x in ... %}


FILTRI_PER_GENERE = {Genere.IMPORTO: "euro", Genere.DATA: "data"}


@dataclass(frozen=True)
class Campo:
    nome: str
    descrizione: str
    genere: Genere = Genere.TESTO
    esempio: Any = None
    figli: tuple[Campo, ...] = ()
    facoltativo: bool = False  # may be empty: wrap it in {% if ... %}

    def figlio(self, nome: str) -> Campo | None:
        for f in self.figli:
            if f.nome == nome:
                return f
        return None

    def valore_di_esempio(self) -> Any:
        if self.genere is Genere.GRUPPO:
            return {f.nome: f.valore_di_esempio() for f in self.figli}
        if self.genere is Genere.ELENCO:
            return [dict(e) for e in self.esempio]
        return self.esempio


def _t(nome: str, descrizione: str, esempio: str, *, facoltativo: bool = False) -> Campo:
    return Campo(nome, descrizione, Genere.TESTO, esempio, facoltativo=facoltativo)


def _e(nome: str, descrizione: str, esempio: str) -> Campo:
    return Campo(nome, descrizione, Genere.IMPORTO, Decimal(esempio))


def _d(nome: str, descrizione: str, esempio: date, *, facoltativo: bool = False) -> Campo:
    return Campo(nome, descrizione, Genere.DATA, esempio, facoltativo=facoltativo)


def _n(nome: str, descrizione: str, esempio: int) -> Campo:
    return Campo(nome, descrizione, Genere.NUMERO, esempio)


def _g(nome: str, descrizione: str, *figli: Campo, facoltativo: bool = False) -> Campo:
    return Campo(nome, descrizione, Genere.GRUPPO, figli=figli, facoltativo=facoltativo)


def _l(nome: str, descrizione: str, elementi: tuple[Campo, ...], esempio: list[dict[str, Any]]) -> Campo:
    return Campo(nome, descrizione, Genere.ELENCO, esempio, figli=elementi)


def _indirizzo(descrizione: str, *, facoltativo: bool = False) -> Campo:
    return _g(
        "indirizzo",
        descrizione,
        _t("via", "via e numero civico", "Via dell'Ospedale, 1"),
        _t("cap", "codice di avviamento postale", "40138"),
        _t("comune", "comune", "Bologna"),
        _t("provincia", "sigla della provincia", "BO"),
        facoltativo=facoltativo,
    )


ENTE = _g(
    "ente",
    "L'ente creditore (config.yaml, sezione ente): carta intestata e dati per il pagamento",
    _t("denominazione", "nome dell'ente", "Azienda USL di Esempio"),
    _t("codice_fiscale", "codice fiscale dell'ente", "02406911202"),
    _t("partita_iva", "partita IVA, se diversa dal codice fiscale", "02406911202", facoltativo=True),
    _indirizzo("sede legale"),
    _t("pec", "PEC istituzionale", "protocollo@pec.ausl-esempio.it"),
    _t("email", "e-mail per informazioni", "recuperocrediti@ausl-esempio.it"),
    _t("telefono", "centralino", "051 6225111", facoltativo=True),
    _t("iban", "IBAN del conto di tesoreria", "IT60X0542811101000000123456"),
    _t("tesoriere", "banca tesoriere", "Banca Tesoriera S.p.A."),
    _g(
        "firmatario",
        "chi firma le lettere dell'ente",
        _t("nome", "nome e cognome", "Dott.ssa Maria Bianchi"),
        _t("qualifica", "qualifica", "Direttore del Servizio Bilancio"),
    ),
    _t(
        "informativa_privacy",
        "dove è pubblicata l'informativa completa (artt. 13-14 GDPR)",
        "https://www.ausl-esempio.it/privacy",
    ),
)

STRUTTURA = _g(
    "struttura",
    "La struttura che scrive la lettera e risponde alle domande (Art. 4 c. 3)",
    _t("codice", "codice della struttura in config.yaml", "TICKET"),
    _t("denominazione", "nome della struttura", "Ufficio Ticket & Recupero Crediti"),
    _g(
        "responsabile",
        "responsabile del procedimento (L. 241/1990, artt. 5-8)",
        _t("nome", "nome e cognome", "Dott. Luca Verdi"),
        _t("qualifica", "qualifica", "Responsabile dell'Ufficio Ticket"),
    ),
    _t("telefono", "telefono per informazioni", "051 6225999"),
    _t("email", "e-mail per informazioni", "ticket@ausl-esempio.it"),
    _t("pec", "PEC della struttura", "ticket@pec.ausl-esempio.it", facoltativo=True),
    _t("orari", "orari di apertura al pubblico", "lun-ven 9:00-12:30", facoltativo=True),
    _indirizzo("dove consultare gli atti", facoltativo=True),
)

LETTERA = _g(
    "lettera",
    "La lettera stessa",
    _n("id", "numero interno della lettera", 123),
    _t("riferimento", "riferimento da citare nella risposta", "REC-2026-000123"),
    _t("protocollo", "numero di protocollo, se assegnato", "PG/2026/0045678", facoltativo=True),
    _d("data", "data della lettera", date(2026, 11, 30)),
    _t("canale", "codice del canale: pec, email, posta_ordinaria, raccomandata_ar", "pec"),
    _t("modalita_invio", "come è trasmessa, da scrivere sulla lettera", "Trasmessa a mezzo PEC"),
    _d(
        "termine",
        "data entro cui pagare (avviso; nelle altre lettere il termine decorre dal ricevimento)",
        date(2026, 12, 30),
        facoltativo=True,
    ),
    _n("termine_giorni", "giorni per pagare dal ricevimento (sollecito: 15, Art. 6 c. 7)", 15),
)

DESTINATARIO = _g(
    "destinatario",
    "Chi riceve la lettera (per un minore il genitore o tutore; per un defunto l'erede)",
    _t("nominativo", "nome e cognome o ragione sociale", "Carlo D'Angelo & Figli <S.r.l.> «Società»"),
    _t("codice_fiscale", "codice fiscale o partita IVA", "DNGCRL80A01A944K"),
    _t("indirizzo", "via e numero civico", "Via dell'Archiginnasio, 2"),
    _t("cap", "CAP", "40124"),
    _t("comune", "comune", "Bologna"),
    _t("provincia", "sigla della provincia", "BO"),
    _t("pec", "PEC, se la lettera va per PEC", "carlo.dangelo@pec.it", facoltativo=True),
    _t(
        "in_qualita_di",
        "per chi riceve per conto di altri: «esercente la responsabilità genitoriale su …», "
        "«tutore di …», «erede di …»",
        "esercente la responsabilità genitoriale su Giulia D'Angelo",
        facoltativo=True,
    ),
)

DEBITORE = _g(
    "debitore",
    "Il debitore originario (coincide con il destinatario salvo minori e defunti)",
    _t("nominativo", "nome e cognome o ragione sociale", "Giulia D'Angelo"),
    _t("codice_fiscale", "codice fiscale", "DNGGLI12C41A944Q"),
)

_CREDITO = (
    _t(
        "numero_documento", "numero del documento contabile (fattura, richiesta di pagamento)", "FT/2026/1234"
    ),
    _d("data_documento", "data del documento", date(2026, 3, 15)),
    _d("scadenza", "scadenza del pagamento", date(2026, 4, 14)),
    _e("importo", "importo originario", "0"),
    _e("pagato", "quanto è già stato pagato", "0"),
    _e("residuo", "quanto resta da pagare (per un erede: la sua quota)", "0"),
)

CREDITI = _l(
    "crediti",
    "Tabella dei crediti richiesti: usare in {%tr for c in crediti %} in una riga di tabella",
    _CREDITO,
    [
        {
            "numero_documento": "FT/2026/1234",
            "data_documento": date(2026, 3, 15),
            "scadenza": date(2026, 4, 14),
            "importo": Decimal("1234.56"),
            "pagato": Decimal("200.00"),
            "residuo": Decimal("1034.56"),
        },
        {
            "numero_documento": "FT/2026/2087 <bis>",
            "data_documento": date(2026, 5, 2),
            "scadenza": date(2026, 6, 1),
            "importo": Decimal("36.15"),
            "pagato": Decimal("0.00"),
            "residuo": Decimal("36.15"),
        },
    ],
)

TOTALI = _g(
    "totali",
    "Totali della lettera; le righe a zero si nascondono con {% if totali.spese %}",
    _e("principale", "somma dei residui", "1070.71"),
    _e("spese", "spese postali e documentate addebitate (Art. 6 c. 9)", "9.50"),
    _e("interessi", "interessi (Art. 3 c. 3, Art. 8 c. 6)", "0.00"),
    _e("maggiorazione", "maggiorazione del 30 % per i controlli sanitari (Art. 3 c. 3)", "0.00"),
    _e("totale", "totale da pagare", "1080.21"),
)

PAGAMENTO = _g(
    "pagamento",
    "Come pagare",
    _t("iban", "IBAN del conto di tesoreria", "IT60X0542811101000000123456"),
    _t("intestatario", "intestatario del conto", "Azienda USL di Esempio"),
    _t("causale", "causale da indicare nel bonifico", "REC-2026-000123 FT/2026/1234 FT/2026/2087"),
    _t(
        "codice_avviso",
        "codice dell'avviso pagoPA, se configurato",
        "3012 3456 7890 1234 56",
        facoltativo=True,
    ),
)

AVVISO_PRECEDENTE = _g(
    "avviso",
    "L'avviso già inviato per questi crediti (Art. 6 c. 1)",
    _d("data_invio", "data di invio dell'avviso", date(2026, 6, 10)),
    _t("modalita", "come fu inviato", "posta elettronica"),
    facoltativo=True,
)

EREDITA = _g(
    "eredita",
    "La successione (Art. 6 c. 8): chi è mancato e la quota di questo erede",
    _t("defunto", "nome e cognome della persona deceduta", "Anna Maria Rossi"),
    _d("deceduto_il", "data del decesso", date(2026, 2, 3)),
    _t("quota", "quota ereditaria di questo erede, come frazione", "1/3"),
    _e("debito_complessivo", "debito residuo complessivo alla data della lettera", "3211.35"),
)

_RATA = (
    _n("numero", "numero della rata", 1),
    _d("scadenza", "scadenza della rata", date(2027, 1, 31)),
    _e("capitale", "quota di capitale", "0"),
    _e("interessi", "quota di interessi", "0"),
    _e("importo", "importo della rata", "0"),
)

RATEIZZAZIONE = _g(
    "rateizzazione",
    "La richiesta di rateizzazione e il suo esito (Art. 7)",
    _d("data_richiesta", "data della richiesta del debitore", date(2026, 12, 5)),
    _n("rate_richieste", "numero di rate chieste", 12),
    _n("numero_rate", "numero di rate concesse", 12),
    _e("importo", "importo rateizzato (residuo e spese già addebitate, Art. 7 c. 4)", "1080.21"),
    _e("interessi", "interessi complessivi del piano (oltre le 12 rate, Art. 7 c. 5)", "0.00"),
    _t("tasso", "tasso annuo applicato, se il piano supera le 12 rate", "4,00 %", facoltativo=True),
    _l(
        "rate",
        "Il piano: usare in {%tr for r in rateizzazione.rate %}",
        _RATA,
        [
            {
                "numero": i,
                "scadenza": date(2027 + (i // 12), (i - 1) % 12 + 1, 28),
                "capitale": Decimal("90.02") if i < 12 else Decimal("89.99"),
                "interessi": Decimal("0.00"),
                "importo": Decimal("90.02") if i < 12 else Decimal("89.99"),
            }
            for i in range(1, 13)
        ],
    ),
    _l(
        "motivi",
        "Motivi del rigetto (Art. 7 c. 6): usare in {% for m in rateizzazione.motivi %}",
        (_t("testo", "il motivo", ""),),
        [{"testo": "la richiesta è pervenuta oltre i 15 giorni dal ricevimento del sollecito"}],
    ),
)

COMUNI = (ENTE, STRUTTURA, LETTERA, DESTINATARIO, DEBITORE, CREDITI, TOTALI, PAGAMENTO)
"""Every letter has these."""

PER_TIPO: dict[TipoLettera, tuple[Campo, ...]] = {
    TipoLettera.AVVISO: COMUNI,
    TipoLettera.SOLLECITO: (*COMUNI, AVVISO_PRECEDENTE),
    TipoLettera.EREDI: (*COMUNI, EREDITA),
    TipoLettera.RATEIZZAZIONE_ACCOLTA: (*COMUNI, RATEIZZAZIONE),
    TipoLettera.RATEIZZAZIONE_RESPINTA: (*COMUNI, RATEIZZAZIONE),
}
"""The fields of each kind of letter the tool writes (the ordinanza-ingiunzione is not ours)."""

INTESTAZIONE = (ENTE, STRUTTURA)
"""What headers and footers may use: a lotto is converted in batches that share them."""


def radice(tipo: TipoLettera) -> Campo:
    """The catalogue of a kind as one group, so lookups start from a single node."""
    return Campo(tipo.value, f"lettera «{tipo.value}»", Genere.GRUPPO, figli=PER_TIPO[tipo])


def esempio(tipo: TipoLettera) -> dict[str, Any]:
    """A complete sample context for ``modelli anteprima``."""
    return radice(tipo).valore_di_esempio()


def elenca(tipo: TipoLettera) -> Iterator[tuple[str, Campo]]:
    """Every field with its dotted path (``crediti[].residuo`` for an element of a list)."""

    def visita(prefisso: str, campi: tuple[Campo, ...]) -> Iterator[tuple[str, Campo]]:
        for c in campi:
            percorso = f"{prefisso}{c.nome}"
            yield percorso, c
            if c.genere is Genere.GRUPPO:
                yield from visita(percorso + ".", c.figli)
            elif c.genere is Genere.ELENCO:
                yield from visita(percorso + "[].", c.figli)

    yield from visita("", PER_TIPO[tipo])
