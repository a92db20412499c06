"""What leaves by PEC or e-mail: the message around the letter's PDF.

Subject and body come from ``messaggi.yaml`` (the legal office's text, checked like the
letters and rendered in the same sandbox, as plain text); the letter itself is the PDF/A
attached, byte for byte as ``genera`` wrote it. One recipient per message, the envelope
sender is the From (RICEVUTE.md, "Limits"). The subject carries the kind of letter and its
references only, never clinical detail (DESIGN.md, Privacy): it is read in every mail list.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Template, TemplateError, UndefinedError
from jinja2.sandbox import SecurityError

from corrispondenza.config.schema import FILE_MODELLI
from corrispondenza.dominio.tipi import TipoLettera
from corrispondenza.errors import ModelloNonValidoError, Problema
from corrispondenza.modelli.ambiente import SECONDI_MASSIMI, AmbienteModelli, prepara
from corrispondenza.modelli.verifica import CAMPI_MESSAGGIO, verifica_messaggi

_SPAZI = re.compile(r"\s+")


@dataclass(frozen=True)
class Testo:
    oggetto: str
    corpo: str


class TestiMessaggi:
    """``messaggi.yaml`` verified and compiled once per run: every problem at once (exit 3)."""

    def __init__(self, percorso: Path) -> None:
        problemi = verifica_messaggi(percorso, list(FILE_MODELLI))
        if problemi:
            raise ModelloNonValidoError(f"{percorso.name} contiene errori:", problemi, file=str(percorso))
        self._nome = percorso.name
        self._ambiente = AmbienteModelli(xml=False)
        dati = yaml.safe_load(percorso.read_text(encoding="utf-8"))
        self._compilati: dict[tuple[TipoLettera, str], Template] = {
            (tipo, campo): self._ambiente.from_string(dati[tipo.value][campo])
            for tipo in FILE_MODELLI
            for campo in CAMPI_MESSAGGIO
        }

    def rendi(self, tipo: TipoLettera, dati: Mapping[str, Any]) -> Testo:
        contesto = prepara(dict(dati), self._ambiente)
        oggetto = self._rendi(tipo, "oggetto", contesto)
        corpo = self._rendi(tipo, "testo", contesto)
        # A line break in a header would be an injection: the subject is one line, always.
        return Testo(oggetto=_SPAZI.sub(" ", oggetto).strip(), corpo=corpo)

    def _rendi(self, tipo: TipoLettera, campo: str, contesto: dict[str, Any]) -> str:
        try:
            with self._ambiente.limite_di_tempo(SECONDI_MASSIMI):
                return self._compilati[(tipo, campo)].render(contesto)
        except (SecurityError, UndefinedError, TemplateError, TypeError, ValueError) as exc:
            raise ModelloNonValidoError(
                f"Il messaggio «{tipo.value}» di {self._nome} non può essere composto:",
                [Problema(str(exc), file=self._nome, percorso=f"{tipo.value}.{campo}")],
            ) from exc


def componi(
    *,
    mittente: str,
    destinatario: str,
    testo: Testo,
    message_id: str,
    data: datetime,
    pdf: bytes,
    nome_pdf: str,
    intestazioni: Mapping[str, str] | None = None,
) -> bytes:
    """The RFC 5322 bytes (CRLF), body quoted-printable, the PDF base64: 7-bit on the wire."""
    m = EmailMessage(policy=SMTP)
    m["From"] = mittente
    m["To"] = destinatario
    m["Subject"] = testo.oggetto
    m["Date"] = email.utils.format_datetime(data)
    m["Message-ID"] = message_id
    for nome, valore in (intestazioni or {}).items():
        m[nome] = valore
    m.set_content(testo.corpo, cte="quoted-printable")
    m.add_attachment(pdf, maintype="application", subtype="pdf", filename=nome_pdf)
    return m.as_bytes()
