"""``modelli verifica``: every field, filter and construct of a template checked before use.

Jinja's own ``find_undeclared_variables`` sees only top-level names; the legal office's
mistakes are usually one level down (``{{ c.numero_documeto }}`` inside the row loop of the
credits table). So the template's syntax tree is walked with a scope: a loop variable takes
the fields of the list it runs over, ``loop`` has Jinja's loop fields, ``{% set %}`` binds a
name. Each problem names the template, the part (body, header, footer) and the paragraph with
its text, and suggests the closest known field.

The same walk refuses what the sandbox would refuse at render time (``modelli.ambiente``):
calls, ``__dunder__`` attributes, ``self``/``cycler``/``joiner``/``namespace``/``range``,
``include``/``import``/``extends`` (reading files), macros. It also refuses printing an
amount or a date without its filter (``1234.5`` instead of ``1.234,50 €`` in a legal letter),
and, in headers and footers, any field other than ``ente`` and ``struttura``: a lotto is
converted in batches that share one letterhead (issue 5, Conversion).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError

from corrispondenza.dominio.tipi import TipoLettera
from corrispondenza.errors import Problema
from corrispondenza.modelli.ambiente import FILTRI_AMMESSI, FILTRI_JINJA, TEST_AMMESSI, AmbienteModelli
from corrispondenza.modelli.campi import FILTRI_PER_GENERE, INTESTAZIONE, PER_TIPO, Campo, Genere
from corrispondenza.modelli.documento import FileModello, Parte

VIETATI = {
    "self": "il riferimento al modello stesso («self»)",
    "cycler": "la funzione «cycler»",
    "joiner": "la funzione «joiner»",
    "namespace": "la funzione «namespace»",
    "range": "la funzione «range»",
    "lipsum": "la funzione «lipsum»",
    "dict": "la funzione «dict»",
    "config": "«config»",
    "request": "«request»",
    "caller": "«caller»",
    "varargs": "«varargs»",
    "kwargs": "«kwargs»",
}

CAMPI_LOOP = Campo(
    "loop",
    "il ciclo in corso",
    Genere.GRUPPO,
    figli=tuple(
        Campo(n, n, Genere.NUMERO)
        for n in ("index", "index0", "revindex", "revindex0", "first", "last", "length", "depth", "depth0")
    ),
)

_QUALSIASI = Campo("?", "valore calcolato nel modello", Genere.TESTO)


@dataclass(frozen=True)
class _Elemento:
    """The element of a list field: a record with the list's fields."""

    elenco: Campo
    percorso: str


_Tipo = Campo | _Elemento


