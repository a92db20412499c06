"""Tests of the synthetic sample: format contract, validity of codes, referential integrity.

Most tests share one sample of 2000 credits written to disk and read back with the csv
module, so they check the files the importer will actually parse.
"""

from __future__ import annotations

import csv
import datetime
import re
import time
from collections import Counter, defaultdict
from fractions import Fraction
from pathlib import Path

import pytest
from stdnum.it import codicefiscale, iva

from corrispondenza.campione import Campione, genera_campione, scrivi_campione
from corrispondenza.campione.dati import COMUNI, NOMI_FEMMINILI, NOMI_MASCHILI, STATI_ESTERI

OGGI = datetime.date(2025, 6, 15)
N = 2000
INTESTAZIONI = {
    "soggetti": "codice_fiscale;tipo;cognome;nome;ragione_sociale;data_nascita;indirizzo;cap;comune;"
    "provincia;email;pec;deceduto_il;fallimento_il",
    "relazioni": "codice_fiscale;relazione;codice_fiscale_collegato;quota",
    "crediti": "id_credito;tipo;struttura;codice_fiscale;numero_documento;data_documento;"
    "data_prestazione;scadenza;importo;descrizione",
    "pagamenti": "id_credito;data;importo;riferimento",
    "storico": "id_credito;lettera;data_invio;canale;data_consegna;esito;spese;id_lettera;destinatario",
}
DATA_RE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
IMPORTO_RE = re.compile(r"^\d+,\d{2}$")
Righe = dict[str, list[dict[str, str]]]


def _data(testo: str) -> datetime.date:
    return datetime.datetime.strptime(testo, "%d/%m/%Y").date()


def _importo(testo: str) -> Fraction:
    return Fraction(testo.replace(",", "."))


def _eta(nascita: datetime.date) -> int:
    return OGGI.year - nascita.year - ((OGGI.month, OGGI.day) < (nascita.month, nascita.day))


def _leggi(percorsi: dict[str, Path]) -> Righe:
    righe: Righe = {}
    for nome, percorso in percorsi.items():
        with percorso.open(encoding="utf-8", newline="") as file:
            righe[nome] = list(csv.DictReader(file, delimiter=";"))
    return righe


@pytest.fixture(scope="module")
def percorsi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    campione = genera_campione(N, seed=7, oggi=OGGI)
    return scrivi_campione(campione, tmp_path_factory.mktemp("campione"))


@pytest.fixture(scope="module")
def righe(percorsi: dict[str, Path]) -> Righe:
    return _leggi(percorsi)


@pytest.fixture(scope="module")
def soggetti(righe: Righe) -> dict[str, dict[str, str]]:
    return {riga["codice_fiscale"]: riga for riga in righe["soggetti"]}


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    primo = scrivi_campione(genera_campione(300, seed=3, oggi=OGGI), tmp_path / "uno")
    secondo = scrivi_campione(genera_campione(300, seed=3, oggi=OGGI), tmp_path / "due")
    altro = scrivi_campione(genera_campione(300, seed=4, oggi=OGGI), tmp_path / "tre")
    assert set(primo) == set(INTESTAZIONI)
    for nome in primo:
        assert primo[nome].read_bytes() == secondo[nome].read_bytes(), nome
    for nome in ("soggetti", "crediti"):
        assert primo[nome].read_bytes() != altro[nome].read_bytes(), nome


def test_file_format(percorsi: dict[str, Path]) -> None:
    for nome, percorso in percorsi.items():
        contenuto = percorso.read_bytes()
        assert not contenuto.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in contenuto
        assert contenuto.decode("utf-8").split("\n", 1)[0] == INTESTAZIONI[nome]


