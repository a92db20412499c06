"""Reading one message from the PEC mailbox: receipt, transport envelope or other mail.

Pure: bytes in, a ``Ricevuta`` out; no files, network, clock or subprocess. ``analizza`` never
raises: what cannot be read comes back as ``Classe.ILLEGGIBILE`` with the reason in Italian,
for the caller to quarantine (RICEVUTE.md: one bad message must never stop the loop).

The rules are RICEVUTE.md's:

- the kind is decided by the **top-level** headers, never by the subject: ``X-Trasporto``
  makes an envelope (never a receipt, whatever it carries inside), else ``X-Ricevuta`` makes a
  receipt, else it is other mail;
- the data come from daticert.xml, found by walking the MIME tree by hand on the raw bytes (so
  postacert.eml keeps its exact bytes), never descending into an attached message: a forged
  receipt inside an envelope has a daticert of its own that must not be read as ours;
- daticert.xml is read from bytes, so its XML declaration picks the encoding, by expat with
  defusedxml's handlers (``_albero``), or, in the providers' own layout, by one regex that takes
  no entity but the five predefined (``_letti_in_breve``): the same fields either way.
  A DOCTYPE is allowed (providers write ``<!DOCTYPE postacert SYSTEM "Postacert.dtd">``, never
  fetched); any entity declaration is refused, so a billion-laughs bomb never expands and an
  external entity never reads a file.

Policy for a receipt whose daticert.xml is missing, not well-formed or declares entities:
``ILLEGGIBILE`` with the reason (and the header fields filled in, for the person who looks at
the quarantine). Without daticert there is no legal time, so it cannot count as evidence.
Missing or extra elements inside a readable daticert are tolerated (fields left ``None``).
"""

from __future__ import annotations

import binascii
import email.header
import email.message
import email.utils
import quopri
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden

LIMITE_BYTE = 50 * 1024 * 1024  # far above the 30 MB legal limit of a PEC message
LIMITE_PROFONDITA = 16  # a receipt is 3 levels deep; anything this deep is not a provider's
LIMITE_PARTI = 1000
PROTOCOLLI_FIRMA = ("application/pkcs7-signature", "application/x-pkcs7-signature")


class Classe(StrEnum):
    RICEVUTA = "ricevuta"
    BUSTA = "busta"
    ALTRO = "altro"
    ILLEGGIBILE = "illeggibile"


class TipoRicevuta(StrEnum):
    """The values of ``X-Ricevuta`` (and daticert ``postacert/@tipo``), RICEVUTE.md's table."""

    ACCETTAZIONE = "accettazione"
    NON_ACCETTAZIONE = "non-accettazione"
    PRESA_IN_CARICO = "presa-in-carico"
    AVVENUTA_CONSEGNA = "avvenuta-consegna"
    ERRORE_CONSEGNA = "errore-consegna"
    PREAVVISO_ERRORE_CONSEGNA = "preavviso-errore-consegna"
    RILEVAZIONE_VIRUS = "rilevazione-virus"


class Firma(StrEnum):
    VALIDA = "valida"
    NON_VALIDA = "non_valida"
    NON_VERIFICABILE = "non_verificabile"


@dataclass(frozen=True)
class Destinatario:
    indirizzo: str
    tipo: str  # "certificato" | "esterno" (no PEC mailbox: no delivery receipt will come)


@dataclass(frozen=True)
class Ricevuta:
    """What one message from the PEC mailbox says; see the module docstring for the rules."""

    classe: Classe
    tipo: TipoRicevuta | None = None
    message_id: str | None = None  # the message's own Message-ID
    msgid: str | None = None  # OUR Message-ID: daticert msgid, else X-Riferimento-Message-ID
    riferimento: str | None = None  # X-Riferimento-Message-ID
    identificativo: str | None = None
    data: datetime | None = None  # legal time: daticert giorno + ora + zona
    zona: str | None = None
    consegna: str | None = None
    destinatari: tuple[Destinatario, ...] = ()
    mittente: str | None = None
    oggetto: str | None = None
    gestore: str | None = None
    errore: str | None = None  # postacert/@errore as written ("nessuno", "no-dest", "altro"…)
    errore_esteso: str | None = None
    codice_errore: str | None = None  # leading code of errore_esteso: classify by this
    tipo_ricevuta: str | None = None  # completa | breve | sintetica
    postacert: bytes | None = field(default=None, repr=False)
    verifica_sicurezza_errore: bool = False
    firma: Firma = Firma.NON_VERIFICABILE
    motivo: str | None = None

    @property
    def identita(self) -> str:
        """The key that makes re-reads of one receipt one receipt (RICEVUTE.md, duplicates)."""
        if self.message_id:
            return "mid:" + self.message_id
        return f"id:{self.identificativo or ''}|{self.tipo or ''}|{self.consegna or ''}"

    @property
    def finale(self) -> bool:
        """Errore-consegna and non-accettazione are final; a preavviso only if led by 5.4.1."""
        if self.tipo in (TipoRicevuta.ERRORE_CONSEGNA, TipoRicevuta.NON_ACCETTAZIONE):
            return True
        preavviso = self.tipo is TipoRicevuta.PREAVVISO_ERRORE_CONSEGNA
        return preavviso and (self.codice_errore or "").startswith("5.4.1")

    def come_json(self) -> dict[str, Any]:
        """The stable shape of ``ricevute analizza --json``."""
        return {
            "ricevuta": self.classe is Classe.RICEVUTA,
            "classe": str(self.classe),
            "tipo": str(self.tipo) if self.tipo else None,
            "msgid": self.msgid,
            "identificativo": self.identificativo,
            "data": self.data.isoformat() if self.data else None,
            "consegna": self.consegna,
            "destinatari": [{"indirizzo": d.indirizzo, "tipo": d.tipo} for d in self.destinatari],
            "errore": self.errore,
            "errore_esteso": self.errore_esteso,
            "firma": str(self.firma),
            "motivo": self.motivo,
        }


