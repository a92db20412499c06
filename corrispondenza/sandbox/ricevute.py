"""The messages a PEC provider writes: receipts and transport envelopes, signed S/MIME.

This is the sandbox provider's side of the conversation (DESIGN.md, "Local PEC provider"):
built from the format notes in ``shared/pec/RICEVUTE.md`` alone and sharing no code with our
receipt parser, so that a misreading of the format in one cannot hide in the other.

Pure functions: data in, message bytes out (RFC 5322, CRLF). The only randomness is in the
generated Message-IDs and MIME boundaries, and both can be fixed by the caller.

Structure of every message (RICEVUTE.md, "MIME structure")::

    multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256
    ├── multipart/mixed
    │   ├── multipart/alternative (text/plain + text/html, quoted-printable)
    │   ├── application/xml; name="daticert.xml" (base64)
    │   └── message/rfc822; name="postacert.eml"  (consegna completa/breve, envelopes)
    └── application/pkcs7-signature; name="smime.p7s"

daticert.xml is written by ``daticert.py`` and the signature by ``smime.py``; this module
decides what each kind of message says and carries.
"""

from __future__ import annotations

import email.policy
import email.utils
import enum
import hashlib
import re
import secrets
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from typing import Literal

from corrispondenza.sandbox.daticert import daticert, in_italia
from corrispondenza.sandbox.smime import SMTP, Firmatario, come_parte, crlf, firmato, multipart
from corrispondenza.sandbox.testi import parte_leggibile, testo

TipoDestinatario = Literal["certificato", "esterno"]
TipoRicevuta = Literal["completa", "breve", "sintetica"]

# RICEVUTE.md, "Kinds of provider message": daticert postacert/@tipo -> subject prefix.
PREFISSI: dict[str, str] = {
    "accettazione": "ACCETTAZIONE: ",
    "non-accettazione": "AVVISO DI NON ACCETTAZIONE: ",
    "presa-in-carico": "PRESA IN CARICO: ",
    "avvenuta-consegna": "CONSEGNA: ",
    "errore-consegna": "AVVISO DI MANCATA CONSEGNA: ",
    "preavviso-errore-consegna": "AVVISO DI MANCATA CONSEGNA PER SUP. TEMPO MASSIMO: ",
    "posta-certificata": "POSTA CERTIFICATA: ",
}

# A non-final warning (RFC 3463 4.4.7, delivery time expired): only errore-consegna or a
# preavviso led by 5.4.1 is final (RICEVUTE.md, "Timing and states").
PREAVVISO_PREDEFINITO = (
    "4.4.7 - Non è pervenuta la ricevuta di avvenuta consegna entro 12 ore dall'invio del messaggio"
)


class Difetto(enum.StrEnum):
    """Deliberate faults, so the parser's tolerance can be tested on realistic bad input."""

    FIRMA_NON_VALIDA = "firma-non-valida"  # content changed after signing: openssl says digest failure
    SENZA_DATICERT = "senza-daticert"  # validly signed, but daticert.xml is missing


@dataclass(frozen=True)
class Invio:
    """One submitted PEC message, as the provider saw it: what every receipt about it repeats."""

    mittente: str
    destinatari: tuple[tuple[str, TipoDestinatario], ...]
    oggetto: str
    msgid: str  # the original Message-ID, with its angle brackets
    identificativo: str  # given by the sender's provider (RICEVUTE.md, daticert identificativo)
    tipo_ricevuta: TipoRicevuta = "completa"
    risposte: str = ""  # daticert risposte: Reply-To, else the sender

    @classmethod
    def da_messaggio(cls, originale: bytes, identificativo: str, *, esterni: Collection[str] = ()) -> Invio:
        """Read sender, recipients (To + Cc), subject, Message-ID and X-TipoRicevuta from the original.

        ``esterni`` lists the recipients that are not PEC mailboxes (daticert ``tipo="esterno"``).
        """
        intestazioni = BytesHeaderParser(policy=email.policy.default).parsebytes(originale)
        indirizzi = [a.addr_spec for nome in ("To", "Cc") for a in _indirizzi(intestazioni, nome)]
        tipo = str(intestazioni.get("X-TipoRicevuta", "completa")).strip().lower()
        risposte = _indirizzi(intestazioni, "Reply-To")
        return cls(
            mittente=_indirizzi(intestazioni, "From")[0].addr_spec,
            destinatari=tuple((a, "esterno" if a in esterni else "certificato") for a in indirizzi),
            oggetto=str(intestazioni.get("Subject", "")),
            msgid=str(intestazioni.get("Message-ID", "")).strip(),
            identificativo=identificativo,
            tipo_ricevuta=tipo if tipo in ("completa", "breve", "sintetica") else "completa",  # type: ignore[arg-type]
            risposte=risposte[0].addr_spec if risposte else "",
        )