def test_exact_count_and_all_types(righe: Righe) -> None:
    crediti = righe["crediti"]
    assert len(crediti) == N
    conteggi = Counter(riga["tipo"] for riga in crediti)
    assert set(conteggi) == set("abcdefg")
    assert 0.50 < conteggi["a"] / N < 0.60
    for n in (0, 1, 20, 21):
        piccolo = genera_campione(n, seed=n, oggi=OGGI)
        assert len(piccolo.crediti) == n
        if n >= 20:
            assert {riga["tipo"] for riga in piccolo.crediti} == set("abcdefg")


def test_codici_fiscali_are_valid_and_consistent(righe: Righe) -> None:
    luoghi = {c.catastale for c in COMUNI} | set(STATI_ESTERI)
    fisiche = [r for r in righe["soggetti"] if r["tipo"] == "fisica"]
    assert fisiche
    for riga in fisiche:
        codice = riga["codice_fiscale"]
        assert len(codice) == 16 and codicefiscale.is_valid(codice), codice
        nascita = _data(riga["data_nascita"])
        assert codicefiscale.get_birth_date(codice, minyear=OGGI.year - 99) == nascita
        assert codice[:3] == _tre_lettere(riga["cognome"], nome=False)
        assert codice[3:6] == _tre_lettere(riga["nome"], nome=True)
        femmina = int(codice[9:11]) > 40
        assert riga["nome"] in (NOMI_FEMMINILI if femmina else NOMI_MASCHILI)
        assert codice[11:15] in luoghi
        assert not riga["ragione_sociale"]


def _tre_lettere(testo: str, nome: bool) -> str:
    """Independent re-implementation of the surname/name code for the test."""
    pulito = testo.upper().replace("'", "").replace(" ", "").replace("Ò", "O").replace("Ì", "I")
    pulito = pulito.replace("È", "E").replace("À", "A").replace("Ù", "U")
    consonanti = [c for c in pulito if c not in "AEIOU"]
    if nome and len(consonanti) >= 4:
        return consonanti[0] + consonanti[2] + consonanti[3]
    return ("".join(consonanti) + "".join(c for c in pulito if c in "AEIOU") + "XXX")[:3]


def test_partite_iva_are_valid(righe: Righe) -> None:
    giuridiche = [r for r in righe["soggetti"] if r["tipo"] == "giuridica"]
    assert giuridiche
    for riga in giuridiche:
        assert len(riga["codice_fiscale"]) == 11 and iva.is_valid(riga["codice_fiscale"])
        assert riga["ragione_sociale"] and not riga["cognome"] and not riga["data_nascita"]
    assert any("&" in r["ragione_sociale"] for r in giuridiche)


def test_soggetti_unique_and_references_resolve(righe: Righe, soggetti: dict) -> None:
    assert len(soggetti) == len(righe["soggetti"])
    id_crediti = [r["id_credito"] for r in righe["crediti"]]
    assert len(set(id_crediti)) == len(id_crediti)
    numeri = [(r["struttura"], r["numero_documento"]) for r in righe["crediti"]]
    assert len(set(numeri)) == len(numeri)
    assert all(r["codice_fiscale"] in soggetti for r in righe["crediti"])
    for riga in righe["relazioni"]:
        assert riga["codice_fiscale"] in soggetti and riga["codice_fiscale_collegato"] in soggetti
    noti = set(id_crediti)
    assert all(r["id_credito"] in noti for r in righe["pagamenti"] + righe["storico"])
    assert all(r["destinatario"] in soggetti for r in righe["storico"] if r["destinatario"])
    citati = {r["codice_fiscale"] for r in righe["crediti"]}
    citati |= {r["codice_fiscale_collegato"] for r in righe["relazioni"]}
    assert citati == set(soggetti)  # no orphan soggetto either