class _Illeggibile(Exception):
    """Internal: the reason a message cannot be read, in Italian."""


def analizza(grezzo: bytes) -> Ricevuta:
    """Classify and read one raw message (as fetched with IMAP ``BODY.PEEK[]``). Never raises."""
    return analizza_e_firmato(grezzo)[0]


def analizza_e_firmato(grezzo: bytes) -> tuple[Ricevuta, bool]:
    """``analizza`` and ``e_firmato`` together, the top-level headers read once: the signature
    check needs both, and reading ten thousand receipts the second reading cost 18 µs each."""
    radice = None
    try:
        ricevuta, radice = _analizza(grezzo)
    except _Illeggibile as exc:
        ricevuta = Ricevuta(Classe.ILLEGGIBILE, motivo=str(exc))
    except RecursionError:
        ricevuta = Ricevuta(Classe.ILLEGGIBILE, motivo="struttura del messaggio troppo annidata")
    except Exception as exc:  # the promise is "never raises": say what happened
        motivo = f"errore inatteso nella lettura del messaggio ({exc.__class__.__name__})"
        ricevuta = Ricevuta(Classe.ILLEGGIBILE, motivo=motivo)
    return ricevuta, (e_firmato(grezzo) if radice is None else _firmato(radice))


def e_firmato(grezzo: bytes) -> bool:
    """Whether the top level is multipart/signed with a PKCS#7 protocol (either spelling)."""
    try:
        entita = _entita(bytes(grezzo[:LIMITE_BYTE]))
    except Exception:  # unreadable is simply "not signed"
        return False
    return _firmato(entita)


def _firmato(radice: _Entita) -> bool:
    protocollo = (radice.parametro("protocol") or "").lower()
    return radice.tipo == "multipart/signed" and protocollo in PROTOCOLLI_FIRMA


def _analizza(grezzo: bytes) -> tuple[Ricevuta, _Entita]:
    if not isinstance(grezzo, bytes | bytearray | memoryview):
        raise _Illeggibile("il contenuto non è una sequenza di byte")
    grezzo = bytes(grezzo)
    if len(grezzo) > LIMITE_BYTE:
        raise _Illeggibile(f"messaggio troppo grande ({len(grezzo)} byte, limite {LIMITE_BYTE})")
    radice = _entita(grezzo)
    return _leggi(radice), radice


def _leggi(radice: _Entita) -> Ricevuta:
    if not radice.con_intestazioni:
        raise _Illeggibile("non è un messaggio di posta: nessuna intestazione leggibile")
    comuni = _dalle_intestazioni(radice)
    if radice.intestazioni.get("x-trasporto") is not None:
        return _con_daticert(Classe.BUSTA, None, comuni, radice, obbligatorio=False)
    valore = radice.intestazioni.get("x-ricevuta")
    if valore is None:
        return Ricevuta(Classe.ALTRO, **comuni)
    try:
        tipo = TipoRicevuta(valore.strip().lower())
    except ValueError:
        raise _Illeggibile(f"X-Ricevuta sconosciuta: «{valore[:80]}»") from None
    return _con_daticert(Classe.RICEVUTA, tipo, comuni, radice, obbligatorio=True)


# --- headers --------------------------------------------------------------------------------

# The only fields anyone reads, top level and MIME: the others are never decoded.
_LETTE = (
    *("content-type", "content-disposition", "content-transfer-encoding", "message-id", "from"),
    *("subject", "x-ricevuta", "x-trasporto", "x-riferimento-message-id", "x-tiporicevuta"),
    "x-verificasicurezza",
)
# Searched in the block led by b"\n", so each line start is a b"\n" (a literal first byte makes
# ``search`` a fast scan). A line of the block is a field (RFC 5322 §2.2: a name of printable
# ASCII but ":", then ":") or the continuation of one (it starts with a blank); the first line
# that is neither ends the block, and so does a line with a CR that is not part of its CRLF.
_RIGA_NON_CAMPO = re.compile(rb"\n(?![ \t]|[!-9;-~]+[ \t]*:)")
_CR_NUDO = re.compile(rb"\r(?!\n)")
# A field of ``_LETTE``: its name, in any case (ASCII, as ``bytes.lower`` folds it), and its
# value up to the first line end not followed by a blank (a continuation line starts with one,
# so no name is ever found inside a value). Possessive: the runs never overlap.
_CAMPO_LETTO = re.compile(
    rb"\n((?i:" + "|".join(_LETTE).encode() + rb"))[ \t]*+:([^\n]*+(?:\n[ \t][^\n]*+)*+)"
)
_NOMI_LETTI = {nome.encode(): nome for nome in _LETTE}
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