def _indirizzi(intestazioni: EmailMessage, nome: str) -> list[Address]:
    valore = intestazioni.get(nome)
    return list(valore.addresses) if valore is not None else []


def nuovo_message_id(dominio: str) -> str:
    """A fresh Message-ID on the provider's domain: every provider message has its own."""
    return f"<{uuid.uuid4().hex}@{dominio}>"


def nuovo_identificativo(dominio: str, data: datetime) -> str:
    """An identificativo shaped like the real ones (``opec…`` + timestamp + random @ domain)."""
    return f"opec.{in_italia(data):%Y%m%d%H%M%S}.{secrets.token_hex(4)}@{dominio}"


# --- the receipts (RICEVUTE.md, "Kinds of provider message") ----------------------------------


def accettazione(
    firmatario: Firmatario,
    invio: Invio,
    *,
    data: datetime,
    message_id: str | None = None,
    difetto: Difetto | None = None,
) -> bytes:
    """The sender's provider took the message: the first evidence, within seconds of sending."""
    return _ricevuta(firmatario, invio, "accettazione", data, message_id=message_id, difetto=difetto)


def non_accettazione(
    firmatario: Firmatario,
    invio: Invio,
    *,
    data: datetime,
    errore_esteso: str,
    errore: str = "altro",
    message_id: str | None = None,
    difetto: Difetto | None = None,
) -> bytes:
    """The sender's provider refused the message (formal error, size, virus): final, nothing sent."""
    return _ricevuta(
        firmatario,
        invio,
        "non-accettazione",
        data,
        errore=errore,
        errore_esteso=errore_esteso,
        message_id=message_id,
        difetto=difetto,
    )


def presa_in_carico(
    firmatario: Firmatario,
    invio: Invio,
    *,
    data: datetime,
    message_id: str | None = None,
    difetto: Difetto | None = None,
) -> bytes:
    """The recipients' provider took charge of the envelope (between providers; rarely seen by users).

    The ``ricezione`` elements name the recipients this provider took charge of.
    """
    ricezioni = [a for a, t in invio.destinatari if t == "certificato"]
    return _ricevuta(
        firmatario,
        invio,
        "presa-in-carico",
        data,
        ricezioni=ricezioni,
        message_id=message_id,
        difetto=difetto,
    )


def avvenuta_consegna(
    firmatario: Firmatario,
    invio: Invio,
    *,
    destinatario: str,
    data: datetime,
    originale: bytes,
    tipo_ricevuta: TipoRicevuta | None = None,
    verifica_sicurezza_errore: bool = False,
    message_id: str | None = None,
    difetto: Difetto | None = None,
) -> bytes:
    """Delivered into ``destinatario``'s mailbox: one receipt per recipient, the legal notification.

    ``completa`` attaches the original as postacert.eml byte for byte; ``breve`` attaches it with
    each attachment replaced by its hash (see ``originale_breve``); ``sintetica`` only daticert.
    ``verifica_sicurezza_errore`` adds ``X-VerificaSicurezza: errore`` (the provider's signature
    check failed, RICEVUTE.md "Other headers").
    """
    tipo = tipo_ricevuta or invio.tipo_ricevuta
    allegato = {"completa": crlf(originale), "breve": originale_breve(originale), "sintetica": None}[tipo]
    intestazioni = [("X-TipoRicevuta", tipo)]
    if verifica_sicurezza_errore:
        intestazioni.append(("X-VerificaSicurezza", "errore"))
    return _ricevuta(
        firmatario,
        invio,
        "avvenuta-consegna",
        data,
        consegna=destinatario,
        ricevuta=tipo,
        postacert=allegato,
        intestazioni=intestazioni,
        message_id=message_id,
        difetto=difetto,
    )


