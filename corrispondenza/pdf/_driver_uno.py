"""UNO driver: turns DOCX into PDF/A-2b inside one running LibreOffice, one job per line.

This file runs under the system interpreter (``/usr/bin/python3``, or the one named by
CORRISPONDENZA_PYTHON_UNO), because only that one can ``import uno`` (Debian python3-uno). It
therefore imports nothing from ``corrispondenza`` and only the standard library besides uno.

Usage: ``python3 -I _driver_uno.py PIPE_NAME STARTUP_SECONDS``

Protocol, one JSON object per line, ASCII only:
- at start, once connected: ``{"pronto": true}``; on failure ``{"pronto": false, "errore": "..."}``
  and exit status 2;
- in: ``{"id": 7, "docx": "/abs/in.docx", "pdf": "/abs/out.pdf"}`` ->
  out: ``{"id": 7, "ok": true}`` or ``{"id": 7, "ok": false, "errore": "...", "crollo": false}``;
  ``crollo`` true means the office is gone: the driver exits after saying so (status 3);
- in: ``{"comando": "termina"}``: closes the office in order and exits 0.
Jobs are done one at a time, in the order received; the pool queues the next one before the
answer to the last arrives, so LibreOffice never waits for the pool's checks.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

try:
    import uno
    from com.sun.star.beans import PropertyValue
    from com.sun.star.lang import DisposedException
except ImportError as exc:  # reported as a line: the pool turns it into an Italian message
    sys.stdout.write(json.dumps({"pronto": False, "errore": f"import uno non riuscito: {exc}"}) + "\n")
    sys.stdout.flush()
    sys.exit(2)

# Load without running macros (MacroExecutionMode NEVER_EXECUTE) or updating links (UpdateDocMode
# NO_UPDATE): templates come from outside; forcing the DOCX filter makes a non-DOCX fail instead
# of being imported as plain text.
CARICAMENTO = {
    "Hidden": True,
    "ReadOnly": True,
    "FilterName": "MS Word 2007 XML",
    "MacroExecutionMode": 0,
    "UpdateDocMode": 0,
}
# ExportBookmarksToPDFDestination: Word bookmarks become named destinations, which is how
# pdf.dividi finds where each letter of a raccolta starts.
# No UseTaggedPDF: PDF/A-2b does not require it, it costs about 12 % of the export (measured),
# and a letter split from a raccolta could not keep the raccolta's structure tree anyway.
PDF_A = {
    "SelectPdfVersion": 2,
    "ExportBookmarks": True,
    "ExportBookmarksToPDFDestination": True,
}


class NonAperto(Exception):
    """LibreOffice returned no document: its DOCX filter refused the file."""


def proprieta(valori: dict[str, Any]) -> tuple[Any, ...]:
    """A dict as the tuple of PropertyValue every UNO call expects."""
    risultato = []
    for nome, valore in valori.items():
        p = PropertyValue()
        p.Name = nome
        p.Value = valore
        risultato.append(p)
    return tuple(risultato)


def scrivi(messaggio: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(messaggio) + "\n")
    sys.stdout.flush()


def connetti(nome_pipe: str, secondi: float) -> Any:
    """The office's Desktop, retrying until it accepts: an open pipe does not mean a ready office."""
    locale = uno.getComponentContext()
    risolutore = locale.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", locale)
    url = f"uno:pipe,name={nome_pipe};urp;StarOffice.ComponentContext"
    scadenza = time.monotonic() + secondi
    while True:
        try:
            contesto = risolutore.resolve(url)
            return contesto.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", contesto)
        except Exception as exc:
            if time.monotonic() > scadenza:
                raise TimeoutError(f"LibreOffice non risponde dopo {secondi:.0f} s: {exc}") from exc
            time.sleep(0.05)


def converti(desktop: Any, docx: str, pdf: str) -> None:
    """Load hidden and read-only, export as PDF/A-2b, close: nothing stays open between jobs."""
    documento = desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(docx), "_blank", 0, proprieta(CARICAMENTO)
    )
    if documento is None:
        raise NonAperto("il documento non si apre (DOCX danneggiato o non supportato)")
    try:
        filtro = uno.Any("[]com.sun.star.beans.PropertyValue", proprieta(PDF_A))
        argomenti = proprieta({"FilterName": "writer_pdf_Export", "FilterData": filtro})
        uno.invoke(documento, "storeToURL", (uno.systemPathToFileUrl(pdf), argomenti))
    finally:
        chiudi_documento(documento)


def chiudi_documento(documento: Any) -> None:
    try:
        documento.close(True)
    except DisposedException:
        raise
    except Exception:
        documento.dispose()


def vivo(desktop: Any) -> bool:
    """Whether the office still answers: after a failed job this tells a bad file from a crash."""
    try:
        desktop.getComponents()
        return True
    except Exception:
        return False


def esegui(desktop: Any, lavoro: dict[str, Any]) -> bool:
    """Do one job and answer it; returns False when the office is gone and the driver must exit."""
    try:
        converti(desktop, lavoro["docx"], lavoro["pdf"])
    except Exception as exc:
        crollo = isinstance(exc, DisposedException) or not vivo(desktop)
        errore = (
            str(exc)
            if isinstance(exc, NonAperto)
            else f"{type(exc).__name__}: {getattr(exc, 'Message', '') or exc}"
        )
        scrivi({"id": lavoro["id"], "ok": False, "errore": errore, "crollo": crollo})
        return not crollo
    scrivi({"id": lavoro["id"], "ok": True})
    return True


def termina(desktop: Any) -> None:
    try:
        desktop.terminate()
    except Exception:  # the bridge goes down while terminate() returns: expected
        return


def main(argomenti: list[str]) -> int:
    nome_pipe, secondi = argomenti[0], float(argomenti[1])
    try:
        desktop = connetti(nome_pipe, secondi)
    except Exception as exc:
        scrivi({"pronto": False, "errore": str(exc)})
        return 2
    scrivi({"pronto": True})
    for riga in sys.stdin:
        messaggio = json.loads(riga)
        if messaggio.get("comando") == "termina":
            termina(desktop)
            return 0
        if not esegui(desktop, messaggio):
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