class _Entita:
    """One MIME entity: the headers of ``_LETTE`` it has (lowercase names, the first value of
    each, unfolded and stripped) and the raw body bytes.

    Plain attributes set once: the MIME walk asks each entity for its type, and a
    ``cached_property`` cost more than the answer.
    """

    __slots__ = (
        "_email",
        "_semplici",
        "_semplici_letti",
        "con_intestazioni",
        "corpo",
        "intestazioni",
        "tipo",
    )

    def __init__(
        self,
        intestazioni: dict[str, str],
        corpo: bytes,
        *,
        con_intestazioni: bool = True,
        tipo: str | None = None,
        semplici: dict[str, str] | None = None,
        semplici_letti: bool = False,
    ) -> None:
        """``tipo``, when given, must be ``_tipo`` of the Content-Type, and ``semplici`` its
        ``_parametri_semplici`` when ``semplici_letti`` (None is an answer: not simple):
        ``_entita`` may have them from the cache of the headers; without them, they are
        computed here (``semplici`` when first asked for)."""
        self.intestazioni = intestazioni
        self.corpo = corpo
        self.con_intestazioni = con_intestazioni  # any header field at all, read or not
        self.tipo = _tipo(intestazioni.get("content-type")) if tipo is None else tipo
        self._semplici = semplici
        self._semplici_letti = semplici_letti
        self._email: email.message.Message | None = None

    @property
    def _mime(self) -> email.message.Message:
        """Content-Type and Content-Disposition parsed by ``email`` (parameters, RFC 2231), for
        the values too unusual for ``_parametri_semplici``: ``email`` reparses a value at every
        question, a third of the whole parse when every value went through it."""
        if self._email is None:
            self._email = email.message.Message()
            for nome in ("content-type", "content-disposition"):
                if (valore := self.intestazioni.get(nome)) is not None:
                    self._email[nome] = valore
        return self._email

    def parametro(self, nome: str) -> str | None:
        valore = self.intestazioni.get("content-type")
        if valore is None:
            return None
        semplici = self._semplici if self._semplici_letti else _parametri_semplici(valore)
        if semplici is not None:
            return semplici.get(nome.lower())
        valore = self._mime.get_param(nome)
        return None if valore is None else str(email.utils.collapse_rfc2231_value(valore))

    @property
    def nome_file(self) -> str:
        """``email``'s ``get_filename``: ``filename`` of Content-Disposition, else ``name``."""
        for intestazione, nome in (("content-disposition", "filename"), ("content-type", "name")):
            valore = self.intestazioni.get(intestazione)
            if valore is None:
                continue
            semplici = _parametri_semplici(valore)
            if semplici is None:
                return str(self._mime.get_filename() or "").strip().lower()
            if nome in semplici:
                return semplici[nome].strip().lower()
        return ""


def _tipo(content_type: str | None) -> str:
    """``email``'s ``get_content_type`` (its whole code: the text before the first «;»)."""
    if content_type is None:
        return "text/plain"
    tipo = content_type.partition(";")[0].strip().lower()
    return tipo if tipo.count("/") == 1 else "text/plain"


# A header value whose parameters ``email`` reads as they are written: ASCII, a first word, then
# ``; nome=valore`` with a plain name (no RFC 2231 ``*``) and a token or a quoted string without
# quotes, backslashes, semicolons or angle brackets inside (which ``email`` would unquote again).
# Possessive (``++``, ``*+``): each run stops where the next token must start (no run takes a
# blank, ";" or "="), so giving characters back never finds another match; it only cost time.
_PAROLA = r"[A-Za-z0-9!#$%&'+\-.^_`|~/]++"
_NOME_PARAMETRO = r"[A-Za-z0-9_.\-]++"
_VALORE_SEMPLICE = r"\"[ !#-:=?-\[\]-~]*+\"|[A-Za-z0-9!#$%&'*+\-.^_`|~/=?:@,()\[\]{}]++"
_SEMPLICE = re.compile(
    rf"[ \t]*+{_PAROLA}[ \t]*+(?:;[ \t]*+{_NOME_PARAMETRO}[ \t]*+=[ \t]*+(?:{_VALORE_SEMPLICE})[ \t]*+)*+",
    re.ASCII,
)
_PARAMETRO = re.compile(rf";[ \t]*({_NOME_PARAMETRO})[ \t]*=[ \t]*(?:\"([^\"]*)\"|([^ \t;]+))", re.ASCII)


@lru_cache(maxsize=512)
def _parametri_semplici(valore: str) -> dict[str, str] | None:
    """What ``email``'s ``get_param`` returns for each name (first occurrence wins, the first word
    counts as a name with an empty value), after ``collapse_rfc2231_value``; None when the value
    is not simple enough to be sure, and ``email`` must read it. A test compares the two."""
    if not valore.isascii() or _SEMPLICE.fullmatch(valore) is None:
        return None
    parola = valore.partition(";")[0]
    parametri = {parola.strip().lower(): ""}
    for nome, tra_virgolette, nudo in _PARAMETRO.findall(valore, len(parola)):
        parametri.setdefault(nome.lower(), nudo or tra_virgolette)  # a bare value is never empty
    return parametri


def _entita(grezzo: bytes) -> _Entita:
    """Split an entity into header fields and body; a line that is not a field ends the headers."""
    testa = grezzo[: _dopo_la_riga_vuota(grezzo)]
    semplici: dict[str, str] | None = None
    semplici_letti = False
    if len(testa) > _TESTA_RICORDATA:
        intestazioni, fine, tipo = _testa_e_tipo(testa)
    elif (
        len(testa) <= _TESTA_COL_CONFINE
        and _CONFINE in testa
        and (letta := _testa_col_confine(testa)) is not None
    ):
        intestazioni, fine, tipo, semplici = letta
        semplici_letti = True
    else:
        intestazioni, fine, tipo = _testa_ricordata(testa)
    corpo = fine
    if grezzo.startswith(b"\r\n", fine):
        corpo += 2
    elif grezzo.startswith(b"\n", fine):
        corpo += 1
    return _Entita(
        intestazioni,
        grezzo[corpo:],
        con_intestazioni=fine > 0,
        tipo=tipo,
        semplici=semplici,
        semplici_letti=semplici_letti,
    )


def _dopo_la_riga_vuota(grezzo: bytes) -> int:
    """Where the first empty line ends, or the end: the headers stop before it at the latest,
    and ``_testa`` never looks past it, so the bytes up to here decide the headers."""
    if grezzo.startswith(b"\n"):
        return 1
    if grezzo.startswith(b"\r\n"):
        return 2
    crlf = grezzo.find(b"\n\r\n")
    fine = len(grezzo) if crlf < 0 else crlf + 3
    lf = grezzo.find(b"\n\n", 0, fine)
    return fine if lf < 0 else lf + 2


_TESTA_RICORDATA = 4096  # a part's headers are a few hundred bytes; a longer block is not kept


