"""``modelli verifica``: every wrong field found, wherever it is, with the paragraph named."""

from __future__ import annotations

from pathlib import Path

import pytest

from corrispondenza.dominio.tipi import TipoLettera
from corrispondenza.errors import ModelloNonValidoError
from corrispondenza.modelli.documento import FileModello
from corrispondenza.modelli.rendi import Modello
from corrispondenza.modelli.verifica import verifica_modello

from .conftest import FaiModello

SOLLECITO = TipoLettera.SOLLECITO
TABELLA_CREDITI = [
    ["{%tr for c in crediti %}", "", ""],
    ["{{ c.numero_documento }}", "{{ c.data_documento|data('breve') }}", "{{ c.residuo|euro }}"],
    ["{%tr endfor %}", "", ""],
]


def _problemi(percorso: Path, tipo: TipoLettera = SOLLECITO) -> list[str]:
    return [str(p) for p in verifica_modello(FileModello(percorso), tipo)]


def test_un_modello_corretto_non_ha_problemi(fai_modello: FaiModello) -> None:
    percorso = fai_modello(
        [
            "Gentile {{ destinatario.nominativo }}",
            "{% if lettera.protocollo %}Prot. {{ lettera.protocollo }}{% endif %}",
        ],
        tabella=TABELLA_CREDITI,
        dopo_tabella=["Totale {{ totali.totale|euro }} (euro {{ totali.totale|in_lettere }})"],
        intestazione="{{ ente.denominazione }} - {{ struttura.denominazione }}",
        piede="{{ ente.pec }}",
    )
    assert _problemi(percorso) == []


def test_campo_sbagliato_in_una_riga_di_tabella_ripetuta(fai_modello: FaiModello) -> None:
    """Issue 5: a misspelled field inside a table row loop is named, with its paragraph."""
    righe = [list(r) for r in TABELLA_CREDITI]
    righe[1][0] = "{{ c.numero_documeto }}"
    percorso = fai_modello(["Gentile {{ destinatario.nominativo }}"], tabella=righe)
    (problema,) = verifica_modello(FileModello(percorso), SOLLECITO)
    assert problema.valore == "crediti[].numero_documeto"
    assert "campo sconosciuto" in problema.motivo
    assert "forse «crediti[].numero_documento»" in problema.motivo
    assert problema.file == percorso.name
    assert problema.percorso is not None and problema.percorso.startswith("corpo, paragrafo ")
    assert "{{ c.numero_documeto }}" in problema.percorso


def test_tutti_i_problemi_insieme_con_il_paragrafo(fai_modello: FaiModello) -> None:
    percorso = fai_modello(
        [
            "Gentile {{ destinatario.nominatvo }}",
            "Totale {{ totali.totale }}",
            "Scadenza {{ lettera.data|datta }}",
            "{{ crediti.residuo }}",
            "{% for x in destinatario.nominativo %}{{ x }}{% endfor %}",
        ]
    )
    problemi = _problemi(percorso)
    assert len(problemi) == 5, problemi
    assert "paragrafo 1 «Gentile {{ destinatario.nominatvo }}»" in problemi[0]
    assert "forse «destinatario.nominativo»" in problemi[0]
    assert "è un importo" in problemi[1] and "|euro" in problemi[1]
    assert "filtro sconosciuto «datta»" in problemi[2]
    assert "è un elenco" in problemi[3]
    assert "non è un elenco" in problemi[4]


def test_campi_di_un_altra_lettera_non_ammessi(fai_modello: FaiModello) -> None:
    """The heirs' fields exist only in the letter to the heirs."""
    percorso = fai_modello(["Defunto: {{ eredita.defunto }}"])
    assert _problemi(percorso, TipoLettera.EREDI) == []
    (problema,) = _problemi(percorso, TipoLettera.AVVISO)
    assert "campo sconosciuto «eredita»" in problema


