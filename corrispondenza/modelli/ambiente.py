"""The Jinja environment letters are rendered in: sandboxed, autoescaped, strict, time-limited.

The templates are written by the legal office, not by developers, and a DOCX can travel by
e-mail: a template is untrusted input (issue 5). So the environment
- is Jinja's immutable sandbox: no ``__dunder__`` attributes, no changing the data;
- has no globals at all (no ``range``, ``cycler``, ``joiner``, ``namespace``, ``lipsum``,
  ``dict``) and no loader, so ``include``/``import``/``extends`` cannot read files;
- allows no function or method calls: a letter only prints fields through filters;
- escapes every value for XML (docxtpl does not: ``&`` and ``<`` would corrupt the document);
- fails on an undefined field (``StrictUndefined``) instead of printing nothing;
- stops a render that takes too long (``limite_di_tempo``), and refuses string or number
  operations that would build huge values.
``modelli.verifica`` refuses the same constructs statically, with the paragraph they are in;
the sandbox is the second line, for a template that was never verified.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jinja2 import StrictUndefined
from jinja2.exceptions import SecurityError
from jinja2.runtime import TemplateReference
from jinja2.sandbox import ImmutableSandboxedEnvironment

from corrispondenza.modelli import filtri

FILTRI_AMMESSI = {
    "euro": filtri.euro,
    "data": filtri.data,
    "in_lettere": filtri.in_lettere,
}
"""Our Italian filters; a handful of Jinja's text filters are kept as well (``FILTRI_JINJA``)."""

FILTRI_JINJA = ("upper", "lower", "title", "capitalize", "trim", "length", "default", "join", "replace")
TEST_AMMESSI = ("defined", "undefined", "none", "number", "string", "eq", "ne", "lt", "le", "gt", "ge")

LUNGHEZZA_MASSIMA = 100_000
"""No single value a template computes may exceed this many characters or items."""

SECONDI_MASSIMI = 5.0
"""A letter renders in milliseconds; five seconds means a template that loops without end."""


class TempoScadutoError(SecurityError):
    """Raised inside a render that ran past its time limit."""


class AmbienteModelli(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+"})

    def __init__(self, *, xml: bool = True) -> None:
        super().__init__(
            autoescape=xml,
            undefined=StrictUndefined,
            finalize=_niente_per_none,
            keep_trailing_newline=True,
        )
        predefiniti = self.filters
        self.filters = {nome: predefiniti[nome] for nome in FILTRI_JINJA} | FILTRI_AMMESSI
        self.tests = {nome: self.tests[nome] for nome in TEST_AMMESSI}
        self.globals.clear()
        self._scadenza: float | None = None

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """No calls at all: a letter prints data, it does not run code."""
        nome = getattr(__obj, "__name__", type(__obj).__name__)
        raise SecurityError(f"chiamata di funzione non ammessa nei modelli («{nome}»)")

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.controlla_tempo()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.controlla_tempo()
        return super().getitem(obj, argument)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Only the fields of the data: no methods of dicts, lists or strings."""
        if attr.startswith("_") or callable(value):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.controlla_tempo()
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 100:
                raise SecurityError("potenza troppo grande in un modello")
            return left**right
        if operator == "*":
            for fattore, altro in ((left, right), (right, left)):
                troppo = isinstance(altro, int) and len(fattore) * altro > LUNGHEZZA_MASSIMA
                if isinstance(fattore, (str, list, tuple)) and troppo:
                    raise SecurityError("testo troppo lungo generato da un modello")
            return left * right
        risultato = left + right
        if isinstance(risultato, (str, list, tuple)) and len(risultato) > LUNGHEZZA_MASSIMA:
            raise SecurityError("testo troppo lungo generato da un modello")
        return risultato

    def controlla_tempo(self) -> None:
        if self._scadenza is not None and time.monotonic() > self._scadenza:
            raise TempoScadutoError("il modello impiega troppo tempo: un ciclo senza fine?")

    @contextmanager
    def limite_di_tempo(self, secondi: float = SECONDI_MASSIMI) -> Iterator[None]:
        """Stop a render after ``secondi``.

        In the main thread an interval timer interrupts even a loop that touches no field; in
        any thread every field access, operator and list item checks the deadline as well.
        """
        self._scadenza = time.monotonic() + secondi
        allarme = threading.current_thread() is threading.main_thread()
        if allarme:
            precedente = signal.signal(signal.SIGALRM, _scaduto)
            signal.setitimer(signal.ITIMER_REAL, secondi)
        try:
            yield
        finally:
            self._scadenza = None
            if allarme:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, precedente)


def _scaduto(_segnale: int, _frame: object) -> None:
    raise TempoScadutoError("il modello impiega troppo tempo: un ciclo senza fine?")


def _niente_per_none(valore: Any) -> Any:
    """An optional field left empty prints nothing, not the word ``None``; ``self`` prints nothing at all."""
    if isinstance(valore, TemplateReference):
        raise SecurityError("nei modelli non si può usare il riferimento al modello stesso («self»)")
    return "" if valore is None else valore


class Elenco(list):  # type: ignore[type-arg]
    """A list in a letter's data that checks the render deadline at every item.

    A loop over the credits nested ten times touches no attribute; without this only the
    main-thread timer would stop it.
    """

    __slots__ = ("_ambiente",)

    def __init__(self, elementi: Any, ambiente: AmbienteModelli) -> None:
        super().__init__(elementi)
        self._ambiente = ambiente

    def __iter__(self) -> Iterator[Any]:
        for elemento in super().__iter__():
            self._ambiente.controlla_tempo()
            yield elemento


_CONTROLLO = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def prepara(dati: Any, ambiente: AmbienteModelli) -> Any:
    """Deep-copy a context, turning lists into ``Elenco`` bound to this environment.

    Control characters (an Excel export can carry them) are dropped: XML cannot hold them, and
    one of them would make the whole document unreadable.
    """
    if isinstance(dati, str):
        return _CONTROLLO.sub("", dati)
    if isinstance(dati, dict):
        return {k: prepara(v, ambiente) for k, v in dati.items()}
    if isinstance(dati, (list, tuple)):
        return Elenco((prepara(v, ambiente) for v in dati), ambiente)
    return dati