def _testa_e_tipo(testa: bytes) -> tuple[dict[str, str], int, str]:
    """``_testa`` and the ``_tipo`` of its Content-Type, which every entity is asked for."""
    intestazioni, fine = _testa(testa)
    return intestazioni, fine, _tipo(intestazioni.get("content-type"))


@lru_cache(maxsize=256)
def _testa_ricordata(testa: bytes) -> tuple[dict[str, str], int, str]:
    """``_testa_e_tipo``, remembered: a provider writes the headers of its leaf parts (texts,
    daticert, signature) the same on every receipt. Only short blocks, so the cache stays small
    whatever comes in; the caller must not change the dict."""
    return _testa_e_tipo(testa)


# A multipart part's header block is the same on every receipt of a provider but for its
# boundary, new on each (``multipart/mixed;\r\n boundary="----=_Part_…"``), so ``_testa_ricordata``
# never finds it and its Content-Type is never found by ``_parametri_semplici``: reading them
# again cost an eighth of a receipt. ``_testa_col_confine`` reads instead the block with the
# boundary's letters and digits turned into "0" (the "astratto"), remembered, and puts the
# boundary back in the values. A letter or digit and "0" are in the same character classes of
# every regex that reads a block or a Content-Type (``_RIGA_NON_CAMPO``, ``_CR_NUDO``,
# ``_CAMPO_LETTO``'s values, ``_SEMPLICE``, ``_PARAMETRO``) and none of them is a blank, so the
# block ends at the same place, each value starts and ends at the same place and strips the
# same, and the boundary is in a value whole or not at all. Where a letter counts as itself
# (a field name, ignoring case: never, as the quote before the boundary is in no name; the
# type, the parameter names, lowercased) or the astratto cannot be found again once, the
# block is read as it is (``_testa_ricordata``): see ``_astratto_letto``.
_CONFINE = b'boundary="'
# A part's own multipart headers are a line or two; the top level's, longer, have a Message-ID
# new on each message, so their astratto would never be found again and only cost its checks.
_TESTA_COL_CONFINE = 256
_ALFANUMERICI = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_ZERI = bytes.maketrans(_ALFANUMERICI, b"0" * len(_ALFANUMERICI))
_ZERI_E_SEGNI = b"0'()+_,-./:=?"  # RFC 2046's boundary characters but the space, once translated


def _testa_col_confine(
    testa: bytes,
) -> tuple[dict[str, str], int, str, dict[str, str] | None] | None:
    """``_testa_e_tipo`` of a block with ``boundary="…"``, and the ``_parametri_semplici`` of
    its Content-Type (None without one: then nothing asks for them), from the cache of its
    astratto; None when the block must be read as it is. The dicts are new: the cache keeps
    the astratto's."""
    confine = _confine(testa)
    if confine is None:
        return None
    inizio, fine_confine = confine
    valore = testa[inizio:fine_confine]
    astratto = valore.translate(_ZERI)
    if astratto.strip(_ZERI_E_SEGNI):  # another character: a space, a quote, not ASCII…
        return None
    letto = _astratto_letto(testa[:inizio] + astratto + testa[fine_confine:])
    if letto is None:
        return None
    intestazioni, fine, tipo, semplici, nel_content_type, nei_parametri = letto
    if not nel_content_type:  # the boundary is in no value: the astratto's are the block's
        return intestazioni, fine, tipo, semplici
    reale, finto = valore.decode("ascii"), astratto.decode("ascii")
    intestazioni = {**intestazioni, "content-type": intestazioni["content-type"].replace(finto, reale)}
    if semplici is not None and nei_parametri is not None:
        semplici = {**semplici, nei_parametri: semplici[nei_parametri].replace(finto, reale)}
    return intestazioni, fine, tipo, semplici


def _confine(testa: bytes) -> tuple[int, int] | None:
    """Where the value of the first ``boundary="…"`` starts and ends, None without one."""
    inizio = testa.find(_CONFINE)
    if inizio < 0:
        return None
    inizio += len(_CONFINE)
    fine = testa.find(b'"', inizio)
    return None if fine <= inizio else (inizio, fine)  # an empty value is left to ``_testa``


@lru_cache(maxsize=256)
def _astratto_letto(
    astratto: bytes,
) -> tuple[dict[str, str], int, str, dict[str, str] | None, bool, str | None] | None:
    """What ``_testa_col_confine`` needs of a block's astratto, remembered: ``_testa_e_tipo``,
    the Content-Type's ``_parametri_semplici`` (None without one), whether the
    boundary is in the Content-Type (else it is in no value), the parameter it is in (None: in
    none); None when the block must be read as it is.

    The boundary is found again by ``_confine`` (the quotes and ``boundary="`` are as in the
    block) and must be in the astratto once, so it is where it is in the block. In a value only
    of the Content-Type, after its first ";" (before, it would be in the type, lowercased),
    once; in the parameters only in a value, once (in a name, it would be lowercased).
    """
    intestazioni, fine, tipo = _testa_e_tipo(astratto)
    confine = _confine(astratto)
    if confine is None:
        return None
    finto = astratto[confine[0] : confine[1]]
    if astratto.count(finto) != 1:
        return None
    finto_ = finto.decode("ascii")
    if not any(finto_ in v for v in intestazioni.values()):
        content_type = intestazioni.get("content-type")
        semplici = None if content_type is None else _parametri_semplici.__wrapped__(content_type)
        return intestazioni, fine, tipo, semplici, False, None
    content_type = intestazioni.get("content-type", "")
    if any(finto_ in v for n, v in intestazioni.items() if n != "content-type"):
        return None
    if content_type.count(finto_) != 1 or not 0 <= content_type.find(";") < content_type.find(finto_):
        return None
    semplici = _parametri_semplici.__wrapped__(content_type)
    nei_parametri = None
    if semplici is not None:
        if any(finto_ in n for n in semplici):
            return None
        con_confine = [n for n, v in semplici.items() if finto_ in v]
        if len(con_confine) > 1 or any(semplici[n].count(finto_) != 1 for n in con_confine):
            return None
        nei_parametri = con_confine[0] if con_confine else None
    return intestazioni, fine, tipo, semplici, True, nei_parametri


