"""Builders for the rule tests: a credit with sensible defaults, the default parameters."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import yaml

from corrispondenza.config.schema import Config
from corrispondenza.dominio.pratica import LetteraInviata, Persona, Pratica
from corrispondenza.dominio.tipi import Canale, EsitoStorico, TipoCredito, TipoLettera, TipoSoggetto
from corrispondenza.regole.parametri import Parametri
from corrispondenza.workspace import config_iniziale


@pytest.fixture(scope="session")
def par() -> Parametri:
    """The Regolamento's defaults, as ``init`` writes them."""
    return Parametri.da_config(Config.model_validate(yaml.safe_load(config_iniziale())))


def persona(id: int = 1, **campi: Any) -> Persona:
    base = Persona(
        id=id,
        codice_fiscale=f"CF{id:014d}",
        tipo=TipoSoggetto.FISICA,
        nominativo=f"Persona {id}",
        data_nascita=date(1980, 1, 1),
    )
    return replace(base, **campi)


def pratica(**campi: Any) -> Pratica:
    """A ticket of 100,00 € for a service on 15/01/2026, document 20/01/2026, no due date."""
    base = Pratica(
        credito_id=1,
        id_esterno="TCK-1",
        struttura="TICKET",
        tipo=TipoCredito.A,
        importo=Decimal("100.00"),
        debitore=persona(),
        data_prestazione=date(2026, 1, 15),
        data_documento=date(2026, 1, 20),
    )
    return replace(base, **campi)


def lettera(
    tipo: TipoLettera, invio: date, canale: Canale, esito: EsitoStorico, **campi: Any
) -> LetteraInviata:
    return LetteraInviata(tipo=tipo, canale=canale, data_invio=invio, esito=esito, **campi)


def avviso_del(invio: date) -> LetteraInviata:
    return lettera(TipoLettera.AVVISO, invio, Canale.POSTA_ORDINARIA, EsitoStorico.INVIATA)


def sollecito_del(invio: date, canale: Canale, esito: EsitoStorico, **campi: Any) -> LetteraInviata:
    return lettera(TipoLettera.SOLLECITO, invio, canale, esito, **campi)
