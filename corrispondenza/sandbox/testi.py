"""What a person reads in a provider's message: the Italian text beside daticert.xml.

Worded like the receipts of real providers (RICEVUTE.md, "MIME structure": text/plain +
text/html, often ISO-8859-1 quoted-printable); the legal data stay in daticert.xml.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage

from corrispondenza.sandbox.daticert import in_italia
from corrispondenza.sandbox.smime import SMTP, come_parte

# postacert/@tipo -> (title, body); the body's fields are filled by ``testo``.
TESTI: dict[str, tuple[str, str]] = {
    "accettazione": (
        "Ricevuta di accettazione",
        'Il giorno {giorno} alle ore {ora} ({zona}) il messaggio\n"{oggetto}" proveniente da "{mittente}"\n'
        "ed indirizzato a:\n{elenco}\nè stato accettato dal sistema ed inoltrato.",
    ),
    "non-accettazione": (
        "Avviso di non accettazione",
        'Il giorno {giorno} alle ore {ora} ({zona}) nel messaggio\n"{oggetto}" proveniente da "{mittente}"\n'
        "ed indirizzato a:\n{elenco}\nè stato rilevato un problema che ne impedisce l'accettazione:\n"
        "{errore_esteso}\nIl messaggio non è stato accettato.",
    ),
    "presa-in-carico": (
        "Ricevuta di presa in carico",
        'Il giorno {giorno} alle ore {ora} ({zona}) il messaggio\n"{oggetto}" proveniente da "{mittente}"\n'
        "ed indirizzato a:\n{elenco}\nè stato preso in carico dal sistema.",
    ),
    "avvenuta-consegna": (
        "Ricevuta di avvenuta consegna",
        'Il giorno {giorno} alle ore {ora} ({zona}) il messaggio\n"{oggetto}" proveniente da "{mittente}"\n'
        'ed indirizzato a "{consegna}"\nè stato consegnato nella casella di destinazione.',
    ),
    "errore-consegna": (
        "Avviso di mancata consegna",
        'Il giorno {giorno} alle ore {ora} ({zona}) nel messaggio\n"{oggetto}" proveniente da "{mittente}"\n'
        'ed indirizzato a "{consegna}"\nè stato rilevato un errore:\n{errore_esteso}\n'
        "Il messaggio non è stato consegnato.",
    ),
    "preavviso-errore-consegna": (
        "Avviso di mancata consegna per superamento del tempo massimo",
        'Il giorno {giorno} alle ore {ora} ({zona}) per il messaggio\n"{oggetto}" proveniente da '
        '"{mittente}"\ned indirizzato a "{consegna}"\nnon è ancora pervenuta la ricevuta di avvenuta '
        "consegna:\n{errore_esteso}",
    ),
    "posta-certificata": (
        "Messaggio di posta certificata",
        'Il giorno {giorno} alle ore {ora} ({zona}) il messaggio\n"{oggetto}" è stato inviato da\n'
        '"{mittente}" indirizzato a:\n{elenco}\nIl messaggio originale è incluso in allegato.',
    ),
}


def testo(
    tipo: str,
    *,
    data: datetime,
    oggetto: str,
    mittente: str,
    destinatari: Sequence[tuple[str, str]],
    identificativo: str,
    consegna: str | None = None,
    errore_esteso: str | None = None,
) -> str:
    """The Italian text of one message, with the legal time in Italian time and its offset."""
    titolo, modello = TESTI[tipo]
    quando = in_italia(data)
    tipi = {"certificato": "posta certificata", "esterno": "posta ordinaria"}
    corpo = modello.format(
        giorno=f"{quando:%d/%m/%Y}",
        ora=f"{quando:%H:%M:%S}",
        zona=f"{quando:%z}",
        oggetto=oggetto,
        mittente=mittente,
        elenco="\n".join(f'{a} ("{tipi.get(t, t)}")' for a, t in destinatari),
        consegna=consegna,
        errore_esteso=errore_esteso,
    )
    return f"{titolo}\n\n{corpo}\nIdentificativo messaggio: {identificativo}\n"


def parte_leggibile(contenuto: str) -> bytes:
    """Plain text + HTML, ISO-8859-1 quoted-printable as many providers write it (UTF-8 if needed)."""
    try:
        contenuto.encode("iso-8859-1")
        charset = "iso-8859-1"
    except UnicodeEncodeError:
        charset = "utf-8"
    righe = [html.escape(r) for r in contenuto.splitlines()]
    corpo = "<br>\n".join(righe)
    pagina = f"<html><head><title>{righe[0]}</title></head><body>{corpo}</body></html>\n"
    parte = EmailMessage(policy=SMTP)
    parte.set_content(contenuto, subtype="plain", charset=charset, cte="quoted-printable")
    parte.add_alternative(pagina, subtype="html", charset=charset, cte="quoted-printable")
    return come_parte(parte)