def test_intestazione_solo_ente_e_struttura(fai_modello: FaiModello) -> None:
    """A lotto is converted in batches sharing one letterhead: no recipient in headers."""
    percorso = fai_modello(
        ["Testo"], intestazione="{{ destinatario.nominativo }}", piede="{{ lettera.riferimento }}"
    )
    problemi = _problemi(percorso)
    assert len(problemi) == 2
    assert problemi[0].startswith(f"{percorso.name}, intestazione (header1.xml), paragrafo 1")
    assert "solo i campi di ente e struttura" in problemi[0]
    assert "piè di pagina (footer1.xml)" in problemi[1]


def test_errore_di_sintassi_con_il_paragrafo(fai_modello: FaiModello) -> None:
    percorso = fai_modello(["Primo", "{% if totali.spese %}Spese {{ totali.spese|euro }}", "Ultimo"])
    (problema,) = _problemi(percorso)
    assert "errore di sintassi" in problema
    assert "chiusura di un blocco" in problema


def test_variabili_di_ciclo_e_set(fai_modello: FaiModello) -> None:
    percorso = fai_modello(
        [
            "{% for r in rateizzazione.rate %}{{ loop.index }} {{ r.importo|euro }} "
            "{{ r.scadenza|data }}{% endfor %}",
            "{% set d = destinatario %}{{ d.nominativo }} {{ d.nome }}",
        ]
    )
    (problema,) = _problemi(percorso, TipoLettera.RATEIZZAZIONE_ACCOLTA)
    assert "campo sconosciuto «d.nome»" in problema


@pytest.mark.parametrize(
    ("testo", "motivo"),
    [
        ("{{ lettera.__class__ }}", "iniziano con «_»"),
        ("{{ crediti.__len__ }}", "iniziano con «_»"),
        ("{{ cycler }}", "cycler"),
        ("{{ joiner }}", "joiner"),
        ("{{ namespace }}", "namespace"),
        ("{{ self }}", "self"),
        ("{{ config }}", "config"),
        ("{{ range }}", "range"),
        ("{{ lipsum(1) }}", "chiamate di funzione"),
        ("{{ destinatario.nominativo.upper() }}", "chiamate di funzione"),
        ("{% include 'x.xml' %}", "includere o importare"),
        ("{% import 'x.xml' as x %}", "includere o importare"),
        ("{% extends 'x.xml' %}", "includere o importare"),
        ("{% macro m() %}x{% endmacro %}", "macro"),
    ],
)
def test_costrutti_pericolosi_rifiutati(fai_modello: FaiModello, testo: str, motivo: str) -> None:
    """Malicious templates are refused before any rendering, with a clear reason (issue 5)."""
    percorso = fai_modello(["Gentile {{ destinatario.nominativo }}", testo])
    problemi = _problemi(percorso)
    assert problemi and any(motivo in p for p in problemi), problemi
    with pytest.raises(ModelloNonValidoError) as exc:
        Modello.carica(percorso, SOLLECITO)
    assert exc.value.problemi


def test_file_che_non_e_un_docx(tmp_path: Path) -> None:
    finto = tmp_path / "sollecito.docx"
    finto.write_text("non sono un documento Word", encoding="utf-8")
    with pytest.raises(ModelloNonValidoError, match="non è un documento Word"):
        FileModello(finto)


def test_messaggi_pec_verificati_come_le_lettere(tmp_path: Path) -> None:
    from corrispondenza.config.schema import FILE_MODELLI
    from corrispondenza.modelli.predefiniti import scrivi_modelli
    from corrispondenza.modelli.verifica import verifica_messaggi

    scrivi_modelli(tmp_path)
    messaggi = tmp_path / "messaggi.yaml"
    assert verifica_messaggi(messaggi, list(FILE_MODELLI)) == []
    testo = messaggi.read_text(encoding="utf-8").replace("lettera.riferimento", "lettera.riferimnto", 1)
    messaggi.write_text(
        testo + '\nsollecito: {oggetto: "{{ cycler }}\\nBcc: x", testo: ciao}\n', encoding="utf-8"
    )
    problemi = [str(p) for p in verifica_messaggi(messaggi, list(FILE_MODELLI))]
    assert any("avviso.oggetto" in p and "forse «lettera.riferimento»" in p for p in problemi)
    assert any("sollecito.oggetto" in p and "una riga" in p for p in problemi)
    assert any("sollecito.oggetto" in p and "cycler" in p for p in problemi)
