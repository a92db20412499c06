"""E-mail: ordinary SMTP submission, for the avviso when the debtor's address is known (Art. 5 c. 4).

Same queue and the same care as PEC, but no receipt ever comes back: an e-mail left uncertain
by a broken connection is never resent without a person's decision.
"""

from __future__ import annotations

from corrispondenza.canali.uscite import Uscita
from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.dominio.tipi import Canale


def uscita_email(cfg: ConfigCaricata) -> Uscita | None:
    casella = cfg.config.canali.email
    if casella is None:
        return None
    return Uscita(
        canale=Canale.EMAIL,
        mittente=casella.mittente,
        server=casella.smtp,
        percorso="canali.email.smtp",
        invio=casella,
        nome_indirizzo="e-mail",
    )
