"""The way out of each electronic channel: which mailbox sends, through which server, how fast.

Built from config.yaml (``canali``) for the channels a lotto needs; a channel the lotto needs
but config.yaml lacks is reported, and its letters wait (nothing is marked failed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corrispondenza.config.carica import ConfigCaricata
from corrispondenza.config.schema import CasellaPec, Invio, Server
from corrispondenza.dominio.tipi import Canale


@dataclass(frozen=True)
class Uscita:
    canale: Canale
    mittente: str  # From and envelope sender: the same address (RICEVUTE.md, "Limits")
    server: Server
    percorso: str  # YAML path of the server, for messages
    invio: Invio
    nome_indirizzo: str  # "PEC" or "e-mail", for messages
    intestazioni: dict[str, str] = field(default_factory=dict)
    casella_pec: CasellaPec | None = None  # where the provider's receipts arrive
    limite_byte: int | None = None

    @property
    def con_ricevute(self) -> bool:
        """PEC answers every submission with a receipt; ordinary e-mail proves nothing back."""
        return self.casella_pec is not None

    @property
    def dominio(self) -> str:
        """Message-IDs are on our own domain, the sending mailbox's (DESIGN.md, Channels)."""
        return self.mittente.rpartition("@")[2]

    def campo_indirizzo(self, soggetto: Any) -> Any:
        """The recipient's address column for this channel."""
        return soggetto.pec if self.canale is Canale.PEC else soggetto.email


def uscite(cfg: ConfigCaricata, necessari: set[Canale], non_disponibili: dict[str, str]) -> list[Uscita]:
    """The configured way out of each channel in ``necessari``, PEC first."""
    from corrispondenza.canali.email import uscita_email
    from corrispondenza.canali.pec import uscita_pec

    costruttori = {Canale.PEC: uscita_pec, Canale.EMAIL: uscita_email}
    risultato = []
    for canale in (Canale.PEC, Canale.EMAIL):
        if canale not in necessari:
            continue
        uscita = costruttori[canale](cfg)
        if uscita is None:
            non_disponibili[canale.value] = (
                f"canale non configurato: aggiungere canali.{canale.value} a config.yaml "
                "per inviare queste lettere"
            )
        else:
            risultato.append(uscita)
    return risultato
