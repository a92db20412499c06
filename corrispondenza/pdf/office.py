"""One long-lived LibreOffice with its own profile, and the UNO driver that talks to it.

Two processes per converter, both direct children of ours, each in its own process group:
- ``soffice.bin`` itself, not the ``soffice`` script: the script runs ``oosplash``, which
  would be the parent of the real office, and a killed ``oosplash`` leaves ``soffice.bin``
  orphaned (a zombie if PID 1 does not reap). What ``oosplash`` adds is restarting the office
  when it exits with status 81, which a fresh profile always does once: done here;
- the driver (``_driver_uno.py``) under the system Python, the only one that has ``uno``.
A crash or a hang is handled by killing both groups and reaping both children.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import secrets
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any

from corrispondenza.errors import ConversioneError

DRIVER = Path(__file__).with_name("_driver_uno.py")
PYTHON_UNO = "/usr/bin/python3"
RIAVVIO_RICHIESTO = 81  # soffice.bin exit status "restart me" (first start with a new profile)
PASSO = 0.1  # seconds between checks while waiting for an answer
SETUP = "eseguire `make setup`"


class Interruzione(Exception):
    """The office crashed or hung during a job: it must be killed and restarted."""

    def __init__(self, motivo: str) -> None:
        super().__init__(motivo)
        self.motivo = motivo


def trova_soffice(indicato: str | None = None) -> Path:
    """The ``soffice.bin`` to run, from an explicit path, CORRISPONDENZA_SOFFICE or PATH."""
    nome = indicato or os.environ.get("CORRISPONDENZA_SOFFICE") or shutil.which("soffice")
    percorso = Path(nome).resolve() if nome else None
    if percorso is None or not percorso.is_file():
        raise ConversioneError(
            f"LibreOffice (soffice) non trovato{f' in {nome}' if nome else ''}: {SETUP} "
            "(installa libreoffice-writer-nogui e i font)",
            soffice=nome,
        )
    binario = percorso.with_name("soffice.bin")
    return binario if binario.is_file() else percorso


def trova_python_uno(indicato: str | None = None) -> str:
    """The interpreter that can ``import uno``: CORRISPONDENZA_PYTHON_UNO, else /usr/bin/python3."""
    nome = indicato or os.environ.get("CORRISPONDENZA_PYTHON_UNO") or PYTHON_UNO
    trovato = shutil.which(nome)
    if trovato is None:
        raise ConversioneError(
            f"interprete Python per LibreOffice non trovato ({nome}): {SETUP} (pacchetto python3-uno) "
            "oppure indicare quello giusto in CORRISPONDENZA_PYTHON_UNO",
            python_uno=nome,
        )
    return trovato


class Office:
    """A converter: start it, queue documents and wait for each with a deadline, kill or close it."""

    def __init__(self, indice: int, profilo: Path, *, soffice: Path, python_uno: str, avvio: float) -> None:
        self.indice = indice
        self.profilo = profilo
        self._soffice_bin = soffice
        self._python_uno = python_uno
        self._avvio = avvio
        self._registro = profilo.with_name(f"{profilo.name}.log")
        self._office: subprocess.Popen[bytes] | None = None
        self._driver: subprocess.Popen[bytes] | None = None
        self._risposte: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._lettore: threading.Thread | None = None
        self._pipe = ""
        self._numero = 0

    @property
    def pid(self) -> int | None:
        """The pid of the running ``soffice.bin`` (tests kill or stop it to simulate a crash)."""
        return self._office.pid if self.vivo and self._office else None

    @property
    def vivo(self) -> bool:
        return all(p is not None and p.poll() is None for p in (self._office, self._driver))

    def avvia(self) -> None:
        """Start office and driver and wait until the office answers over UNO."""
        self.uccidi()  # a restart: whatever is left of the previous office goes first
        self.profilo.mkdir(parents=True, exist_ok=True)
        (self.profilo / ".lock").unlink(missing_ok=True)  # left by a killed office
        self._pipe = f"corrispondenza-{os.getpid()}-{self.indice}-{secrets.token_hex(4)}"
        try:
            self._office = self._lancia_office()
            self._driver = self._lancia_driver()
            self._attendi_pronto()
        except BaseException:
            self.uccidi()
            raise

    def invia(self, docx: Path, pdf: Path) -> int:
        """Queue one document in the driver, which works in order; returns the job's number.

        Queueing the next document before checking the last one keeps LibreOffice busy while
        Python verifies the output.
        """
        self._numero += 1
        self._invia({"id": self._numero, "docx": str(docx), "pdf": str(pdf)})
        return self._numero

    def esito(self, numero: int, timeout: float) -> str | None:
        """Wait for job ``numero``: None if LibreOffice says it is done, else its Italian reason.

        Raises Interruzione when the office dies or does not answer within ``timeout``.
        """
        risposta = self._attendi(lambda r: r.get("id") == numero, timeout)
        if risposta is None:
            raise Interruzione(f"LibreOffice non ha risposto entro {timeout:g} secondi")
        if risposta.get("crollo"):
            raise Interruzione(f"LibreOffice si è interrotto ({risposta.get('errore')})")
        if risposta.get("ok"):
            return None
        return f"LibreOffice non ha convertito il documento: {risposta.get('errore')}"

    def chiudi(self, attesa: float = 10.0) -> None:
        """Ask the office to terminate in order (it removes its pipes); kill it if it does not."""
        if self.vivo:
            with contextlib.suppress(Interruzione):
                self._invia({"comando": "termina"})
            with contextlib.suppress(subprocess.TimeoutExpired):
                for processo in (self._office, self._driver):
                    if processo is not None:
                        processo.wait(attesa)
        self.uccidi()

    def uccidi(self) -> None:
        """Kill both process groups, reap both children, remove what a killed office leaves."""
        for processo in (self._office, self._driver):
            if processo is not None and processo.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(processo.pid, signal.SIGKILL)  # SIGKILL also ends a stopped process
        for processo in (self._office, self._driver):
            if processo is not None:
                processo.wait()
        if self._lettore is not None:
            self._lettore.join()
        for processo in (self._driver, self._office):
            if processo is not None:
                for flusso in (processo.stdin, processo.stdout):
                    if flusso is not None:
                        with contextlib.suppress(OSError):
                            flusso.close()
        self._office = self._driver = self._lettore = None
        self._rimuovi_pipe()

    def _lancia_office(self) -> subprocess.Popen[bytes]:
        comando = [
            str(self._soffice_bin),
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={self.profilo.as_uri()}",
            f"--accept=pipe,name={self._pipe};urp;StarOffice.ComponentContext",
        ]
        with self._registro.open("ab") as registro:
            # umask 077: the PDFs hold health-related personal data, readable by the owner only.
            return subprocess.Popen(
                comando,
                stdin=subprocess.DEVNULL,
                stdout=registro,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                umask=0o077,
            )

    def _lancia_driver(self) -> subprocess.Popen[bytes]:
        comando = [self._python_uno, "-I", str(DRIVER), self._pipe, str(self._avvio)]
        with self._registro.open("ab") as registro:
            driver = subprocess.Popen(
                comando,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=registro,
                start_new_session=True,
            )
        self._risposte = queue.Queue()
        self._lettore = threading.Thread(
            target=_leggi_risposte,
            args=(driver.stdout, self._risposte),
            daemon=True,
            name=f"uno-{self.indice}",
        )
        self._lettore.start()
        return driver

    def _attendi_pronto(self) -> None:
        """Wait for the driver's first line; restart the office when it asks to (status 81)."""
        scadenza = time.monotonic() + self._avvio
        while time.monotonic() < scadenza:
            try:
                risposta = self._risposte.get(timeout=PASSO)
            except queue.Empty:
                risposta = {}
            if risposta is None or risposta.get("pronto") is False:
                raise ConversioneError(self._non_partito(risposta), registro=str(self._registro))
            if risposta.get("pronto"):
                return
            stato = self._office.poll() if self._office else None
            if stato == RIAVVIO_RICHIESTO:
                self._office = self._lancia_office()
            elif stato is not None:
                raise ConversioneError(
                    f"LibreOffice si è chiuso all'avvio (stato {stato}): vedere {self._registro}",
                    registro=str(self._registro),
                )
        raise ConversioneError(
            f"LibreOffice non risponde dopo {self._avvio:g} secondi: vedere {self._registro}",
            registro=str(self._registro),
        )

    def _non_partito(self, risposta: dict[str, Any] | None) -> str:
        errore = (risposta or {}).get("errore") or "il driver UNO si è chiuso senza dire perché"
        if "import uno" in errore:
            return f"il modulo uno di LibreOffice non è disponibile in {self._python_uno}: {SETUP} ({errore})"
        return f"impossibile collegarsi a LibreOffice: {errore} (vedere {self._registro})"

    def _invia(self, messaggio: dict[str, Any]) -> None:
        if self._driver is None or self._driver.stdin is None:
            raise Interruzione("il convertitore non è in funzione")
        try:
            self._driver.stdin.write((json.dumps(messaggio) + "\n").encode("ascii"))
            self._driver.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise Interruzione("il driver UNO si è chiuso") from exc

    def _attendi(self, atteso: Any, timeout: float) -> dict[str, Any] | None:
        """The driver's answer that ``atteso`` accepts, None on timeout; Interruzione on death."""
        scadenza = time.monotonic() + timeout
        while time.monotonic() < scadenza:
            try:
                risposta = self._risposte.get(timeout=PASSO)
            except queue.Empty:
                if self._office is not None and self._office.poll() is not None:
                    raise Interruzione(f"LibreOffice si è chiuso (stato {self._office.returncode})") from None
                continue
            if risposta is None:
                raise Interruzione("il driver UNO si è chiuso")
            if atteso(risposta):
                return risposta
        return None

    def _rimuovi_pipe(self) -> None:
        """Remove the UNIX sockets a killed office leaves in /tmp (a clean exit removes them).

        LibreOffice hard-codes /tmp and names them ``OSL_PIPE_<uid>_<name>``; the single-instance
        one is named after the MD5 of the profile URL in UTF-16LE, each byte in hex without
        leading zero (desktop/source/app/officeipcthread.cxx).
        """
        impronta = hashlib.md5(self.profilo.as_uri().encode("utf-16-le"), usedforsecurity=False).digest()
        nomi = [self._pipe, "SingleOfficeIPC_" + "".join(f"{b:x}" for b in impronta)]
        for nome in nomi:
            if nome:
                Path(f"/tmp/OSL_PIPE_{os.getuid()}_{nome}").unlink(missing_ok=True)  # noqa: S108


def _leggi_risposte(flusso: IO[bytes], risposte: queue.Queue[dict[str, Any] | None]) -> None:
    """Reader thread: one parsed answer per line; None at end of stream (the driver is gone)."""
    try:
        for riga in flusso:
            with contextlib.suppress(ValueError):
                risposte.put(json.loads(riga))
    except (OSError, ValueError):
        pass  # the stream was closed under us while killing the driver
    finally:
        risposte.put(None)