def _testa(testa: bytes) -> tuple[dict[str, str], int]:
    """The fields of ``_LETTE`` in a header block, and where the block ends.

    A field's value is its first line after the ":" and its continuation lines, joined without
    their line ends; only the fields of ``_LETTE`` are decoded, the first of each name (the one
    ``email`` gives). The block is found and the fields picked, with their values, by C scans
    (regexes with a literal first byte): a regex over every byte of the block, or a Python loop
    over its lines, cost several times the whole rest of the entity, and finding each value's
    end with ``find`` in Python cost more than the regex. The names are matched ignoring case
    only in their own group: as fast as lowercasing the block, and the values come out as
    written.
    """
    fine = _fine_blocco(testa)
    intestazioni: dict[str, str] = {}
    for nome_scritto, valore in _CAMPO_LETTO.findall(b"\n" + testa[:fine]):
        nome = _NOMI_LETTI[nome_scritto.lower()]
        if nome in intestazioni:  # the first field of a name is the one ``email`` gives
            continue
        valore = valore.removesuffix(b"\r")
        if b"\n" in valore:  # folded: the line ends go (every CR of the block is a CRLF's)
            valore = valore.replace(b"\r\n", b"").replace(b"\n", b"")
        intestazioni[nome] = valore.decode("utf-8", "replace").strip()
    return intestazioni, fine


def _fine_blocco(testa: bytes) -> int:
    """Where the header block ends: the start of the first line that is neither a field nor a
    continuation (none on the first line) or that holds a CR outside a CRLF."""
    if testa.startswith((b" ", b"\t")):
        return 0
    fine = m.start() if (m := _RIGA_NON_CAMPO.search(b"\n" + testa)) else len(testa)
    if cr := _CR_NUDO.search(testa, 0, fine):
        fine = testa.rfind(b"\n", 0, cr.start()) + 1
    return fine


def _dalle_intestazioni(radice: _Entita) -> dict[str, Any]:
    """The fields every kind of message has in its top-level headers."""
    riferimento = _message_id(radice.intestazioni.get("x-riferimento-message-id"))
    sicurezza = (radice.intestazioni.get("x-verificasicurezza") or "").strip().lower()
    tipo_ricevuta = (radice.intestazioni.get("x-tiporicevuta") or "").strip().lower() or None
    return {
        "message_id": _message_id(radice.intestazioni.get("message-id")),
        "riferimento": riferimento,
        "msgid": riferimento,
        "mittente": _indirizzo(radice.intestazioni.get("from")),
        "oggetto": _decodifica(radice.intestazioni.get("subject")),
        "tipo_ricevuta": tipo_ricevuta,
        "verifica_sicurezza_errore": sicurezza == "errore",
    }


def _message_id(valore: str | None) -> str | None:
    """``<id@host>`` from a header or daticert text: brackets restored, blanks trimmed."""
    if valore is None:
        return None
    if m := _MESSAGE_ID.search(valore):
        return f"<{m.group(1)}>"
    nudo = valore.strip().strip("<>").strip()
    return f"<{nudo}>" if nudo and not any(c.isspace() for c in nudo) else None


@lru_cache(maxsize=256)  # a provider writes From the same way on every receipt
def _indirizzo(valore: str | None) -> str | None:
    if not valore:
        return None
    indirizzo = email.utils.parseaddr(valore)[1]
    return indirizzo.lower() or None


def _decodifica(valore: str | None) -> str | None:
    """RFC 2047 encoded words decoded; left as written when they cannot be."""
    if valore is None:
        return None
    if "=?" not in valore:  # no encoded word: decode_header gives it back as one chunk, unchanged
        return valore
    try:
        return str(email.header.make_header(email.header.decode_header(valore)))
    except Exception:  # unknown charset, broken encoded word: keep the raw text
        return valore


# --- the MIME tree --------------------------------------------------------------------------


@dataclass
class _Allegati:
    daticert: bytes | None = None
    postacert: bytes | None = None


def _allegati(radice: _Entita) -> _Allegati:
    """daticert.xml and postacert.eml of the provider's own structure (depth-first, iterative).

    Attached messages are not entered: their daticert belongs to someone else.
    """
    trovati = _Allegati()
    pila = [(radice, 0)]
    visitate = 0
    while pila:
        entita, profondita = pila.pop()
        visitate += 1
        if profondita > LIMITE_PROFONDITA:
            raise _Illeggibile(f"struttura MIME annidata oltre {LIMITE_PROFONDITA} livelli")
        if visitate > LIMITE_PARTI:
            raise _Illeggibile(f"struttura MIME con più di {LIMITE_PARTI} parti")
        if entita.tipo.startswith("multipart/") and (confine := entita.parametro("boundary")):
            figli = [(_entita(p), profondita + 1) for p in _parti(entita.corpo, confine)]
            pila.extend(reversed(figli))
            continue
        nome = entita.nome_file
        if nome == "daticert.xml" and trovati.daticert is None:
            trovati.daticert = _decodificato(entita)
        elif nome == "postacert.eml" and trovati.postacert is None:
            trovati.postacert = _decodificato(entita)
    return trovati


# What may follow a delimiter on its line: ``--`` if it closes, blanks, the end of the line.
_CODA_DELIMITATORE = re.compile(rb"(--)?[ \t]*\r?(?:\n|\Z)")


