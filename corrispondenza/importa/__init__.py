"""Import of the office's records from CSV, XLSX and JSON (README, "Importazione").

``IMPORTATORI`` maps each kind the CLI accepts to its importer; ``importa_file`` runs one.
"""

from corrispondenza.importa.consegne import ImportaConsegne
from corrispondenza.importa.crediti import ImportaCrediti
from corrispondenza.importa.motore import Contesto, EsitoImportazione, Importatore, importa_file
from corrispondenza.importa.pagamenti import ImportaPagamenti
from corrispondenza.importa.relazioni import ImportaRelazioni
from corrispondenza.importa.soggetti import ImportaSoggetti
from corrispondenza.importa.storico import ImportaStorico

IMPORTATORI: dict[str, type[Importatore]] = {
    "soggetti": ImportaSoggetti,
    "relazioni": ImportaRelazioni,
    "crediti": ImportaCrediti,
    "pagamenti": ImportaPagamenti,
    "storico": ImportaStorico,
    "consegne": ImportaConsegne,  # also `corrispondenza consegne FILE`: the returned A/R cards
}

__all__ = ["IMPORTATORI", "Contesto", "EsitoImportazione", "importa_file"]
