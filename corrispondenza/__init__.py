"""corrispondenza: la corrispondenza del recupero crediti di un'azienda sanitaria.

From the credit record to the delivered, receipt-proven letter, as the *Regolamento recupero
crediti* prescribes. The core (``dominio``, ``regole``) is pure; adapters (store, import, CLI)
sit around it.
"""

__version__ = "0.1.0"