def _parti(corpo: bytes, confine: str) -> list[bytes]:
    """The body parts between the delimiters (RFC 2046 §5.1.1: the CRLF before belongs to them).

    A delimiter counts only at the start of a line and followed, after an optional ``--`` and
    blanks, by the end of the line (the multiline regex ``^--confine(--)?[ \\t]*\\r?$``), found
    with ``bytes.find``: a regex compiled for each boundary cost more than the whole parse. The
    preamble and, after the close delimiter, the epilogue are not parts (but their delimiter
    lines count towards the limit); a body cut short keeps its last part up to the end.
    """
    delimitatore = b"--" + confine.encode("ascii", "replace")
    parti: list[bytes] = []
    righe = 0
    inizio: int | None = None  # where the part being read starts
    chiuso = False
    pos = corpo.find(delimitatore)
    while pos >= 0:
        dopo = pos + len(delimitatore)
        a_capo = pos == 0 or corpo[pos - 1] == 0x0A  # b"\n"
        if a_capo and (coda := _CODA_DELIMITATORE.match(corpo, dopo)):
            righe += 1
            if righe > LIMITE_PARTI:
                raise _Illeggibile(f"struttura MIME con più di {LIMITE_PARTI} parti")
            if inizio is not None:
                fine = pos - (
                    2 if corpo.endswith(b"\r\n", 0, pos) else 1 if corpo.endswith(b"\n", 0, pos) else 0
                )
                parti.append(corpo[inizio:fine])  # empty when the next delimiter follows at once
                inizio = None
            if not chiuso:
                chiuso = coda.group(1) is not None
                inizio = None if chiuso else coda.end()
        pos = corpo.find(delimitatore, dopo)
    if inizio is not None:
        parti.append(corpo[inizio:])
    return parti


def _decodificato(entita: _Entita) -> bytes:
    codifica = (entita.intestazioni.get("content-transfer-encoding") or "").strip().lower()
    if codifica == "base64":
        try:
            # b64decode drops every byte outside the alphabet itself (``validate=False``); its
            # whole code for bytes without ``altchars`` is this call
            return binascii.a2b_base64(entita.corpo + b"==")
        except (binascii.Error, ValueError) as exc:
            raise _Illeggibile(f"allegato {entita.nome_file} in base64 non valido") from exc
    if codifica == "quoted-printable":
        return quopri.decodestring(entita.corpo)
    return entita.corpo


# --- daticert.xml ---------------------------------------------------------------------------

_GIORNO = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ORA = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_ZONA = re.compile(r"([+-])(\d{2}):?(\d{2})")
_CODICE = re.compile(r"\s*([245]\.\d{1,3}\.\d{1,3})(?!\d)")


def _con_daticert(
    classe: Classe, tipo: TipoRicevuta | None, comuni: dict[str, Any], radice: _Entita, *, obbligatorio: bool
) -> Ricevuta:
    """The message completed with its daticert.xml and postacert.eml.

    A receipt without a readable daticert is ILLEGGIBILE (module docstring); an envelope stays
    an envelope, with the reason in ``motivo``. The fields are gathered first and the (frozen)
    ``Ricevuta`` made once.
    """
    allegati = _allegati(radice)
    campi = {**comuni, "postacert": allegati.postacert}
    try:
        if allegati.daticert is None:
            raise _Illeggibile("daticert.xml mancante")
        campi.update(_daticert(allegati.daticert, comuni))
    except _Illeggibile as exc:
        campi["motivo"] = str(exc)
        if obbligatorio:
            return Ricevuta(Classe.ILLEGGIBILE, **campi)
    return Ricevuta(classe, tipo=tipo, **campi)


def _albero(xml: bytes) -> Element:
    """``defusedxml.ElementTree.fromstring``, with expat set up here and the elements handed
    straight to the C ``TreeBuilder``.

    defusedxml parses with ElementTree's pure-Python ``XMLParser``: building it, its Python
    callback for every start and end tag and its ``_default`` for every piece of the prolog
    cost as much as all the rest of the daticert. Here expat gets exactly the handlers that
    ``XMLParser`` and ``DefusedXMLParser`` give it, so it behaves the same on every input: the
    tree's start, end, data, comment and pi (all C), ``buffer_text``, names as expat writes them
    (``uri}nome``, which ``_locale`` reads the same) and attributes as a dict; defusedxml's three
    refusals (entity declarations, unparsed entities, external references) with its exceptions;
    and a default handler, because without one expat silently skips an undefined entity in a
    document with a DOCTYPE instead of reporting it (``_predefinito``). The input goes in as
    ``XMLParser.feed`` then ``close`` give it, so the errors and their messages are the same.
    """
    albero = TreeBuilder()
    lettore = expat.ParserCreate(None, "}")

    def predefinito(testo: str) -> None:
        _predefinito(lettore, testo)

    lettore.DefaultHandlerExpand = predefinito
    lettore.StartElementHandler = albero.start
    lettore.EndElementHandler = albero.end
    lettore.CharacterDataHandler = albero.data
    lettore.CommentHandler = albero.comment
    lettore.ProcessingInstructionHandler = albero.pi
    lettore.buffer_text = True
    lettore.ordered_attributes = False
    lettore.EntityDeclHandler = _entita_dichiarata
    lettore.UnparsedEntityDeclHandler = _entita_non_analizzata
    lettore.ExternalEntityRefHandler = _riferimento_esterno
    lettore.Parse(xml, False)
    lettore.Parse(b"", True)
    return albero.close()


def _predefinito(lettore: expat.XMLParserType, testo: str) -> None:
    """``XMLParser._default``: the text expat has no other handler for. An entity reference
    reaches it only when undefined (none is ever defined: a declaration is refused), and
    ``XMLParser`` refuses it with this error; the rest (XML declaration, DOCTYPE pieces, blanks
    of the prolog) ``XMLParser`` only notes for a ``doctype`` the ``TreeBuilder`` has not."""
    if testo[:1] == "&":
        riga, colonna = lettore.ErrorLineNumber, lettore.ErrorColumnNumber
        errore = expat.error(f"undefined entity {testo}: line {riga}, column {colonna}")
        errore.code = 11  # XML_ERROR_UNDEFINED_ENTITY
        errore.lineno, errore.offset = riga, colonna
        raise errore


