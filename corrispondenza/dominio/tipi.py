"""The closed vocabularies of the domain, as ``StrEnum`` so they read well in the database.

Values are the Italian words the import files and the ``--json`` outputs use.
"""

from __future__ import annotations

from enum import StrEnum


class TipoSoggetto(StrEnum):
    FISICA = "fisica"
    GIURIDICA = "giuridica"


class TipoRelazione(StrEnum):
    """Art. 6 c. 8: who receives the letters of a minor or of a deceased debtor."""

    GENITORE = "genitore"
    TUTORE = "tutore"
    EREDE = "erede"


class TipoCredito(StrEnum):
    """Art. 2 c. 1, letters a–g."""

    A = "a"
    B = "b"
    C = "c"
    D = "d"
    E = "e"
    F = "f"
    G = "g"

    @property
    def descrizione(self) -> str:
        return DESCRIZIONI_TIPO[self]


DESCRIZIONI_TIPO: dict[TipoCredito, str] = {
    TipoCredito.A: "compartecipazione alla spesa sanitaria (ticket)",
    TipoCredito.B: "prestazioni verso terzi, vendita di beni, gestione patrimoniale",
    TipoCredito.C: "libera professione intramoenia",
    TipoCredito.D: "somme indebitamente percepite dal personale",
    TipoCredito.E: "sanzioni amministrative (L. 689/1981)",
    TipoCredito.F: "controlli sanitari (D.Lgs. 194/2008)",
    TipoCredito.G: "sentenze o provvedimenti dell'Autorità Giudiziaria",
}


class TipoLettera(StrEnum):
    AVVISO = "avviso"
    SOLLECITO = "sollecito"
    RATEIZZAZIONE_ACCOLTA = "rateizzazione_accolta"
    RATEIZZAZIONE_RESPINTA = "rateizzazione_respinta"
    EREDI = "eredi"
    ORDINANZA_INGIUNZIONE = "ordinanza_ingiunzione"


class Canale(StrEnum):
    PEC = "pec"
    EMAIL = "email"
    POSTA_ORDINARIA = "posta_ordinaria"
    RACCOMANDATA_AR = "raccomandata_ar"


class EsitoStorico(StrEnum):
    """Outcome of a letter sent before the tool was adopted (import ``storico``)."""

    INVIATA = "inviata"
    CONSEGNATA = "consegnata"
    COMPIUTA_GIACENZA = "compiuta_giacenza"
    MANCATA_CONSEGNA = "mancata_consegna"
    IN_ATTESA = "in_attesa"

    @property
    def notificata(self) -> bool:
        """Art. 6 c. 10: delivery is proven by the signed card, compiuta giacenza or PEC receipt."""
        return self in (EsitoStorico.CONSEGNATA, EsitoStorico.COMPIUTA_GIACENZA)
