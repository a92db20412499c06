"""Interest and surcharge (Art. 3 c. 3, Art. 7 c. 5, Art. 8 c. 6 lett. b), computed by hand.

Every expected amount is worked out in the comment beside it, so the legal office can check
it with pen and paper: days = (al − dal).days (interest from the day after ``dal``), each
part = capitale × tasso/100 × giorni / base, parts summed exactly, total rounded half-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corrispondenza.config.schema import Interessi
from corrispondenza.errors import RegoleError, TassoMancanteError
from corrispondenza.regole.interessi import interessi_legali, interessi_tesoriere, maggiorazione
from corrispondenza.regole.tempo import scadenza_termine

D = Decimal

# The legal rates of config.yaml (interessi.legali), percent per calendar year.
LEGALI = {
    2015: D("0.5"),
    2016: D("0.2"),
    2017: D("0.1"),
    2018: D("0.3"),
    2019: D("0.8"),
    2020: D("0.05"),
    2021: D("0.01"),
    2022: D("1.25"),
    2023: D("5"),
    2024: D("2.5"),
    2025: D("2"),
    2026: D("1.6"),
}


@dataclass(frozen=True)
class Periodo:
    """Any object with ``dal`` and ``tasso`` will do (the Protocol of the module)."""

    dal: date
    tasso: Decimal


TESORIERE = [Periodo(date(2015, 1, 1), D("4.00"))]  # config.yaml: interessi.tesoriere
TESORIERE_VARIATO = [*TESORIERE, Periodo(date(2026, 3, 1), D("3.50"))]


@pytest.mark.parametrize(
    ("capitale", "dal", "al", "atteso"),
    [
        # 365 days of 2025 (01/01–31/12) at 2 %: 1000,00 × 2/100 × 365/365 = 20,00.
        pytest.param(
            D("1000.00"), date(2024, 12, 31), date(2025, 12, 31), D("20.00"), id="art-3-3-anno-intero"
        ),
        # 2024 is leap: 366 days over 366, at 2,5 %: 1000,00 × 2,5/100 × 366/366 = 25,00.
        pytest.param(
            D("1000.00"), date(2023, 12, 31), date(2024, 12, 31), D("25.00"), id="art-3-3-anno-bisestile"
        ),
        # 2023: 01/11–31/12 = 30 + 31 = 61 days at 5 %, over 365:
        #   1500,00 × 5/100 × 61/365 = 4575/365 = 12,534246…
        # 2024: 01/01–31/03 = 31 + 29 + 31 = 91 days at 2,5 %, over 366 (leap):
        #   1500,00 × 2,5/100 × 91/366 = 3412,5/366 = 9,323770…
        # sum 21,858017… → 21,86 (rounding each year first would give 12,53 + 9,32 = 21,85).
        pytest.param(
            D("1500.00"), date(2023, 10, 31), date(2024, 3, 31), D("21.86"), id="art-3-3-a-cavallo-2023-2024"
        ),
        # Parts that never terminate, summing to an exact amount:
        # 2025: 31/12 = 1 day at 2 %: 1000 × 2/100 × 1/365 = 20/365 = 0,054794…
        # 2026: 01/01–31/03 = 31 + 28 + 31 = 90 days at 1,6 %: 1000 × 1,6/100 × 90/365
        #   = 1440/365 = 3,945205…
        # total 1460/365 = 4,00 exactly.
        pytest.param(
            D("1000.00"), date(2025, 12, 30), date(2026, 3, 31), D("4.00"), id="art-3-3-parti-periodiche"
        ),
        # The convention (DESIGN.md, "Type f"): parts summed unrounded, the total rounded once.
        # 2025: 01/12–31/12 = 31 days at 2 %:   1000 × 2/100 × 31/365 = 620/365   = 1,698630…
        # 2026: 01/01–31/03 = 90 days at 1,6 %: 1000 × 1,6/100 × 90/365 = 1440/365 = 3,945205…
        # total 2060/365 = 5,643835… → 5,64; rounding each part first: 1,70 + 3,95 = 5,65 (wrong).
        pytest.param(
            D("1000.00"), date(2025, 11, 30), date(2026, 3, 31), D("5.64"), id="art-3-3-somma-non-arrotondata"
        ),
        # Exactly half a cent, with parts that never terminate: 1 day at 2 % + 90 days at 1,6 %
        # = 10001,25 × (2 × 1 + 1,6 × 90)/36500 = 10001,25 × 146/36500 = 10001,25/250 = 40,005
        # → half-up 40,01 (the parts 0,548013… + 39,456986… are added as exact fractions).
        pytest.param(
            D("10001.25"),
            date(2025, 12, 30),
            date(2026, 3, 31),
            D("40.01"),
            id="art-3-3-mezzo-centesimo-esatto",
        ),
        # Eight whole years 2019–2026, each days/length = 1:
        # 200 × (0,8 + 0,05 + 0,01 + 1,25 + 5 + 2,5 + 2 + 1,6)/100 = 200 × 13,21/100 = 26,42.
        pytest.param(D("200.00"), date(2018, 12, 31), date(2026, 12, 31), D("26.42"), id="art-3-3-otto-anni"),
        # 10000 € from 01/07/2020 to 30/06/2022:
        #   2020: 01/07–31/12 = 184 days at 0,05 % over 366: 10000 × 0,05/100 × 184/366 = 2,513661…
        #   2021: whole year at 0,01 %:                      10000 × 0,01/100          = 1,000000
        #   2022: 01/01–30/06 = 181 days at 1,25 % over 365: 10000 × 1,25/100 × 181/365 = 61,986301…
        #   total 65,499962… → 65,50.
        pytest.param(
            D("10000.00"), date(2020, 6, 30), date(2022, 6, 30), D("65.50"), id="art-3-3-tre-anni-bisestile"
        ),
        pytest.param(
            D("0.00"), date(2024, 12, 31), date(2025, 12, 31), D("0.00"), id="art-3-3-capitale-zero"
        ),
        # No interest days: al = dal, or al before dal.
        pytest.param(D("1000.00"), date(2025, 5, 9), date(2025, 5, 9), D("0.00"), id="art-3-3-durata-zero"),
        pytest.param(
            D("1000.00"), date(2025, 5, 9), date(2025, 5, 1), D("0.00"), id="art-3-3-durata-negativa"
        ),
        # No interest days need no rate: a span in 2030 with al before dal is simply zero.
        pytest.param(D("1000.00"), date(2030, 5, 9), date(2030, 5, 1), D("0.00"), id="art-3-3-nessun-giorno"),
    ],
)
def test_interessi_legali(capitale: Decimal, dal: date, al: date, atteso: Decimal) -> None:
    risultato = interessi_legali(capitale, dal, al, LEGALI)
    assert risultato == atteso
    assert risultato.as_tuple().exponent == -2


def test_interessi_legali_tipo_f_dal_giorno_dopo_i_60() -> None:
    """Art. 3 c. 3: request 10/03/2025, the 60 days end 09/05/2025, interest from 10/05/2025.

    2025: 10/05–31/12 = 22 + 30 + 31 + 31 + 30 + 31 + 30 + 31 = 236 days at 2 %:
      250 × 2/100 × 236/365 = 1180/365 = 3,232876…
    2026: 01/01–23/11 = 31+28+31+30+31+30+31+31+30+31+23 = 327 days at 1,6 %:
      250 × 1,6/100 × 327/365 = 1308/365 = 3,583561…
    total 2488/365 = 6,816438… → 6,82.
    """
    fine_termine = scadenza_termine(date(2025, 3, 10), 60)
    assert fine_termine == date(2025, 5, 9)
    assert interessi_legali(D("250.00"), fine_termine, date(2026, 11, 23), LEGALI) == D("6.82")


@pytest.mark.parametrize(
    ("dal", "al", "messaggio", "anni"),
    [
        pytest.param(
            date(2026, 12, 1),
            date(2027, 1, 31),
            "Manca il saggio degli interessi legali per l'anno 2027: aggiungerlo in config.yaml "
            "(interessi.legali).",
            [2027],
            id="art-3-3-anno-mancante",
        ),
        pytest.param(
            date(2026, 12, 31),
            date(2028, 3, 1),
            "Mancano i saggi degli interessi legali per gli anni 2027, 2028: aggiungerli in config.yaml "
            "(interessi.legali).",
            [2027, 2028],
            id="art-3-3-anni-mancanti",
        ),
        pytest.param(
            date(2014, 12, 30),
            date(2015, 1, 31),
            "Manca il saggio degli interessi legali per l'anno 2014: aggiungerlo in config.yaml "
            "(interessi.legali).",
            [2014],
            id="art-3-3-anno-prima-della-tabella",
        ),
    ],
)
def test_interessi_legali_tasso_mancante(dal: date, al: date, messaggio: str, anni: list[int]) -> None:
    with pytest.raises(TassoMancanteError) as errore:
        interessi_legali(D("100.00"), dal, al, LEGALI)
    assert errore.value.messaggio == messaggio
    assert errore.value.contesto == {"anni": anni, "percorso": "interessi.legali"}
    assert isinstance(errore.value, RegoleError)


@pytest.mark.parametrize(
    ("capitale", "dal", "al", "periodi", "atteso"),
    [
        # 02/01–11/04/2026 = 30 + 28 + 31 + 11 = 100 days at 4 %:
        # 1234,56 × 4/100 × 100/365 = 4938,24/365 = 13,529424… → 13,53.
        pytest.param(
            D("1234.56"),
            date(2026, 1, 1),
            date(2026, 4, 11),
            TESORIERE,
            D("13.53"),
            id="art-8-6-b-cento-giorni",
        ),
        # Divisor 365 even in a leap year: 366 days of 2024 at 4 %:
        # 1000 × 4/100 × 366/365 = 14640/365 = 40,109589… → 40,11 (not 40,00).
        pytest.param(
            D("1000.00"),
            date(2023, 12, 31),
            date(2024, 12, 31),
            TESORIERE,
            D("40.11"),
            id="art-8-6-b-divisore-365",
        ),
        # Ruolo: sollecito delivered 02/03/2026, the 15 days end 17/03, interest from 18/03 to
        # 23/11/2026 = 14 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 23 = 251 days at 4 %:
        # 120 × 4/100 × 251/365 = 1204,8/365 = 3,300821… → 3,30.
        pytest.param(
            D("120.00"),
            scadenza_termine(date(2026, 3, 2), 15),
            date(2026, 11, 23),
            TESORIERE,
            D("3.30"),
            id="art-8-6-b-ruolo-dopo-15-giorni",
        ),
        # Rate 4 % to 28/02/2026, 3,5 % from 01/03/2026:
        #   01/02–28/02 = 28 days at 4 %:   2000 × 4/100 × 28/365   = 2240/365 = 6,136986…
        #   01/03–30/04 = 61 days at 3,5 %: 2000 × 3,5/100 × 61/365 = 4270/365 = 11,698630…
        #   total 6510/365 = 17,835616… → 17,84.
        pytest.param(
            D("2000.00"),
            date(2026, 1, 31),
            date(2026, 4, 30),
            TESORIERE_VARIATO,
            D("17.84"),
            id="art-8-6-b-cambio-tasso",
        ),
        # Same rates, to 31/03: 28 days at 4 % = 2240/365 = 6,136986…; 31 days at 3,5 %:
        # 2000 × 3,5/100 × 31/365 = 2170/365 = 5,945205…; total 4410/365 = 12,082191… → 12,08
        # (rounding each period first would give 6,14 + 5,95 = 12,09).
        pytest.param(
            D("2000.00"),
            date(2026, 1, 31),
            date(2026, 3, 31),
            TESORIERE_VARIATO,
            D("12.08"),
            id="art-8-6-b-somma-non-arrotondata",
        ),
        # The first day of interest (01/01/2015) is the first day of the first period: allowed.
        # 365 days of 2015 at 4 %: 100 × 4/100 × 365/365 = 4,00.
        pytest.param(
            D("100.00"),
            date(2014, 12, 31),
            date(2015, 12, 31),
            TESORIERE,
            D("4.00"),
            id="art-8-6-b-primo-periodo",
        ),
        # Unsorted periods are read in date order: the same as the rate-change case above.
        pytest.param(
            D("2000.00"),
            date(2026, 1, 31),
            date(2026, 4, 30),
            list(reversed(TESORIERE_VARIATO)),
            D("17.84"),
            id="art-8-6-b-periodi-non-ordinati",
        ),
        pytest.param(
            D("1000.00"),
            date(2026, 3, 17),
            date(2026, 3, 17),
            TESORIERE,
            D("0.00"),
            id="art-8-6-b-durata-zero",
        ),
        pytest.param(
            D("1000.00"),
            date(2026, 3, 17),
            date(2026, 3, 1),
            TESORIERE,
            D("0.00"),
            id="art-8-6-b-durata-negativa",
        ),
    ],
)
def test_interessi_tesoriere(
    capitale: Decimal, dal: date, al: date, periodi: list[Periodo], atteso: Decimal
) -> None:
    risultato = interessi_tesoriere(capitale, dal, al, periodi)
    assert risultato == atteso
    assert risultato.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("dal", "periodi", "messaggio"),
    [
        pytest.param(
            date(2014, 12, 30),
            TESORIERE,
            "Manca il tasso del Tesoriere per le anticipazioni di cassa per il 31/12/2014: aggiungere in "
            "config.yaml (interessi.tesoriere) un periodo con «dal» non successivo a quella data.",
            id="art-8-6-b-giorno-prima-del-primo-periodo",
        ),
        pytest.param(
            date(2026, 1, 31),
            [],
            "Manca il tasso del Tesoriere per le anticipazioni di cassa per il 01/02/2026: aggiungere in "
            "config.yaml (interessi.tesoriere) un periodo con «dal» non successivo a quella data.",
            id="art-8-6-b-nessun-periodo",
        ),
    ],
)
def test_interessi_tesoriere_tasso_mancante(dal: date, periodi: list[Periodo], messaggio: str) -> None:
    with pytest.raises(TassoMancanteError) as errore:
        interessi_tesoriere(D("100.00"), dal, date(2026, 6, 30), periodi)
    assert errore.value.messaggio == messaggio
    assert errore.value.contesto["percorso"] == "interessi.tesoriere"


@pytest.mark.parametrize(
    ("importo", "percentuale", "atteso"),
    [
        # 8,35 × 30/100 = 2,505 → half-up 2,51 (half-even would give 2,50).
        pytest.param(D("8.35"), D("30"), D("2.51"), id="art-3-3-maggiorazione-mezzo-centesimo"),
        # 250,00 × 30/100 = 75,00.
        pytest.param(D("250.00"), D("30"), D("75.00"), id="art-3-3-maggiorazione-tonda"),
        # 33,33 × 30/100 = 9,999 → 10,00.
        pytest.param(D("33.33"), D("30"), D("10.00"), id="art-3-3-maggiorazione-arrotonda-su"),
        # 0,05 × 30/100 = 0,015 → 0,02.
        pytest.param(D("0.05"), D("30"), D("0.02"), id="art-3-3-maggiorazione-importo-minimo"),
        # 8,35 × 0/100 = 0,00 (an office that sets maggiorazione: 0).
        pytest.param(D("8.35"), D("0"), D("0.00"), id="art-3-3-maggiorazione-zero"),
    ],
)
def test_maggiorazione(importo: Decimal, percentuale: Decimal, atteso: Decimal) -> None:
    risultato = maggiorazione(importo, percentuale)
    assert risultato == atteso
    assert risultato.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("calcolo", "eccezione"),
    [
        pytest.param(
            lambda: interessi_legali(D("-0.01"), date(2025, 1, 1), date(2025, 2, 1), LEGALI),
            ValueError,
            id="art-3-3-capitale-negativo",
        ),
        pytest.param(
            lambda: interessi_tesoriere(D("-10"), date(2025, 1, 1), date(2025, 2, 1), TESORIERE),
            ValueError,
            id="art-8-6-b-capitale-negativo",
        ),
        pytest.param(
            lambda: maggiorazione(D("-8.35"), D("30")), ValueError, id="art-3-3-maggiorazione-negativa"
        ),
        pytest.param(
            lambda: interessi_legali(1000.0, date(2025, 1, 1), date(2025, 2, 1), LEGALI),  # type: ignore[arg-type]
            TypeError,
            id="art-3-3-float-rifiutato",
        ),
        pytest.param(
            lambda: maggiorazione(D("8.35"), 30.0), TypeError, id="art-3-3-maggiorazione-float-rifiutato"
        ),  # type: ignore[arg-type]
    ],
)
def test_valori_non_ammessi(calcolo: Callable[[], Decimal], eccezione: type[Exception]) -> None:
    with pytest.raises(eccezione):
        calcolo()


def test_accetta_i_modelli_di_config() -> None:
    """The config models (``Interessi``, ``PeriodoTasso``) plug straight into the functions."""
    interessi = Interessi(legali={2025: "2", 2026: "1,6"}, tesoriere=[{"dal": "2015-01-01", "tasso": "4.00"}])
    # Same as art-3-3-somma-non-arrotondata and art-8-6-b-cento-giorni.
    assert interessi_legali(D("1000.00"), date(2025, 11, 30), date(2026, 3, 31), interessi.legali) == D(
        "5.64"
    )
    assert interessi_tesoriere(D("1234.56"), date(2026, 1, 1), date(2026, 4, 11), interessi.tesoriere) == D(
        "13.53"
    )


# --- properties --------------------------------------------------------------------------------

capitali = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)
giorni = st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 12, 31))
TESORIERE_MOLTI = [
    Periodo(date(2015, 1, 1), D("4.00")),
    Periodo(date(2020, 7, 1), D("3.50")),
    Periodo(date(2023, 1, 15), D("4.25")),
]


def _legali(capitale: Decimal, dal: date, al: date) -> Decimal:
    return interessi_legali(capitale, dal, al, LEGALI)


def _tesoriere(capitale: Decimal, dal: date, al: date) -> Decimal:
    return interessi_tesoriere(capitale, dal, al, TESORIERE_MOLTI)


Calcolo = Callable[[Decimal, date, date], Decimal]
calcoli = st.sampled_from([_legali, _tesoriere])


@given(calcoli, capitali, giorni, giorni)
def test_mai_negativo_mai_float(calcolo: Calcolo, capitale: Decimal, dal: date, al: date) -> None:
    risultato = calcolo(capitale, dal, al)
    assert type(risultato) is Decimal
    assert risultato.as_tuple().exponent == -2
    assert risultato >= 0


@given(calcoli, capitali, st.lists(giorni, min_size=3, max_size=3))
def test_dividere_il_periodo_cambia_al_piu_un_centesimo(
    calcolo: Calcolo, capitale: Decimal, date_: list[date]
) -> None:
    dal, taglio, al = sorted(date_)
    intero = calcolo(capitale, dal, al)
    a_pezzi = calcolo(capitale, dal, taglio) + calcolo(capitale, taglio, al)
    assert abs(intero - a_pezzi) <= D("0.01")


@given(calcoli, capitali, giorni, giorni, st.integers(min_value=0, max_value=800))
def test_cresce_con_la_data_di_valutazione(
    calcolo: Calcolo, capitale: Decimal, dal: date, al: date, in_piu: int
) -> None:
    piu_tardi = min(al + timedelta(days=in_piu), date(2026, 12, 31))
    assert calcolo(capitale, dal, al) <= calcolo(capitale, dal, piu_tardi)


@given(capitali, st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False))
def test_maggiorazione_mai_negativa_mai_float(importo: Decimal, percentuale: Decimal) -> None:
    risultato = maggiorazione(importo, percentuale)
    assert type(risultato) is Decimal
    assert risultato.as_tuple().exponent == -2
    assert 0 <= risultato <= importo