def test_heirs_quotas_sum_to_one(righe: Righe, soggetti: dict) -> None:
    quote: dict[str, Fraction] = defaultdict(Fraction)
    for riga in righe["relazioni"]:
        if riga["relazione"] == "erede":
            quote[riga["codice_fiscale"]] += Fraction(riga["quota"].replace(",", "."))
            erede = soggetti[riga["codice_fiscale_collegato"]]
            assert erede["tipo"] == "fisica" and not erede["deceduto_il"]
            assert _eta(_data(erede["data_nascita"])) >= 18
        else:
            assert riga["quota"] == ""
    assert quote, "the sample should contain deceased debtors with heirs"
    for defunto, totale in quote.items():
        assert totale == 1, defunto
        assert soggetti[defunto]["deceduto_il"]


def test_minors_have_parent_or_guardian(righe: Righe, soggetti: dict) -> None:
    rappresentati = defaultdict(set)
    for riga in righe["relazioni"]:
        if riga["relazione"] in ("genitore", "tutore"):
            rappresentati[riga["codice_fiscale"]].add(riga["relazione"])
            adulto = soggetti[riga["codice_fiscale_collegato"]]
            assert _eta(_data(adulto["data_nascita"])) >= 18 and not adulto["deceduto_il"]
    debitori = {r["codice_fiscale"] for r in righe["crediti"]}
    minori = [cf for cf in debitori if soggetti[cf]["data_nascita"]]
    minori = [cf for cf in minori if _eta(_data(soggetti[cf]["data_nascita"])) < 18]
    assert minori
    for cf in minori:
        assert rappresentati[cf], cf
    assert all(_eta(_data(soggetti[cf]["data_nascita"])) < 18 for cf in rappresentati)


def test_payments_never_exceed_amount(righe: Righe) -> None:
    importi = {r["id_credito"]: _importo(r["importo"]) for r in righe["crediti"]}
    pagato: dict[str, Fraction] = defaultdict(Fraction)
    for riga in righe["pagamenti"]:
        assert IMPORTO_RE.match(riga["importo"]) and _importo(riga["importo"]) > 0
        pagato[riga["id_credito"]] += _importo(riga["importo"])
    assert all(totale <= importi[cid] for cid, totale in pagato.items())
    saldati = sum(totale == importi[cid] for cid, totale in pagato.items())
    assert 0 < saldati < len(pagato)
    riferimenti = [r["riferimento"] for r in righe["pagamenti"]]
    assert len(set(riferimenti)) == len(riferimenti)


def test_amounts_and_dates_format(righe: Righe) -> None:
    for riga in righe["crediti"]:
        assert IMPORTO_RE.match(riga["importo"]) and _importo(riga["importo"]) > 0
        for campo in ("data_documento", "data_prestazione"):
            assert DATA_RE.match(riga[campo])
        assert riga["scadenza"] == "" or DATA_RE.match(riga["scadenza"])
    ticket = [_importo(r["importo"]) for r in righe["crediti"] if r["tipo"] == "a"]
    assert any(importo < Fraction("10.33") for importo in ticket)


def test_dates_never_after_oggi(righe: Righe) -> None:
    """Every past event is on or before oggi; only the due date (scadenza) may be later."""
    campi = {
        "soggetti": ("data_nascita", "deceduto_il", "fallimento_il"),
        "crediti": ("data_documento", "data_prestazione"),
        "pagamenti": ("data",),
        "storico": ("data_invio", "data_consegna"),
    }
    for file, nomi in campi.items():
        for riga in righe[file]:
            for nome in nomi:
                assert riga[nome] == "" or _data(riga[nome]) <= OGGI, (file, nome, riga)


