"""Which channel a letter takes (Art. 5 c. 4, Art. 6 c. 5–6), with the reason in Italian.

- Avviso: e-mail when an address is known (and the office allows it), otherwise ordinary post.
- Sollecito, and the letters sent "like a sollecito" (heirs): PEC when the recipient has one,
  otherwise raccomandata A/R, which is allowed only from the ruolo minimum (10,33 €, inclusive,
  on the residual before postage). E-mail never carries a sollecito: it proves no receipt.
- A channel that already failed for this credit is not tried again (Art. 6 c. 11).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from corrispondenza.config.schema import Regole
from corrispondenza.dominio.euro import formatta_euro
from corrispondenza.dominio.pratica import Persona
from corrispondenza.dominio.tipi import Canale
from corrispondenza.regole.esito import Motivo


@dataclass(frozen=True, slots=True)
class Scelta:
    """The channel chosen, or ``None`` with the article and the reason why none is possible."""

    canale: Canale | None
    motivo: Motivo


def canale_avviso(persona: Persona, regole: Regole) -> Scelta:
    """Art. 5 c. 4: "posta ordinaria ovvero via email, se disponibile"."""
    if persona.email and regole.email_per_avviso:
        return Scelta(Canale.EMAIL, Motivo("5.4", "avviso via e-mail: indirizzo disponibile"))
    if persona.ha_indirizzo:
        return Scelta(Canale.POSTA_ORDINARIA, Motivo("5.4", "avviso con posta ordinaria"))
    return Scelta(None, Motivo("5.4", "nessun indirizzo postale né e-mail: verificare l'anagrafica"))


def canale_formale(
    persona: Persona, residuo: Decimal, regole: Regole, falliti: frozenset[Canale] = frozenset()
) -> Scelta:
    """Art. 6 c. 5–6: PEC if available, else raccomandata A/R from the ruolo minimum."""
    if persona.pec and Canale.PEC not in falliti:
        return Scelta(Canale.PEC, Motivo("6.5", "PEC disponibile: invio sempre possibile (Art. 6 c. 6)"))
    soglia = regole.soglia_ruolo
    if residuo < soglia:
        return Scelta(
            None,
            Motivo(
                "6.6",
                f"importo {formatta_euro(residuo)} sotto la soglia di {formatta_euro(soglia)} "
                "e nessuna PEC: la raccomandata non si invia",
            ),
        )
    if not persona.ha_indirizzo:
        return Scelta(None, Motivo("6.11", "nessuna PEC e nessun indirizzo postale: verificare l'indirizzo"))
    if Canale.RACCOMANDATA_AR in falliti:
        return Scelta(
            None,
            Motivo("6.11", "raccomandata non consegnata: verificare l'indirizzo presso gli enti competenti"),
        )
    return Scelta(Canale.RACCOMANDATA_AR, Motivo("6.5", "nessuna PEC: raccomandata A/R"))
