"""Did the PEC provider take a message? Asked of our own PEC mailbox, by Message-ID.

This is how a letter caught mid-send by a crash is resolved (issue 6, Crash safety): the
provider answers every submission it takes with an *accettazione* (or refuses it with a
*non-accettazione*), within seconds, into the sender's mailbox. Finding either one settles the
question; finding neither after the configured wait proves the provider did not take it, and
only then may the letter be resent.

Only the top-level headers are read (RICEVUTE.md): a message is a receipt if it has
``X-Ricevuta`` and no ``X-Trasporto``; a transport envelope also carries
``X-Riferimento-Message-ID`` and is never evidence of acceptance. IMAP HEADER search is a
substring match (AMBIENTE.md §1), so the value found is compared exactly afterwards. The full
receipt parser (daticert, signatures) is ``ricevute/``'s work; this needs only the headers.
"""

from __future__ import annotations

import email.policy
from email.parser import BytesHeaderParser
from enum import StrEnum
from pathlib import Path
from types import TracebackType

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from corrispondenza.canali.credenziali import accedi_imap
from corrispondenza.config.schema import CasellaPec
from corrispondenza.errors import CasellaNonDisponibileError

_INTESTAZIONI = b"BODY.PEEK[HEADER.FIELDS (X-RICEVUTA X-TRASPORTO X-RIFERIMENTO-MESSAGE-ID)]"


class Presa(StrEnum):
    ACCETTATA = "accettata"
    NON_ACCETTATA = "non_accettata"


class CasellaRicevute:
    """A read-only IMAP session on the PEC mailbox's receipt folders."""

    def __init__(self, casella: CasellaPec, cartella_config: Path) -> None:
        self._casella = casella
        self._cartella_config = cartella_config
        self._client: IMAPClient | None = None

    def __enter__(self) -> CasellaRicevute:
        self._client = accedi_imap(self._casella, self._cartella_config)
        return self

    def __exit__(
        self, tipo: type[BaseException] | None, errore: BaseException | None, traccia: TracebackType | None
    ) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.logout()
            except (IMAPClientError, OSError):
                client.shutdown()

    def cerca(self, message_ids: list[str]) -> dict[str, Presa]:
        """For each Message-ID that has an acceptance or non-acceptance, which one."""
        if self._client is None:
            raise RuntimeError("usare CasellaRicevute in un blocco with")
        trovate: dict[str, Presa] = {}
        try:
            for cartella in self._casella.cartelle:
                self._client.select_folder(cartella, readonly=True)
                for mid in message_ids:
                    uids = self._client.search(["HEADER", "X-Riferimento-Message-ID", mid])
                    if uids:
                        presa = _presa(mid, self._client.fetch(uids, [_INTESTAZIONI]))
                        if presa is not None and trovate.get(mid) is not Presa.ACCETTATA:
                            trovate[mid] = presa
        except (IMAPClientError, OSError) as exc:
            raise CasellaNonDisponibileError(
                f"Lettura della casella PEC non riuscita ({exc.__class__.__name__})", risposta=str(exc)
            ) from exc
        return trovate


def _presa(mid: str, risposte: dict[int, dict[bytes, bytes]]) -> Presa | None:
    """Any receipt of the provider about ``mid`` means it took it, unless it is a refusal."""
    esito = None
    for dati in risposte.values():
        # The server names the item in its own spelling of the field list: take it by prefix.
        grezzo = next((v for k, v in dati.items() if k.startswith(b"BODY[")), b"")
        testa = BytesHeaderParser(policy=email.policy.default).parsebytes(grezzo)
        riferimento = str(testa.get("X-Riferimento-Message-ID", "")).strip()
        tipo = str(testa.get("X-Ricevuta", "")).strip().lower()
        if riferimento != mid or not tipo or testa.get("X-Trasporto") is not None:
            continue
        if tipo != "non-accettazione":
            return Presa.ACCETTATA
        esito = Presa.NON_ACCETTATA
    return esito
