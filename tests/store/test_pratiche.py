"""The store gives the rules every fact of a credit, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from sqlalchemy import Engine

from corrispondenza.dominio.tipi import Canale, EsitoStorico, TipoLettera
from corrispondenza.importa import IMPORTATORI, Contesto, importa_file
from corrispondenza.stato import StatoCredito
from corrispondenza.store.database import sessione
from corrispondenza.store.giornale import Operazione
from corrispondenza.store.pratiche import carica_pratiche

FILE = {
    "soggetti": (
        "codice_fiscale;tipo;cognome;nome;ragione_sociale;data_nascita;deceduto_il;indirizzo;cap;comune;pec\n"
        "VRDGPP40E20A944J;fisica;Verdi;Giuseppe;;20/05/1940;01/06/2025;Via Po 3;40122;Bologna;\n"
        "VRDNNA70B50A944U;fisica;Verdi;Anna;;10/02/1970;;Via Po 3;40122;Bologna;anna@pec.example.it\n"
        "VRDPLA72L07A944X;fisica;Verdi;Paolo;;07/07/1972;;;;;\n"
    ),
    "relazioni": (
        "codice_fiscale;relazione;codice_fiscale_collegato;quota\n"
        "VRDGPP40E20A944J;erede;VRDNNA70B50A944U;2/3\n"
        "VRDGPP40E20A944J;erede;VRDPLA72L07A944X;1/3\n"
    ),
    "crediti": (
        "id_credito;tipo;struttura;codice_fiscale;data_documento;data_prestazione;importo\n"
        "T-1;a;TICKET;VRDGPP40E20A944J;20/01/2025;15/01/2025;90,00\n"
    ),
    "pagamenti": "id_credito;data;importo;riferimento\nT-1;01/03/2025;30,00;R-1\n",
    "storico": (
        "id_credito;lettera;data_invio;canale;data_consegna;esito;spese\n"
        "T-1;avviso;01/05/2025;posta_ordinaria;;inviata;\n"
    ),
}


def test_la_pratica_porta_con_se_eredi_pagamenti_e_lettere(engine: Engine, tmp_path: Path) -> None:
    contesto = Contesto(oggi=date(2026, 11, 23), strutture=frozenset({"TICKET"}), op=Operazione("prova"))
    for tipo, testo in FILE.items():
        (tmp_path / f"{tipo}.csv").write_text(testo, encoding="utf-8")
        esito = importa_file(IMPORTATORI[tipo](), tmp_path / f"{tipo}.csv", engine=engine, ctx=contesto)
        assert not esito.errori, esito.errori
    with sessione(engine) as s:
        (pratica,) = carica_pratiche(s, [StatoCredito.APERTO])
    assert (pratica.id_esterno, pratica.importo, pratica.residuo(date(2026, 1, 1))) == (
        "T-1",
        Decimal("90.00"),
        Decimal("60.00"),
    )
    assert pratica.debitore.deceduto_il == date(2025, 6, 1)
    assert [(e.persona.codice_fiscale, e.quota) for e in pratica.eredi] == [
        ("VRDNNA70B50A944U", Fraction(2, 3)),
        ("VRDPLA72L07A944X", Fraction(1, 3)),
    ]
    assert pratica.eredi[0].persona.pec == "anna@pec.example.it"
    assert not pratica.eredi[1].persona.ha_indirizzo
    (avviso,) = pratica.lettere
    assert (avviso.tipo, avviso.canale, avviso.esito) == (
        TipoLettera.AVVISO,
        Canale.POSTA_ORDINARIA,
        EsitoStorico.INVIATA,
    )