class _Visita:
    def __init__(self, modello: FileModello | _SoloNome, parte: Parte, radice: tuple[Campo, ...]) -> None:
        self.modello = modello
        self.parte = parte
        self.radice = {c.nome: c for c in radice}
        self.problemi: list[Problema] = []

    def problema(self, nodo: nodes.Node, motivo: str, valore: str | None = None) -> None:
        self.problemi.append(
            Problema(motivo, file=self.modello.nome, percorso=self.parte.dove(nodo.lineno), valore=valore)
        )

    # -- statements -------------------------------------------------------------------------

    def corpo(self, istruzioni: Iterable[nodes.Node], ambito: dict[str, _Tipo]) -> None:
        for nodo in istruzioni:
            self.istruzione(nodo, ambito)

    def istruzione(self, nodo: nodes.Node, ambito: dict[str, _Tipo]) -> None:
        if isinstance(nodo, nodes.Output):
            for figlio in nodo.nodes:
                if not isinstance(figlio, nodes.TemplateData):
                    self.stampa(figlio, ambito)
        elif isinstance(nodo, nodes.For):
            self.ciclo(nodo, ambito)
        elif isinstance(nodo, nodes.If):
            self.espressione(nodo.test, ambito)
            self.corpo(nodo.body, dict(ambito))
            for altro in nodo.elif_:
                self.istruzione(altro, ambito)
            self.corpo(nodo.else_, dict(ambito))
        elif isinstance(nodo, nodes.Assign):
            tipo = self.espressione(nodo.node, ambito)
            for nome in _nomi(nodo.target):
                ambito[nome] = tipo if isinstance(nodo.target, nodes.Name) and tipo else _QUALSIASI
        elif isinstance(nodo, nodes.With):
            interno = dict(ambito)
            for bersaglio, valore in zip(nodo.targets, nodo.values, strict=True):
                tipo = self.espressione(valore, ambito)
                for nome in _nomi(bersaglio):
                    interno[nome] = tipo or _QUALSIASI
            self.corpo(nodo.body, interno)
        elif isinstance(nodo, (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            self.problema(nodo, "i modelli non possono includere o importare altri file")
        elif isinstance(nodo, (nodes.Macro, nodes.CallBlock)):
            self.problema(nodo, "macro e blocchi «call» non sono ammessi nei modelli")
        elif isinstance(nodo, nodes.Block):
            self.corpo(nodo.body, ambito)
        elif isinstance(nodo, nodes.FilterBlock):
            self.filtro(nodo.filter, ambito)
            self.corpo(nodo.body, ambito)
        elif isinstance(nodo, nodes.Scope | nodes.ScopedEvalContextModifier):
            self.corpo(nodo.body, ambito)
        elif isinstance(nodo, nodes.AssignBlock):
            self.corpo(nodo.body, ambito)
            for nome in _nomi(nodo.target):
                ambito[nome] = _QUALSIASI
        else:
            self.problema(nodo, f"istruzione non ammessa nei modelli ({type(nodo).__name__})")

    def ciclo(self, nodo: nodes.For, ambito: dict[str, _Tipo]) -> None:
        tipo = self.espressione(nodo.iter, ambito)
        interno = dict(ambito)
        elemento: _Tipo = _QUALSIASI
        if isinstance(tipo, Campo) and tipo is not _QUALSIASI:
            if tipo.genere is Genere.ELENCO:
                elemento = _Elemento(tipo, f"{_testo(nodo.iter)}[]")
            else:
                elenchi = ", ".join(sorted(self._elenchi()))
                self.problema(
                    nodo,
                    f"«{_testo(nodo.iter)}» non è un elenco: si può ripetere solo su {elenchi}",
                    _testo(nodo.iter),
                )
        nomi = _nomi(nodo.target)
        for nome in nomi:
            interno[nome] = elemento if len(nomi) == 1 else _QUALSIASI
        interno["loop"] = CAMPI_LOOP
        if nodo.test is not None:
            self.espressione(nodo.test, interno)
        self.corpo(nodo.body, interno)
        self.corpo(nodo.else_, dict(ambito))

    def _elenchi(self) -> set[str]:
        trovati = set()

        def visita(prefisso: str, campi: Iterable[Campo]) -> None:
            for c in campi:
                if c.genere is Genere.ELENCO:
                    trovati.add(prefisso + c.nome)
                elif c.genere is Genere.GRUPPO:
                    visita(prefisso + c.nome + ".", c.figli)

        visita("", self.radice.values())
        return trovati

    # -- expressions ------------------------------------------------------------------------

    def stampa(self, nodo: nodes.Expr, ambito: dict[str, _Tipo]) -> None:
        tipo = self.espressione(nodo, ambito)
        if isinstance(tipo, _Elemento) or (
            isinstance(tipo, Campo) and tipo.genere in (Genere.GRUPPO, Genere.ELENCO)
        ):
            esempio = self._un_figlio(tipo)
            self.problema(
                nodo,
                f"«{_testo(nodo)}» è un gruppo di campi, non un valore: scrivere ad esempio {esempio}",
                _testo(nodo),
            )
        elif isinstance(tipo, Campo) and tipo.genere in FILTRI_PER_GENERE:
            filtro = FILTRI_PER_GENERE[tipo.genere]
            self.problema(
                nodo,
                f"«{_testo(nodo)}» è {'un importo' if filtro == 'euro' else 'una data'}: "
                f"scriverlo con il filtro, {{{{ {_testo(nodo)}|{filtro} }}}}",
                _testo(nodo),
            )

    def _un_figlio(self, tipo: _Tipo) -> str:
        campo = tipo.elenco if isinstance(tipo, _Elemento) else tipo
        return f"«{campo.nome}.{campo.figli[0].nome}»" if campo.figli else "un suo campo"

    def espressione(self, nodo: nodes.Node, ambito: dict[str, _Tipo]) -> _Tipo | None:
        """Check an expression; return its catalogue type when it is a field, else None."""
        if isinstance(nodo, nodes.Name):
            return self.nome(nodo, ambito)
        if isinstance(nodo, nodes.Getattr):
            return self.attributo(nodo, nodo.node, nodo.attr, ambito)
        if isinstance(nodo, nodes.Getitem):
            if isinstance(nodo.arg, nodes.Const) and isinstance(nodo.arg.value, str):
                return self.attributo(nodo, nodo.node, nodo.arg.value, ambito)
            self.espressione(nodo.node, ambito)
            self.espressione(nodo.arg, ambito)
            return _QUALSIASI
        if isinstance(nodo, nodes.Call):
            self.problema(nodo, "chiamate di funzione non ammesse nei modelli", _testo(nodo))
            return None
        if isinstance(nodo, nodes.Filter):
            if nodo.node is not None:
                self.espressione(nodo.node, ambito)
            self.filtro(nodo, ambito)
            return None
        if isinstance(nodo, nodes.Test):
            self.espressione(nodo.node, ambito)
            if nodo.name not in TEST_AMMESSI:
                self.problema(nodo, f"test sconosciuto «{nodo.name}» (ammessi: {', '.join(TEST_AMMESSI)})")
            for arg in nodo.args:
                self.espressione(arg, ambito)
            return None
        for figlio in nodo.iter_child_nodes():
            self.espressione(figlio, ambito)
        return None

    def filtro(self, nodo: nodes.Filter, ambito: dict[str, _Tipo]) -> None:
        if nodo.name not in FILTRI_AMMESSI and nodo.name not in FILTRI_JINJA:
            disponibili = ", ".join([*FILTRI_AMMESSI, *FILTRI_JINJA])
            self.problema(nodo, f"filtro sconosciuto «{nodo.name}» (disponibili: {disponibili})", nodo.name)
        for arg in [*nodo.args, *(k.value for k in nodo.kwargs)]:
            self.espressione(arg, ambito)

    def nome(self, nodo: nodes.Name, ambito: dict[str, _Tipo]) -> _Tipo | None:
        if nodo.ctx != "load":
            return None
        if nodo.name in ambito:
            return ambito[nodo.name]
        if nodo.name in VIETATI:
            self.problema(nodo, f"nei modelli non si può usare {VIETATI[nodo.name]}", nodo.name)
            return None
        campo = self.radice.get(nodo.name)
        if campo is None:
            self.sconosciuto(nodo, nodo.name, [*self.radice, *ambito])
        return campo

    def attributo(
        self, nodo: nodes.Node, base: nodes.Node, nome: str, ambito: dict[str, _Tipo]
    ) -> _Tipo | None:
        tipo = self.espressione(base, ambito)
        if nome.startswith("_"):
            self.problema(nodo, "attributi che iniziano con «_» non sono ammessi nei modelli", nome)
            return None
        if tipo is None or tipo is _QUALSIASI:
            return _QUALSIASI if tipo is _QUALSIASI else None
        campi = tipo.elenco.figli if isinstance(tipo, _Elemento) else tipo.figli
        percorso = tipo.percorso if isinstance(tipo, _Elemento) else _testo(base)
        if isinstance(tipo, Campo) and tipo.genere is not Genere.GRUPPO:
            if tipo.genere is Genere.ELENCO:
                self.problema(
                    nodo,
                    f"«{_testo(base)}» è un elenco: usarlo in un ciclo, "
                    f"{{% for x in {_testo(base)} %}}{{{{ x.{nome} }}}}{{% endfor %}}",
                    f"{_testo(base)}.{nome}",
                )
                return None
            else:
                self.problema(nodo, f"«{_testo(base)}» è un valore semplice, non ha il campo «{nome}»")
                return None
        for c in campi:
            if c.nome == nome:
                return c
        self.sconosciuto(nodo, f"{percorso}.{nome}", [c.nome for c in campi], prefisso=f"{percorso}.")
        return None

    def sconosciuto(self, nodo: nodes.Node, campo: str, noti: list[str], prefisso: str = "") -> None:
        ultimo = campo.rsplit(".", 1)[-1]
        simili = difflib.get_close_matches(ultimo, noti, n=1)
        consiglio = f": forse «{prefisso}{simili[0]}»?" if simili else ""
        self.problema(nodo, f"campo sconosciuto «{campo}»{consiglio}", campo)


def _nomi(bersaglio: nodes.Node) -> list[str]:
    if isinstance(bersaglio, nodes.Name):
        return [bersaglio.name]
    if isinstance(bersaglio, nodes.Tuple):
        return [n for item in bersaglio.items for n in _nomi(item)]
    return []


def _testo(nodo: nodes.Node) -> str:
    """The expression as the user wrote it, near enough for a message."""
    if isinstance(nodo, nodes.Name):
        return nodo.name
    if isinstance(nodo, nodes.Getattr):
        return f"{_testo(nodo.node)}.{nodo.attr}"
    if isinstance(nodo, nodes.Getitem) and isinstance(nodo.arg, nodes.Const):
        return f"{_testo(nodo.node)}.{nodo.arg.value}"
    if isinstance(nodo, nodes.Call):
        return f"{_testo(nodo.node)}(…)"
    if isinstance(nodo, nodes.Filter) and nodo.node is not None:
        return f"{_testo(nodo.node)}|{nodo.name}"
    if isinstance(nodo, nodes.Const):
        return repr(nodo.value)
    return type(nodo).__name__


def verifica_modello(modello: FileModello, tipo: TipoLettera) -> list[Problema]:
    """Every problem of one template for one kind of letter; empty when it is usable."""
    ambiente = AmbienteModelli()
    problemi: list[Problema] = []
    for parte in modello.parti:
        try:
            albero = ambiente.parse(parte.sorgente)
        except TemplateSyntaxError as exc:
            problemi.append(
                Problema(
                    f"errore di sintassi: {_sintassi(exc)}",
                    file=modello.nome,
                    percorso=parte.dove(exc.lineno),
                )
            )
            continue
        radice = INTESTAZIONE if parte.intestazione else PER_TIPO[tipo]
        visita = _Visita(modello, parte, radice)
        visita.corpo(albero.body, {})
        if parte.intestazione:
            visita.problemi = [_in_intestazione(p) for p in visita.problemi]
        problemi += visita.problemi
    return problemi


def _in_intestazione(p: Problema) -> Problema:
    if not p.motivo.startswith("campo sconosciuto"):
        return p
    motivo = p.motivo + " (in intestazione e piè di pagina si possono usare solo i campi di ente e struttura)"
    return Problema(motivo, file=p.file, percorso=p.percorso, valore=p.valore)


def _sintassi(exc: TemplateSyntaxError) -> str:
    """Jinja's English message, with the most common cases said in Italian."""
    messaggio = exc.message or ""
    if "Unexpected end of template" in messaggio:
        return "manca la chiusura di un blocco ({% endfor %} o {% endif %})"
    if "unexpected '}'" in messaggio or "expected token 'end of print statement'" in messaggio:
        return f"campo scritto male, controllare le parentesi {{{{ }}}} ({messaggio})"
    if "Encountered unknown tag" in messaggio:
        return f"istruzione sconosciuta o chiusura senza apertura ({messaggio})"
    return messaggio


CAMPI_MESSAGGIO = ("oggetto", "testo")


def verifica_messaggi(percorso: Path, tipi: list[TipoLettera]) -> list[Problema]:
    """``messaggi.yaml``: for each kind an ``oggetto`` and a ``testo``, checked like a letter.

    A subject is one line (a line break in a mail header is an injection) and the same fields
    and prohibitions as in the letters apply.
    """
    nome = percorso.name
    try:
        dati = yaml.safe_load(percorso.read_text(encoding="utf-8"))
    except OSError as exc:
        return [Problema(f"file non leggibile: {exc.strerror}", file=nome)]
    except yaml.YAMLError as exc:
        segno = getattr(exc, "problem_mark", None)
        dove = f"riga {segno.line + 1}" if segno else None
        return [Problema("YAML non valido", file=nome, percorso=dove)]
    if not isinstance(dati, dict):
        return [Problema("atteso un elenco di lettere con oggetto e testo", file=nome)]
    ambiente = AmbienteModelli(xml=False)
    problemi: list[Problema] = []
    for tipo in tipi:
        voce = dati.get(tipo.value)
        if not isinstance(voce, dict):
            problemi.append(Problema("manca il messaggio di questa lettera", file=nome, percorso=tipo.value))
            continue
        for campo in CAMPI_MESSAGGIO:
            dove = f"{tipo.value}.{campo}"
            sorgente = voce.get(campo)
            if not isinstance(sorgente, str) or not sorgente.strip():
                problemi.append(Problema("testo mancante", file=nome, percorso=dove))
                continue
            if campo == "oggetto" and "\n" in sorgente.strip():
                problemi.append(Problema("l'oggetto deve stare su una riga", file=nome, percorso=dove))
            parte = Parte(nome, dove, sorgente, intestazione=False)
            try:
                albero = ambiente.parse(sorgente)
            except TemplateSyntaxError as exc:
                problemi.append(Problema(f"errore di sintassi: {_sintassi(exc)}", file=nome, percorso=dove))
                continue
            visita = _Visita(_SoloNome(nome), parte, PER_TIPO[tipo])
            visita.corpo(albero.body, {})
            problemi += visita.problemi
    return problemi


@dataclass(frozen=True)
class _SoloNome:
    """What ``_Visita`` needs of a template file: its name, for the messages."""

    nome: str
