"""daticert.xml, the certification data a PEC provider attaches to every receipt and envelope.

Written from RICEVUTE.md ("daticert.xml") alone, for the sandbox provider; the receipt parser
reads it with its own code (DESIGN.md: the simulator shares no code with the parser).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from corrispondenza.orologio import FUSO_ITALIA


def daticert(
    tipo: str,
    *,
    mittente: str,
    destinatari: Sequence[tuple[str, str]],
    oggetto: str,
    gestore: str,
    data: datetime,
    identificativo: str,
    msgid: str | None,
    ricevuta: str | None = None,
    consegna: str | None = None,
    errore: str | None = None,
    errore_esteso: str | None = None,
    risposte: str | None = None,
    ricezioni: Sequence[str] = (),
) -> bytes:
    """The certification data, in the element order and layout of RICEVUTE.md.

    UTF-8 with its declaration and the ``Postacert.dtd`` DOCTYPE real providers write; text and
    attributes XML-escaped (the msgid keeps its angle brackets as ``&lt;…&gt;``). Optional
    elements are written only when given, as real providers omit them.
    """
    quando = in_italia(data)
    righe = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE postacert SYSTEM "Postacert.dtd">',
        f"<postacert tipo={quoteattr(tipo)} errore={quoteattr(errore or 'nessuno')}>",
        "  <intestazione>",
        _elemento("mittente", mittente),
        *(f"    <destinatari tipo={quoteattr(t)}>{escape(a)}</destinatari>" for a, t in destinatari),
        _elemento("risposte", risposte or mittente),
        _elemento("oggetto", oggetto),
        "  </intestazione>",
        "  <dati>",
        _elemento("gestore-emittente", gestore),
        f'    <data zona="{quando:%z}">',
        f"      <giorno>{quando:%d/%m/%Y}</giorno>",
        f"      <ora>{quando:%H:%M:%S}</ora>",
        "    </data>",
        _elemento("identificativo", identificativo),
        _elemento("msgid", msgid),
        f"    <ricevuta tipo={quoteattr(ricevuta)} />" if ricevuta else None,
        _elemento("consegna", consegna),
        *(_elemento("ricezione", r) for r in ricezioni),
        _elemento("errore-esteso", errore_esteso),
        "  </dati>",
        "</postacert>",
        "",
    ]
    return "\n".join(r for r in righe if r is not None).encode("utf-8")


def _elemento(nome: str, testo: str | None) -> str | None:
    return None if testo is None else f"    <{nome}>{escape(testo)}</{nome}>"


def in_italia(data: datetime) -> datetime:
    """The legal time is Italian time with its offset (RICEVUTE.md: giorno + ora + zona)."""
    if data.tzinfo is None:
        raise ValueError("la data di una ricevuta deve avere il fuso orario")
    return data.astimezone(FUSO_ITALIA)
