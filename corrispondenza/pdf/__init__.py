"""DOCX to PDF/A-2b with a pool of LibreOffice converters, and the checks on what comes out."""

from corrispondenza.pdf.controllo import InfoFont, InfoPdf, motivo_docx_non_valido, verifica_pdf
from corrispondenza.pdf.convertitore import (
    EsitoConversione,
    Lavoro,
    PoolConvertitori,
    Statistiche,
    dividi_in_blocchi,
)

__all__ = [
    "EsitoConversione",
    "InfoFont",
    "InfoPdf",
    "Lavoro",
    "PoolConvertitori",
    "Statistiche",
    "dividi_in_blocchi",
    "motivo_docx_non_valido",
    "verifica_pdf",
]
