"""The formal checks a PEC provider makes at DATA, before it accepts a message (RICEVUTE.md, "Limits").

Pure: the SMTP envelope and the message bytes in, the Italian ``errore-esteso`` of the
non-acceptance out (None when the message is acceptable). A provider answers 250 either way
and tells the sender with a signed non-accettazione, so these never become SMTP errors.
"""

from __future__ import annotations

import email.policy
from collections.abc import Sequence
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.parser import BytesHeaderParser


def errore_formale(
    originale: bytes, *, login: str, mittente_smtp: str, destinatari_smtp: Sequence[str], limite_byte: int
) -> str | None:
    """Why the provider must refuse the message, led by an SMTP-style code; None if acceptable."""
    if len(originale) > limite_byte:
        return (
            f"5.3.4 - messaggio troppo grande: {len(originale)} byte, "
            f"il limite del gestore è {limite_byte} byte"
        )
    try:
        return _errore_intestazioni(
            BytesHeaderParser(policy=email.policy.default).parsebytes(originale),
            login.lower(),
            mittente_smtp.lower(),
            {d.lower() for d in destinatari_smtp},
        )
    except (HeaderParseError, ValueError, IndexError, AttributeError) as exc:
        return f"5.6.0 - errore formale: intestazioni del messaggio non leggibili ({exc})"


def _errore_intestazioni(
    testa: EmailMessage, login: str, mittente_smtp: str, destinatari_smtp: set[str]
) -> str | None:
    mittenti = indirizzi(testa, "From")
    if len(mittenti) != 1:
        return "5.6.0 - errore formale: l'intestazione From deve indicare un solo mittente"
    if not (login == mittente_smtp == mittenti[0]):
        return (
            f"5.7.1 - mittente non autorizzato: l'utente autenticato ({login}), il mittente della busta "
            f"({mittente_smtp}) e l'intestazione From ({mittenti[0]}) devono coincidere"
        )
    if testa.get("Bcc") is not None:
        return "5.6.0 - errore formale: l'intestazione Bcc (copia nascosta) non è ammessa nella PEC"
    intestati = set(indirizzi(testa, "To") + indirizzi(testa, "Cc"))
    if intestati != destinatari_smtp:
        return (
            "5.6.0 - errore formale: i destinatari delle intestazioni To e Cc "
            f"({', '.join(sorted(intestati)) or 'nessuno'}) non corrispondono a quelli della busta "
            f"({', '.join(sorted(destinatari_smtp))})"
        )
    if not str(testa.get("Message-ID", "")).strip():
        return "5.6.0 - errore formale: manca l'intestazione Message-ID"
    return None


def indirizzi(testa: EmailMessage, nome: str) -> list[str]:
    """The lowercased addresses of a header (all its occurrences), empty when absent."""
    return [a.addr_spec.lower() for valore in testa.get_all(nome, []) for a in valore.addresses]