def _entita_dichiarata(
    nome: str,
    di_parametro: bool,
    valore: str | None,
    base: str | None,
    sysid: str | None,
    pubid: str | None,
    notazione: str | None,
) -> None:
    """defusedxml's ``defused_entity_decl``: no entity is ever declared."""
    raise EntitiesForbidden(nome, valore, base, sysid, pubid, notazione)


def _entita_non_analizzata(
    nome: str, base: str | None, sysid: str | None, pubid: str | None, notazione: str
) -> None:
    """defusedxml's ``defused_unparsed_entity_decl``."""
    raise EntitiesForbidden(nome, None, base, sysid, pubid, notazione)


def _riferimento_esterno(contesto: str, base: str | None, sysid: str | None, pubid: str | None) -> None:
    """defusedxml's ``defused_external_entity_ref_handler``: nothing outside is ever read."""
    raise ExternalReferenceForbidden(contesto, base, sysid, pubid)


def _radice_xml(xml: bytes) -> Element:
    try:
        radice = _albero(xml)
    except DefusedXmlException as exc:
        raise _Illeggibile(f"daticert.xml rifiutato: dichiara entità o riferimenti esterni ({exc})") from exc
    except Exception as exc:  # expat errors, unknown encodings, bad bytes
        raise _Illeggibile(f"daticert.xml non è XML ben formato ({exc})") from exc
    if _locale(radice.tag) != "postacert":
        raise _Illeggibile(f"daticert.xml inatteso: radice «{_locale(radice.tag)[:40]}» e non postacert")
    return radice


class _Letti(NamedTuple):
    """What the rules read in daticert, as the tree gives it: the texts as ``_testo`` gives them
    (stripped, None when empty or missing), the attributes as written (None when missing)."""

    msgid: str | None
    identificativo: str | None
    giorno: str | None
    ora: str | None
    zona: str | None  # data/@zona
    consegna: str | None
    destinatari: tuple[Destinatario, ...]
    mittente: str | None
    oggetto: str | None
    gestore: str | None
    errore: str | None  # postacert/@errore
    errore_esteso: str | None
    tipo_ricevuta: str | None  # ricevuta/@tipo


def _daticert(xml: bytes, comuni: dict[str, Any]) -> dict[str, Any]:
    """daticert's fields; where it says nothing, what the top-level headers said (``comuni``)."""
    letti = _letti_in_breve(xml)
    if letti is None:
        letti = _letti_dall_albero(_radice_xml(xml))
    zona = letti.zona.strip() if letti.zona else None
    errore_esteso, consegna, ricevuta = letti.errore_esteso, letti.consegna, letti.tipo_ricevuta
    return {
        "msgid": _message_id(letti.msgid) or comuni["riferimento"],
        "identificativo": letti.identificativo,
        "data": _data_legale(letti.giorno, letti.ora, zona),
        "zona": zona,
        "consegna": consegna.lower() if consegna else None,
        "destinatari": letti.destinatari,
        "mittente": (letti.mittente or "").lower() or comuni["mittente"],
        "oggetto": letti.oggetto or comuni["oggetto"],
        "gestore": letti.gestore,
        "errore": (letti.errore or "").strip().lower() or None,
        "errore_esteso": errore_esteso,
        "codice_errore": m.group(1) if errore_esteso and (m := _CODICE.match(errore_esteso)) else None,
        "tipo_ricevuta": ((ricevuta.strip().lower() or None) if ricevuta else None)
        or comuni["tipo_ricevuta"],
    }


def _letti_dall_albero(radice: Element) -> _Letti:
    """The general reading: the first child of each name, at each level, whatever the order."""
    figli = _primi(radice)
    intestazione, dati = figli.get("intestazione"), figli.get("dati")
    di_intestazione, di_dati = _primi(intestazione), _primi(dati)
    data, ricevuta = di_dati.get("data"), di_dati.get("ricevuta")
    di_data = _primi(data)
    return _Letti(
        msgid=_testo(di_dati, "msgid"),
        identificativo=_testo(di_dati, "identificativo"),
        giorno=_testo(di_data, "giorno"),
        ora=_testo(di_data, "ora"),
        zona=None if data is None else data.get("zona"),
        consegna=_testo(di_dati, "consegna"),
        destinatari=_destinatari(intestazione),
        mittente=_testo(di_intestazione, "mittente"),
        oggetto=_testo(di_intestazione, "oggetto"),
        gestore=_testo(di_dati, "gestore-emittente"),
        errore=radice.get("errore"),
        errore_esteso=_testo(di_dati, "errore-esteso"),
        tipo_ricevuta=None if ricevuta is None else ricevuta.get("tipo"),
    )


# The daticert providers write (and the sandbox writes: corrispondenza.sandbox.daticert), in
# RICEVUTE.md's element order, read by one regex instead of expat and a tree. Only where being
# well-formed and every value follow from the match alone: UTF-8 declared and valid (checked by
# decoding), the DOCTYPE without an internal subset (so no entity can be declared), no namespace,
# comment, PI, CDATA, character reference or entity but the five predefined, no CR in a text
# and no blank but the space in an attribute (expat would normalise them), no "]]>" and no
# U+FFFE/U+FFFF (not XML characters). Names are fixed, so the tags match and no attribute is
# repeated. Anything else goes to expat.
_S = r"[ \t\r\n]*+"
_T = r"((?:[^<&\]\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]++|\](?!\]>)|&(?:lt|gt|amp|quot|apos);)*+)"
_V = r'"((?:[^<&"\x00-\x1f\ufffe\uffff]++|&(?:lt|gt|amp|quot|apos);)*+)"'


def _elemento(nome: str) -> str:
    return f"<{nome}>{_T}</{nome}>{_S}"


