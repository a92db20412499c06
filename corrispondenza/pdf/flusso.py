"""Concatenate PDF files into one, writing each as it is read: memory does not grow with the lotto.

A print bundle of 5 000 letters built as one object graph (pikepdf, pypdf) keeps every page,
font and content stream of every letter in memory until it is saved: about 80 KB a letter,
measured, so 400 MB for a large lotto. Here each letter is opened, its objects are written to
the output with new numbers, and it is closed before the next one; only the byte offsets and
page numbers stay in memory. The page tree, the bookmarks, the catalog and the cross-reference
table are written at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

_SALTA_NELLA_PAGINA = {"/Parent", "/StructParents", "/Annots", "/B", "/Tabs"}
"""Page keys that point outside the page (tree, structure, links): not carried into a bundle."""


@dataclass
class ScrittorePdf:
    """Writes objects sequentially; ``chiudi`` adds pages, outline, catalog and xref."""

    file: BinaryIO
    offsets: list[int] = field(default_factory=lambda: [0])  # object 0 is the free head
    pagine: list[int] = field(default_factory=list)
    segnalibri: list[tuple[str, int]] = field(default_factory=list)  # title, page index

    def __post_init__(self) -> None:
        self.file.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self.radice_pagine = self._riserva()

    def _riserva(self) -> int:
        self.offsets.append(-1)
        return len(self.offsets) - 1

    def _scrivi(self, numero: int, corpo: bytes, flusso: bytes | None = None) -> None:
        self.offsets[numero] = self.file.tell()
        self.file.write(f"{numero} 0 obj\n".encode() + corpo)
        if flusso is not None:
            self.file.write(b"\nstream\n" + flusso + b"\nendstream")
        self.file.write(b"\nendobj\n")

    def aggiungi_pdf(self, percorso: Path, titolo: str | None = None) -> int:
        """Append every page of ``percorso``; returns how many pages it had."""
        with pikepdf.open(percorso, access_mode=pikepdf.AccessMode.stream) as pdf:
            prima = len(self.pagine)
            numeri: dict[tuple[int, int], int] = {}
            coda: list[pikepdf.Object] = []

            def riferimento(oggetto: pikepdf.Object) -> bytes:
                chiave = oggetto.objgen
                if chiave not in numeri:
                    numeri[chiave] = self._riserva()
                    coda.append(oggetto)
                return f"{numeri[chiave]} 0 R".encode()

            for pagina in pdf.pages:
                numero = self._riserva()
                numeri[pagina.obj.objgen] = numero
                voci = {k: v for k, v in pagina.obj.items() if k not in _SALTA_NELLA_PAGINA}
                corpo = _dizionario(voci, riferimento)
                genitore = f"/Parent {self.radice_pagine} 0 R".encode()
                self._scrivi(numero, corpo[:2] + genitore + corpo[2:])
                self.pagine.append(numero)
            while coda:
                oggetto = coda.pop()
                if isinstance(oggetto, Stream):
                    dati = oggetto.read_raw_bytes()
                    dizionario = {k: v for k, v in oggetto.items() if k != "/Length"}
                    corpo = _dizionario(dizionario, riferimento, lunghezza=len(dati))
                    self._scrivi(numeri[oggetto.objgen], corpo, dati)
                else:
                    self._scrivi(numeri[oggetto.objgen], _serializza(oggetto, riferimento, radice=True))
            if titolo is not None:
                self.segnalibri.append((titolo, prima))
            return len(pdf.pages)

    def pagina_bianca(self, larghezza: float, altezza: float) -> None:
        numero = self._riserva()
        corpo = (
            f"<</Type/Page/Parent {self.radice_pagine} 0 R/MediaBox[0 0 {larghezza:.2f} {altezza:.2f}]"
            "/Resources<<>>>>"
        ).encode()
        self._scrivi(numero, corpo)
        self.pagine.append(numero)

    def chiudi(self, titolo: str) -> None:
        kids = " ".join(f"{n} 0 R" for n in self.pagine)
        self._scrivi(self.radice_pagine, f"<</Type/Pages/Kids[{kids}]/Count {len(self.pagine)}>>".encode())
        radice_indice = self._indice()
        info = self._riserva()
        self._scrivi(info, b"<</Title" + pikepdf.String(titolo).unparse() + b">>")
        catalogo = self._riserva()
        indice = f"/Outlines {radice_indice} 0 R/PageMode/UseOutlines" if radice_indice else ""
        self._scrivi(catalogo, f"<</Type/Catalog/Pages {self.radice_pagine} 0 R{indice}>>".encode())
        inizio_xref = self.file.tell()
        righe = [f"xref\n0 {len(self.offsets)}\n", "0000000000 65535 f \n"]
        righe += [f"{o:010d} 00000 n \n" for o in self.offsets[1:]]
        self.file.write("".join(righe).encode())
        self.file.write(
            f"trailer\n<</Size {len(self.offsets)}/Root {catalogo} 0 R/Info {info} 0 R>>\n"
            f"startxref\n{inizio_xref}\n%%EOF\n".encode()
        )

    def _indice(self) -> int | None:
        """A flat outline: one bookmark per letter, pointing to its first page."""
        if not self.segnalibri:
            return None
        radice = self._riserva()
        voci = [self._riserva() for _ in self.segnalibri]
        for i, ((titolo, pagina), numero) in enumerate(zip(self.segnalibri, voci, strict=True)):
            legami = f"/Parent {radice} 0 R"
            if i:
                legami += f"/Prev {voci[i - 1]} 0 R"
            if i + 1 < len(voci):
                legami += f"/Next {voci[i + 1]} 0 R"
            corpo = (
                b"<</Title" + pikepdf.String(titolo).unparse()
                + f"{legami}/Dest[{self.pagine[pagina]} 0 R/Fit]>>".encode()
            )  # fmt: skip
            self._scrivi(numero, corpo)
        self._scrivi(
            radice,
            f"<</Type/Outlines/First {voci[0]} 0 R/Last {voci[-1]} 0 R/Count {len(voci)}>>".encode(),
        )
        return radice


def _serializza(
    valore: object, riferimento: Callable[[pikepdf.Object], bytes], *, radice: bool = False
) -> bytes:
    """PDF syntax of ``valore``, indirect objects replaced by their new numbers.

    pikepdf hands scalars over as Python values (None, bool, int, Decimal); containers and
    names, strings and references as pikepdf objects.
    """
    if valore is None:
        return b"null"
    if isinstance(valore, bool):
        return b"true" if valore else b"false"
    if isinstance(valore, int):
        return str(valore).encode()
    if isinstance(valore, Decimal | float):
        return format(Decimal(str(valore)).normalize(), "f").encode()
    if not isinstance(valore, pikepdf.Object):
        raise TypeError(f"oggetto PDF inatteso: {type(valore).__name__}")
    if not radice and valore.is_indirect:
        return riferimento(valore)
    if isinstance(valore, Dictionary):
        return _dizionario(dict(valore.items()), riferimento)
    if isinstance(valore, Array):
        return b"[" + b" ".join(_serializza(v, riferimento) for v in valore) + b"]"
    return valore.unparse()


def _dizionario(
    voci: dict[str, object], riferimento: Callable[[pikepdf.Object], bytes], *, lunghezza: int | None = None
) -> bytes:
    parti = [Name(k).unparse() + b" " + _serializza(v, riferimento) for k, v in voci.items()]
    if lunghezza is not None:
        parti.append(f"/Length {lunghezza}".encode())
    return b"<<" + b"".join(parti) + b">>"