def errore_consegna(
    firmatario: Firmatario,
    invio: Invio,
    *,
    destinatario: str,
    data: datetime,
    errore_esteso: str,
    errore: str = "no-dest",
    message_id: str | None = None,
    difetto: Difetto | None = None,
) -> bytes:
    """Final: not delivered to ``destinatario``. ``errore_esteso`` leads with an SMTP-style code (5.1.1…)."""
    return _ricevuta(
        firmatario,
        invio,
        "errore-consegna",
        data,
        consegna=destinatario,
        errore=errore,
        errore_esteso=errore_esteso,
        message_id=message_id,
        difetto=difetto,
    )


def preavviso_errore_consegna(
    firmatario: Firmatario,
    invio: Invio,
    *,
    destinatario: str,
    data: datetime,
    errore_esteso: str = PREAVVISO_PREDEFINITO,
    errore: str = "altro",
    message_id: str | None = None,
    difetto: Difetto | None = None,
) -> bytes:
    """The 12-hour warning: no delivery receipt yet. Not final unless ``errore_esteso`` leads with 5.4.1."""
    return _ricevuta(
        firmatario,
        invio,
        "preavviso-errore-consegna",
        data,
        consegna=destinatario,
        errore=errore,
        errore_esteso=errore_esteso,
        message_id=message_id,
        difetto=difetto,
    )


def busta_di_trasporto(
    firmatario: Firmatario,
    invio: Invio,
    originale: bytes,
    *,
    data: datetime,
    difetto: Difetto | None = None,
) -> bytes:
    """The transport envelope put into each recipient's mailbox: **not a receipt** (``X-Trasporto``).

    From ``"Per conto di: <sender>" <posta-certificata@…>`` with ``Reply-To`` the sender (or the
    original Reply-To), To and Cc copied from the original, the original as postacert.eml.
    Its Message-ID is the identificativo, as with real providers: the same value the sender's
    acceptance and delivery receipts carry in daticert.
    """
    testa = BytesHeaderParser(policy=email.policy.default).parsebytes(originale)
    intestazioni: list[tuple[str, str | Address]] = [
        ("Date", email.utils.format_datetime(in_italia(data))),
        ("From", Address(f"Per conto di: {invio.mittente}", addr_spec=firmatario.indirizzo)),
        ("Reply-To", invio.risposte or invio.mittente),
    ]
    intestazioni += [(nome, str(testa[nome])) for nome in ("To", "Cc") if testa.get(nome) is not None]
    intestazioni += [
        ("Subject", PREFISSI["posta-certificata"] + invio.oggetto),
        ("Message-ID", f"<{invio.identificativo}>"),
        ("X-Riferimento-Message-ID", invio.msgid),
        ("X-Trasporto", "posta-certificata"),
        ("X-TipoRicevuta", invio.tipo_ricevuta),
    ]
    xml = _daticert_invio(firmatario, invio, "posta-certificata", data)
    corpo = _corpo("posta-certificata", invio, data, xml, crlf(originale), difetto)
    return firmato(firmatario, intestazioni, corpo, manomesso=difetto is Difetto.FIRMA_NON_VALIDA)


def _ricevuta(
    firmatario: Firmatario,
    invio: Invio,
    tipo: str,
    data: datetime,
    *,
    consegna: str | None = None,
    ricevuta: str | None = None,
    errore: str | None = None,
    errore_esteso: str | None = None,
    ricezioni: Sequence[str] = (),
    postacert: bytes | None = None,
    intestazioni: Sequence[tuple[str, str]] = (),
    message_id: str | None,
    difetto: Difetto | None,
) -> bytes:
    """Every receipt: From the provider, To the sender, its own Message-ID, X-Ricevuta = daticert tipo."""
    testa: list[tuple[str, str | Address]] = [
        ("Date", email.utils.format_datetime(in_italia(data))),
        ("From", firmatario.indirizzo),
        ("To", invio.mittente),
        ("Subject", PREFISSI[tipo] + invio.oggetto),
        ("Message-ID", message_id or nuovo_message_id(firmatario.dominio)),
        ("X-Riferimento-Message-ID", invio.msgid),
        ("X-Ricevuta", tipo),
        *intestazioni,
    ]
    xml = _daticert_invio(
        firmatario,
        invio,
        tipo,
        data,
        consegna=consegna,
        ricevuta=ricevuta,
        errore=errore,
        errore_esteso=errore_esteso,
        ricezioni=ricezioni,
    )
    corpo = _corpo(tipo, invio, data, xml, postacert, difetto, consegna=consegna, errore_esteso=errore_esteso)
    return firmato(firmatario, testa, corpo, manomesso=difetto is Difetto.FIRMA_NON_VALIDA)