_DESTINATARIO = re.compile(rf"<destinatari tipo={_V}>{_T}</destinatari>{_S}")
_IN_BREVE = re.compile(
    r'<\?xml version="1\.0" encoding="UTF-8"\?>'
    + _S
    + rf'(?:<!DOCTYPE postacert SYSTEM "Postacert\.dtd">{_S})?'
    + rf"<postacert tipo={_V} errore={_V}>{_S}"
    + rf"<intestazione>{_S}"
    + _elemento("mittente")
    + rf"((?:<destinatari tipo={_V}>{_T}</destinatari>{_S})*+)"
    + _elemento("risposte")
    + rf"(?:{_elemento('oggetto')})?"
    + rf"</intestazione>{_S}"
    + rf"<dati>{_S}"
    + _elemento("gestore-emittente")
    + rf"<data zona={_V}>{_S}{_elemento('giorno')}{_elemento('ora')}</data>{_S}"
    + _elemento("identificativo")
    + rf"(?:{_elemento('msgid')})?"
    + rf"(?:<ricevuta tipo={_V} ?/>{_S})?"
    + rf"(?:{_elemento('consegna')})?"
    + rf"(?:<ricezione>{_T}</ricezione>{_S})*+"
    + rf"(?:{_elemento('errore-esteso')})?"
    + rf"</dati>{_S}</postacert>{_S}"
)
_PREDEFINITE = re.compile(r"&(lt|gt|amp|quot|apos);")
_CARATTERI = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _letti_in_breve(xml: bytes) -> _Letti | None:
    """``_letti_dall_albero(_radice_xml(xml))`` for the daticert of ``_IN_BREVE``; None for any
    other, which goes to expat (the same values, or the reason it cannot be read)."""
    try:
        testo = xml.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if (m := _IN_BREVE.fullmatch(testo)) is None:
        return None
    # Every group with its entities replaced; the texts then as ``_testo`` gives them.
    valori = [v if v is None or "&" not in v else _carattere(v) for v in m.groups()]
    _, errore, mittente, _, _, _, _, oggetto, gestore, zona, giorno, ora, *dati = valori
    identificativo, msgid, ricevuta, consegna, _, errore_esteso = dati
    elenco = []
    for d in _DESTINATARIO.finditer(m[4]):
        indirizzo = _carattere(d[2]).strip().lower()
        if indirizzo:
            tipo = "esterno" if _carattere(d[1]).strip().lower() == "esterno" else "certificato"
            elenco.append(Destinatario(indirizzo, tipo))
    return _Letti(
        msgid=(msgid and msgid.strip()) or None,
        identificativo=identificativo.strip() or None,
        giorno=giorno.strip() or None,
        ora=ora.strip() or None,
        zona=zona,
        consegna=(consegna and consegna.strip()) or None,
        destinatari=tuple(elenco),
        mittente=mittente.strip() or None,
        oggetto=(oggetto and oggetto.strip()) or None,
        gestore=gestore.strip() or None,
        errore=errore,
        errore_esteso=(errore_esteso and errore_esteso.strip()) or None,
        tipo_ricevuta=ricevuta,
    )


def _carattere(valore: str) -> str:
    """The five predefined entities replaced, as expat does (in one pass: ``&amp;lt;`` is «&lt;»)."""
    return _PREDEFINITE.sub(lambda e: _CARATTERI[e.group(1)], valore) if "&" in valore else valore


def _locale(tag: object) -> str:
    """The element name without a namespace (``{urn:…}dati`` → ``dati``)."""
    return str(tag).rsplit("}", 1)[-1]


def _figli(elemento: Element | None, nome: str) -> list[Element]:
    return [] if elemento is None else [e for e in elemento if _locale(e.tag) == nome]


def _primi(elemento: Element | None) -> dict[str, Element]:
    """The children by local name, the first of each name: read once, not once per field."""
    primi: dict[str, Element] = {}
    for figlio in elemento if elemento is not None else ():
        primi.setdefault(_locale(figlio.tag), figlio)
    return primi


def _testo(primi: dict[str, Element], nome: str) -> str | None:
    figlio = primi.get(nome)
    return None if figlio is None else _tutto_il_testo(figlio).strip() or None


def _tutto_il_testo(elemento: Element) -> str:
    """``"".join(elemento.itertext())``; an element without children has only its ``text``."""
    if len(elemento):
        return "".join(elemento.itertext())
    return elemento.text or ""


def _destinatari(intestazione: Element | None) -> tuple[Destinatario, ...]:
    elenco = []
    for d in _figli(intestazione, "destinatari"):
        indirizzo = _tutto_il_testo(d).strip().lower()
        if indirizzo:
            tipo = "esterno" if (d.get("tipo") or "").strip().lower() == "esterno" else "certificato"
            elenco.append(Destinatario(indirizzo, tipo))
    return tuple(elenco)


def _data_legale(giorno: str | None, ora: str | None, zona: str | None) -> datetime | None:
    """giorno dd/MM/yyyy + ora HH:mm:ss + zona ±hhmm, to the second; None if any is unreadable."""
    g = _GIORNO.fullmatch(giorno or "")
    o = _ORA.fullmatch(ora or "")
    z = _ZONA.fullmatch(zona or "")
    if not (g and o and z) or (fuso := _fuso(*z.groups())) is None:
        return None
    try:
        giorno_, mese, anno = map(int, g.groups())
        ore, minuti, secondi = o.groups()
        return datetime(anno, mese, giorno_, int(ore), int(minuti), int(secondi or 0), tzinfo=fuso)
    except ValueError:  # 31/02, 25:00
        return None


@lru_cache(maxsize=64)  # a provider writes one or two zones; the keys are two digits at most
def _fuso(segno: str, ore: str, minuti: str) -> timezone | None:
    """The zone of ``_ZONA``'s groups; None for an offset of a day or more."""
    try:
        return timezone((-1 if segno == "-" else 1) * timedelta(hours=int(ore), minutes=int(minuti)))
    except ValueError:
        return None
