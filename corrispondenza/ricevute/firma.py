"""The provider's S/MIME signature on a receipt, checked with ``openssl smime -verify``.

Python's ``cryptography`` has no S/MIME verify API (AMBIENTE.md §5), so this is a subprocess
and lives apart from the pure parser. The raw bytes go to openssl exactly as fetched: they are
the only input a signature check can use (RICEVUTE.md, "MIME structure").

Verdicts:

- ``VALIDA``: openssl exit 0 against the configured trust anchors;
- ``NON_VALIDA``: the message is multipart/signed and openssl refused it (digest failure after
  tampering, a chain not issued by the trust anchors, an unreadable signature): never evidence;
- ``NON_VERIFICABILE``: no trust anchors configured, CA file missing or not PEM, not
  multipart/signed, openssl missing or too slow.

Where trust anchors are configured, a caller should treat only ``VALIDA`` as verified evidence.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from corrispondenza.ricevute.cms import Verificatore, carica_ancore
from corrispondenza.ricevute.parser import LIMITE_BYTE, Firma, Ricevuta, e_firmato

ATTESA_SECONDI = 30


def verificatore(ca_file: Path | None) -> Verificatore | None:
    """The in-process verifier for ``ca_file``, made once per run; None if the file does not load
    (then every receipt goes to openssl, which says why)."""
    if ca_file is None or not ca_file.is_file():
        return None
    try:
        return Verificatore(carica_ancore(ca_file.read_bytes()))
    except (OSError, ValueError):
        return None


def verifica_firma(
    grezzo: bytes,
    ca_file: Path | None,
    in_processo: Verificatore | None = None,
    *,
    firmato: bool | None = None,
) -> tuple[Firma, str]:
    """The verdict and its reason in Italian (with openssl's first error line when it refused).

    With ``in_processo`` (made by ``verificatore`` for the same ``ca_file``) the check runs
    in-process (``cms``) and openssl is asked only about what that cannot decide. ``firmato``
    is ``e_firmato(grezzo)`` when the caller already knows it (``analizza_e_firmato``).
    """
    if ca_file is None:
        return Firma.NON_VERIFICABILE, "nessuna autorità di certificazione configurata per le ricevute"
    if len(grezzo) > LIMITE_BYTE or not (e_firmato(grezzo) if firmato is None else firmato):
        return Firma.NON_VERIFICABILE, "il messaggio non è firmato (non è multipart/signed PKCS#7)"
    if in_processo is not None:  # its anchors were loaded from ``ca_file`` at the start of the run
        verdetto = in_processo.verifica(grezzo, datetime.now(UTC))
        if verdetto is not None:
            return verdetto
    if not ca_file.is_file():
        return Firma.NON_VERIFICABILE, f"file delle autorità di certificazione non trovato: {ca_file}"
    openssl = shutil.which("openssl")
    if openssl is None:
        return Firma.NON_VERIFICABILE, "openssl non installato: firma non verificabile"
    comando = [openssl, "smime", "-verify", "-CAfile", str(ca_file), "-in", "/dev/stdin", "-out", "/dev/null"]
    try:
        esito = subprocess.run(
            comando, input=grezzo, capture_output=True, timeout=ATTESA_SECONDI, check=False
        )
    except subprocess.TimeoutExpired:
        return Firma.NON_VERIFICABILE, f"verifica della firma oltre {ATTESA_SECONDI} secondi: interrotta"
    except OSError as exc:
        return Firma.NON_VERIFICABILE, f"openssl non eseguibile: {exc.strerror or exc}"
    if esito.returncode == 0:
        return Firma.VALIDA, f"firma valida, verificata con {ca_file.name}"
    if esito.stderr.startswith(b"Error loading file"):  # the trust anchors, not the message
        errore = _prima_riga_errore(esito.stderr)
        return Firma.NON_VERIFICABILE, f"file delle autorità di certificazione non leggibile: {errore}"
    return Firma.NON_VALIDA, f"firma non valida: {_prima_riga_errore(esito.stderr)}"


def con_firma(
    r: Ricevuta,
    grezzo: bytes,
    ca_file: Path | None,
    in_processo: Verificatore | None = None,
    *,
    firmato: bool | None = None,
) -> Ricevuta:
    """``r`` with the signature verdict; its reason is added to any reason ``r`` already has."""
    firma, motivo = verifica_firma(grezzo, ca_file, in_processo, firmato=firmato)
    return _con_verdetto(r, firma, f"{r.motivo}; {motivo}" if r.motivo else motivo)


def _con_verdetto(r: Ricevuta, firma: Firma, motivo: str) -> Ricevuta:
    """``dataclasses.replace(r, firma=firma, motivo=motivo)`` without running ``__init__`` again:
    on a frozen dataclass of 21 fields ``replace`` cost 5.5 µs a receipt, a third of the RSA
    check; copying the instance's dict costs 0.7. ``Ricevuta`` has no ``__post_init__``, no
    slots and no init-only fields, so the two objects are equal (a test compares them)."""
    nuova = object.__new__(Ricevuta)
    campi = nuova.__dict__
    campi.update(r.__dict__)
    campi["firma"] = firma
    campi["motivo"] = motivo
    return nuova


def _prima_riga_errore(stderr: bytes) -> str:
    """``…:error:10800065:PKCS7 routines:PKCS7_signatureVerify:digest failure:file:line:`` →
    ``PKCS7_signatureVerify:digest failure``; otherwise openssl's first line as it is."""
    righe = [r.strip() for r in stderr.decode("utf-8", "replace").splitlines() if r.strip()]
    for riga in righe:
        campi = riga.split(":")
        if len(campi) >= 6 and campi[1] == "error":
            dettaglio = ":".join(campi[8:]).strip()
            return f"{campi[4]}:{campi[5]}" + (f" ({dettaglio})" if dettaglio else "")
    return righe[0] if righe else "openssl non ha dato spiegazioni"
