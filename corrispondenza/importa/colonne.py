"""The standard column names of each import kind (README, "Colonne dei file").

Pure data, shared by the importers and by config validation (a mapping in config.yaml may
only rename these columns).
"""

from __future__ import annotations

COLONNE: dict[str, tuple[str, ...]] = {
    "soggetti": (
        "codice_fiscale",
        "tipo",
        "cognome",
        "nome",
        "ragione_sociale",
        "data_nascita",
        "indirizzo",
        "cap",
        "comune",
        "provincia",
        "email",
        "pec",
        "deceduto_il",
        "fallimento_il",
        "domicilio_indirizzo",
        "domicilio_cap",
        "domicilio_comune",
        "domicilio_provincia",
    ),
    "relazioni": ("codice_fiscale", "relazione", "codice_fiscale_collegato", "quota"),
    "crediti": (
        "id_credito",
        "tipo",
        "struttura",
        "codice_fiscale",
        "numero_documento",
        "data_documento",
        "data_prestazione",
        "scadenza",
        "importo",
        "descrizione",
    ),
    "pagamenti": ("id_credito", "data", "importo", "riferimento", "struttura"),
    "storico": (
        "id_credito",
        "lettera",
        "data_invio",
        "canale",
        "data_consegna",
        "esito",
        "spese",
        "id_lettera",
        "destinatario",
        "struttura",
    ),
    # The returned A/R cards (``corrispondenza consegne``): lettera or raccomandata names the letter.
    "consegne": ("lettera", "raccomandata", "esito", "data", "motivo"),
}

OBBLIGATORIE: dict[str, frozenset[str]] = {
    "soggetti": frozenset({"codice_fiscale", "tipo"}),
    "relazioni": frozenset({"codice_fiscale", "relazione", "codice_fiscale_collegato"}),
    "crediti": frozenset({"id_credito", "tipo", "struttura", "codice_fiscale", "importo"}),
    "pagamenti": frozenset({"id_credito", "data", "importo", "riferimento"}),
    "storico": frozenset({"id_credito", "lettera", "data_invio", "canale", "esito"}),
    "consegne": frozenset({"esito", "data"}),  # and lettera or raccomandata: checked on each row
}

TIPI_IMPORTAZIONE: tuple[str, ...] = tuple(COLONNE)
