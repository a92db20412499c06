"""PEC: SMTP over implicit TLS to the authority's PEC provider (DESIGN.md, Channels).

What makes it PEC rather than e-mail for the queue: the ``X-TipoRicevuta`` header (sintetica by
default for mass mailings, to spare the mailbox quota: RICEVUTE.md, "Other headers"), the
provider's size limit, and the receipts in the PEC mailbox that settle a crash.
"""

from __future__ import annotations

from corrispondenza.canali.uscite import Uscita
from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.dominio.tipi import Canale


def uscita_pec(cfg: ConfigCaricata) -> Uscita | None:
    casella = cfg.config.canali.pec
    if casella is None:
        return None
    return Uscita(
        canale=Canale.PEC,
        mittente=casella.indirizzo,
        server=casella.smtp,
        percorso="canali.pec.smtp",
        invio=casella,
        nome_indirizzo="PEC",
        intestazioni={"X-TipoRicevuta": casella.tipo_ricevuta},
        casella_pec=casella,
        limite_byte=casella.limite_byte,
    )