def test_history_consistent_with_credits(righe: Righe, soggetti: dict) -> None:
    crediti = {r["id_credito"]: r for r in righe["crediti"]}
    per_lettera = defaultdict(list)
    for riga in righe["storico"]:
        credito = crediti[riga["id_credito"]]
        invio = _data(riga["data_invio"])
        assert invio >= _data(credito["data_documento"])
        if riga["data_consegna"]:
            assert invio <= _data(riga["data_consegna"])
        assert riga["spese"] == ("9,50" if riga["canale"] == "raccomandata_ar" else "")
        if riga["lettera"] == "avviso":
            assert riga["esito"] == "inviata" and credito["tipo"] not in "ef"
        if riga["canale"] == "pec":
            destinatario = soggetti[riga["destinatario"] or credito["codice_fiscale"]]
            assert destinatario["pec"]
        per_lettera[riga["id_lettera"]].append((credito, riga))
    assert any(len(gruppo) > 1 for gruppo in per_lettera.values())
    for gruppo in per_lettera.values():
        chiavi = {(c["codice_fiscale"], c["struttura"], r["data_invio"], r["lettera"]) for c, r in gruppo}
        assert len(chiavi) == 1


def test_service_dates_cover_the_regolamento_windows(righe: Righe) -> None:
    """Credits younger than 3 months, in the 3-12 month avviso window, older, and time-barred."""
    fasce: Counter[str] = Counter()
    vecchi = set()
    for riga in righe["crediti"]:
        giorni = (OGGI - _data(riga["data_prestazione"])).days
        fasce["<3" if giorni < 90 else "3-12" if giorni < 365 else "12-26" if giorni < 800 else "5+"] += 1
        if giorni > 5 * 365:
            vecchi.add(riga["id_credito"])
        assert giorni >= 28
    assert all(fasce[f] > 0 for f in ("<3", "3-12", "12-26", "5+")), fasce
    assert not vecchi & {r["id_credito"] for r in righe["pagamenti"]}
    interruttive = {r["id_credito"] for r in righe["storico"] if r["lettera"] != "avviso"}
    assert not vecchi & interruttive


def test_minor_solleciti_go_to_a_representative(righe: Righe) -> None:
    crediti = {r["id_credito"]: r for r in righe["crediti"]}
    rappresentanti = defaultdict(set)
    for riga in righe["relazioni"]:
        if riga["relazione"] in ("genitore", "tutore"):
            rappresentanti[riga["codice_fiscale"]].add(riga["codice_fiscale_collegato"])
    for riga in righe["storico"]:
        debitore = crediti[riga["id_credito"]]["codice_fiscale"]
        if riga["lettera"] == "sollecito" and debitore in rappresentanti:
            assert riga["destinatario"] in rappresentanti[debitore]
        else:
            assert riga["destinatario"] == ""


def test_contacts_use_example_domains(righe: Righe) -> None:
    dominio = re.compile(r"@(pec\.)?example\.(it|com|org)$")
    for riga in righe["soggetti"]:
        for campo in ("email", "pec"):
            assert riga[campo] == "" or dominio.search(riga[campo]), riga[campo]


def test_custom_strutture_mapping() -> None:
    campione = genera_campione(50, seed=2, oggi=OGGI, strutture={"a": "TICKET_FE"})
    ticket = [r for r in campione.crediti if r["tipo"] == "a"]
    assert ticket and all(r["struttura"] == "TICKET_FE" for r in ticket)
    assert all(r["id_credito"].startswith("TIC-") for r in ticket)
    assert {r["struttura"] for r in campione.crediti if r["tipo"] == "g"} == {"LEGALE"}
    with pytest.raises(ValueError):
        genera_campione(10, oggi=OGGI, strutture={"z": "ALTRO"})


@pytest.mark.slow
def test_hundred_thousand_credits(tmp_path: Path) -> None:
    inizio = time.perf_counter()
    campione: Campione = genera_campione(100_000, seed=1, oggi=OGGI)
    percorsi = scrivi_campione(campione, tmp_path)
    durata = time.perf_counter() - inizio
    print(f"\n100_000 crediti generati e scritti in {durata:.2f} s")
    assert len(campione.crediti) == 100_000
    assert len({r["id_credito"] for r in campione.crediti}) == 100_000
    assert 60_000 < len(campione.soggetti) < 90_000
    with percorsi["crediti"].open(encoding="utf-8") as file:
        assert sum(1 for _ in file) == 100_001