def _daticert_invio(firmatario: Firmatario, invio: Invio, tipo: str, data: datetime, **altri) -> bytes:
    return daticert(
        tipo,
        mittente=invio.mittente,
        destinatari=invio.destinatari,
        oggetto=invio.oggetto,
        gestore=firmatario.gestore,
        data=data,
        identificativo=invio.identificativo,
        msgid=invio.msgid or None,
        risposte=invio.risposte or None,
        **altri,
    )


# --- breve: the original with its attachments replaced by their hashes ------------------------


def originale_breve(originale: bytes) -> bytes:
    """The original for a ``breve`` receipt: every attachment replaced by its SHA-256.

    RICEVUTE.md only says breve keeps the mailbox small; the law says the short receipt holds
    "the original message and the cryptographic hashes of its attachments" without fixing a
    file format. Here each attachment becomes a ``text/plain`` part named ``<file>.hash`` whose
    body is ``SHA-256 <hex digest of the decoded file>``; the text of the message is kept.
    """
    messaggio = BytesParser(policy=email.policy.default).parsebytes(originale)
    for parte in list(messaggio.walk()):
        if isinstance(parte, EmailMessage) and parte.is_attachment():
            contenuto = parte.get_payload(decode=True) or b""
            nome = (parte.get_filename() or "allegato") + ".hash"
            impronta = f"SHA-256 {hashlib.sha256(contenuto).hexdigest()}\n"
            parte.set_content(
                impronta, subtype="plain", charset="us-ascii", disposition="attachment", filename=nome
            )
    return messaggio.as_bytes(policy=SMTP)


# --- the signed entity (the signature itself is smime.py's) ---------------------------------


def _corpo(
    tipo: str,
    invio: Invio,
    data: datetime,
    xml: bytes,
    postacert: bytes | None,
    difetto: Difetto | None,
    *,
    consegna: str | None = None,
    errore_esteso: str | None = None,
) -> bytes:
    """The multipart/mixed entity that gets signed (no MIME-Version: it is a body part)."""
    leggibile = testo(
        tipo,
        data=data,
        oggetto=invio.oggetto,
        mittente=invio.mittente,
        destinatari=invio.destinatari,
        identificativo=invio.identificativo,
        consegna=consegna,
        errore_esteso=errore_esteso,
    )
    parti = [parte_leggibile(leggibile)]
    if difetto is not Difetto.SENZA_DATICERT:
        parti.append(_parte_xml(xml))
    if postacert is not None:
        intestazioni = b'Content-Type: message/rfc822; name="postacert.eml"\r\n'
        if re.search(rb"[\x80-\xff]", postacert):
            intestazioni += b"Content-Transfer-Encoding: 8bit\r\n"
        intestazioni += b'Content-Disposition: inline; filename="postacert.eml"\r\n\r\n'
        parti.append(intestazioni + postacert)
    return multipart(b"multipart/mixed", parti)


def _parte_xml(xml: bytes) -> bytes:
    parte = EmailMessage(policy=SMTP)
    parte.set_content(
        xml, maintype="application", subtype="xml", disposition="inline", filename="daticert.xml"
    )
    parte.set_param("name", "daticert.xml")
    return come_parte(parte)


__all__ = [
    "PREAVVISO_PREDEFINITO",
    "PREFISSI",
    "Difetto",
    "Firmatario",
    "Invio",
    "TipoDestinatario",
    "TipoRicevuta",
    "accettazione",
    "avvenuta_consegna",
    "busta_di_trasporto",
    "daticert",
    "errore_consegna",
    "non_accettazione",
    "nuovo_identificativo",
    "nuovo_message_id",
    "originale_breve",
    "preavviso_errore_consegna",
    "presa_in_carico",
]
