"""The sandbox is the second line: a template that was never verified still cannot do harm."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from corrispondenza.dominio.tipi import TipoLettera
from corrispondenza.modelli import campi
from corrispondenza.modelli.ambiente import AmbienteModelli, TempoScadutoError, prepara

CICLO_SENZA_FINE = (
    "{% for a in crediti %}{% for b in crediti %}{% for c in crediti %}{% for d in crediti %}"
    "{% for e in crediti %}{% for f in crediti %}.{% endfor %}{% endfor %}{% endfor %}{% endfor %}"
    "{% endfor %}{% endfor %}"
)


def _rendi(sorgente: str, dati: dict[str, Any] | None = None, secondi: float = 2.0) -> str:
    ambiente = AmbienteModelli()
    contesto = prepara(dati if dati is not None else campi.esempio(TipoLettera.SOLLECITO), ambiente)
    with ambiente.limite_di_tempo(secondi):
        return ambiente.from_string(sorgente).render(contesto)


def test_valori_escapati_per_xml() -> None:
    """docxtpl does not escape: ``&`` and ``<`` would corrupt the document (AMBIENTE.md §3)."""
    assert _rendi("{{ destinatario.nominativo }}") == (
        "Carlo D&#39;Angelo &amp; Figli &lt;S.r.l.&gt; «Società»"
    )


def test_campo_mancante_e_un_errore() -> None:
    with pytest.raises(UndefinedError):
        _rendi("{{ destinatario.soprannome }}")


def test_campo_facoltativo_vuoto_non_stampa_none() -> None:
    assert _rendi("[{{ lettera.protocollo }}]", {"lettera": {"protocollo": None}}) == "[]"


@pytest.mark.parametrize(
    "sorgente",
    [
        "{{ lettera.__class__.__mro__ }}",
        "{{ crediti.append(1) }}",
        "{{ lipsum() }}",
        "{{ cycler(1, 2) }}",
        "{{ joiner() }}",
        "{{ namespace(a=1) }}",
        "{{ range(10) }}",
        "{{ 'x' * 1000000 }}",
        "{{ 9 ** 9999999 }}",
        "{{ destinatario.nominativo.format() }}",
    ],
)
def test_costrutti_pericolosi_fermati(sorgente: str) -> None:
    with pytest.raises((SecurityError, UndefinedError)):
        _rendi(sorgente)


@pytest.mark.parametrize("sorgente", ["{% include '/etc/passwd' %}", "{% extends '/etc/passwd' %}"])
def test_nessun_file_letto(sorgente: str) -> None:
    with pytest.raises(TypeError, match="no loader"):
        _rendi(sorgente)


def test_self_non_rivela_nulla() -> None:
    """``self`` is refused by verifica; at render time it must not print the template's internals."""
    with pytest.raises(SecurityError):
        _rendi("{{ self._TemplateReference__context }}")
    with pytest.raises(SecurityError, match="self"):
        _rendi("{{ self }}")


def test_ciclo_enorme_fermato_dal_limite_di_tempo() -> None:
    dati = {"crediti": list(range(40))}  # 40**6 = 4 billion iterations
    inizio = time.monotonic()
    with pytest.raises(TempoScadutoError):
        _rendi(CICLO_SENZA_FINE, dati, secondi=0.5)
    assert time.monotonic() - inizio < 5


def test_limite_di_tempo_anche_fuori_dal_thread_principale() -> None:
    """No SIGALRM outside the main thread: the lists check the deadline at every item."""
    errori: list[BaseException] = []

    def lavora() -> None:
        try:
            _rendi(CICLO_SENZA_FINE, {"crediti": list(range(40))}, secondi=0.5)
        except BaseException as exc:
            errori.append(exc)

    t = threading.Thread(target=lavora)
    t.start()
    t.join(timeout=10)
    assert not t.is_alive()
    assert errori and isinstance(errori[0], TempoScadutoError)


def test_caratteri_di_controllo_tolti() -> None:
    """A vertical tab from an Excel cell would make document.xml unreadable."""
    assert (
        _rendi("{{ destinatario.nominativo }}", {"destinatario": {"nominativo": "Ro\x0bssi\x00"}}) == "Rossi"
    )
