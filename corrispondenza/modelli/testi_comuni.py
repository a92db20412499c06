"""The blocks of text every default letter shares: letterhead, recipient, credits, payment, closing.

Used by ``modelli.predefiniti``, which assembles them with the wording proper to each kind of
letter. Each block is one function, named after what the debtor sees, and rests on the rule it
cites (LETTERE.md, "Common to every letter"). Headers and footers use only ``ente`` and
``struttura``: a batch of letters shares one letterhead (``modelli.verifica``).
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as Documento
from docx.shared import Pt

from corrispondenza.modelli.impaginazione import (
    CELLA,
    CELLA_TESTATA,
    CORPO,
    DESTINATARIO,
    ENTE,
    FIRMA,
    INTESTAZIONE,
    INTRODUZIONE,
    LARGHEZZA_TESTO_MM,
    MODALITA_INVIO,
    NOTA,
    NOTA_FIRMA,
    OGGETTO,
    OGGETTO_NOTE,
    PIE,
    RIFERIMENTI,
    SALUTI,
    SFONDO_ETICHETTA,
    SFONDO_TESTATA,
    SPAZIO,
    TITOLETTO,
    Allinea,
    Grassetto,
    applica_stile,
    campo_word,
    filetto_sopra,
    filetto_sotto,
    filetto_tabella_sotto,
    paragrafo,
    riga,
    riga_tag,
    ripeti_come_testata,
    sfondo_cella,
    solo_se,
    tabella,
    tabulazione_destra,
    tieni_insieme,
)

REGOLAMENTO = "Regolamento aziendale per il recupero dei crediti"
NUMERI_DOCUMENTO = (
    "{% for c in crediti %}{{ c.numero_documento }}{% if not loop.last %}, {% endif %}{% endfor %}"
)
SCRIVERE_A = "{{ struttura.email }}{% if struttura.pec %} o alla PEC {{ struttura.pec }}{% endif %}"
TERMINE_DAL_RICEVIMENTO = "{{ lettera.termine_giorni }} giorni dal ricevimento"
TOTALE = "{{ totali.totale|euro }}"

_DESTRA = Allinea.DESTRA


# -- letterhead: headers and footers -----------------------------------------------------------


def carta_intestata(documento: Documento) -> None:
    """The full letterhead on page one, one line on the others; page numbers in every footer."""
    sezione = documento.sections[0]
    _intestazione_prima_pagina(sezione.first_page_header)
    _intestazione_pagine_seguenti(sezione.header)
    _pie_di_pagina(sezione.first_page_footer)
    _pie_di_pagina(sezione.footer)


def _intestazione_prima_pagina(intestazione: Any) -> None:
    """Ente (name, seat, CF/P.IVA, PEC) on the left; the writing struttura and its contacts on the right."""
    vuoto = intestazione.paragraphs[0]
    testata = tabella(intestazione, (104, LARGHEZZA_TESTO_MM - 104), bordi="nessuno")
    ente, struttura = riga(testata, ["", ""], stile=INTESTAZIONE, in_alto=True)
    paragrafo(ente, ENTE, "{{ ente.denominazione }}")
    paragrafo(
        ente,
        INTESTAZIONE,
        "{{ ente.indirizzo.via }} – {{ ente.indirizzo.cap }} {{ ente.indirizzo.comune }} "
        "({{ ente.indirizzo.provincia }})",
    )
    paragrafo(
        ente,
        INTESTAZIONE,
        "{% if ente.partita_iva and ente.partita_iva != ente.codice_fiscale %}"
        "C.F. {{ ente.codice_fiscale }} – P.IVA {{ ente.partita_iva }}"
        "{% elif ente.partita_iva %}C.F. e P.IVA {{ ente.codice_fiscale }}"
        "{% else %}C.F. {{ ente.codice_fiscale }}{% endif %}"
        "{% if ente.telefono %} – Tel. {{ ente.telefono }}{% endif %}",
    )
    paragrafo(ente, INTESTAZIONE, "PEC {{ ente.pec }}")
    paragrafo(struttura, INTESTAZIONE, Grassetto("{{ struttura.denominazione }}"), allinea=_DESTRA)
    paragrafo(
        struttura, INTESTAZIONE, "Tel. {{ struttura.telefono }} – {{ struttura.email }}", allinea=_DESTRA
    )
    with solo_se(struttura, "struttura.pec"):
        paragrafo(struttura, INTESTAZIONE, "PEC {{ struttura.pec }}", allinea=_DESTRA)
    with solo_se(struttura, "struttura.orari"):
        paragrafo(struttura, INTESTAZIONE, "Orari al pubblico: {{ struttura.orari }}", allinea=_DESTRA)
    filetto_tabella_sotto(testata)
    testata._tbl.addnext(vuoto._p)  # a header ends with a paragraph: the space under the rule
    applica_stile(vuoto, SPAZIO)


def _intestazione_pagine_seguenti(intestazione: Any) -> None:
    riga_unica = intestazione.paragraphs[0]
    applica_stile(riga_unica, INTESTAZIONE)
    riga_unica.add_run("{{ ente.denominazione }}").bold = True
    riga_unica.add_run(" – {{ struttura.denominazione }}")
    filetto_sotto(riga_unica)


def _pie_di_pagina(pie: Any) -> None:
    """The ente's PEC and e-mail, and "Pagina X di Y" with Word's PAGE and NUMPAGES fields."""
    riga_unica = pie.paragraphs[0]
    applica_stile(riga_unica, PIE)
    riga_unica.add_run("{{ ente.denominazione }} – PEC {{ ente.pec }} – {{ ente.email }}\tPagina ")
    campo_word(riga_unica, "PAGE")
    riga_unica.add_run(" di ")
    campo_word(riga_unica, "NUMPAGES")
    tabulazione_destra(riga_unica, LARGHEZZA_TESTO_MM)
    filetto_sopra(riga_unica)


# -- top of the letter -------------------------------------------------------------------------


def testata(documento: Documento) -> None:
    """Protocol, reference, place and date on the left; channel and recipient on the right."""
    blocco = tabella(documento, (80, LARGHEZZA_TESTO_MM - 80), bordi="nessuno")
    riferimenti, destinatario = riga(blocco, ["", ""], in_alto=True)
    paragrafo(riferimenti, MODALITA_INVIO, "")  # as high as the channel line: protocol level with the name
    with solo_se(riferimenti, "lettera.protocollo"):
        paragrafo(riferimenti, RIFERIMENTI, "Prot. n. {{ lettera.protocollo }}")
    paragrafo(riferimenti, RIFERIMENTI, "Rif. {{ lettera.riferimento }}")
    paragrafo(riferimenti, RIFERIMENTI, Grassetto("(da citare nella risposta)"))
    paragrafo(riferimenti, RIFERIMENTI, "")
    paragrafo(riferimenti, RIFERIMENTI, "{{ ente.indirizzo.comune }}, {{ lettera.data|data }}")
    paragrafo(destinatario, MODALITA_INVIO, "{{ lettera.modalita_invio }}")
    paragrafo(destinatario, DESTINATARIO, Grassetto("{{ destinatario.nominativo }}"))
    with solo_se(destinatario, "destinatario.in_qualita_di"):
        paragrafo(destinatario, DESTINATARIO, "in qualità di {{ destinatario.in_qualita_di }}")
    paragrafo(destinatario, DESTINATARIO, "{{ destinatario.indirizzo }}")
    paragrafo(
        destinatario,
        DESTINATARIO,
        "{{ destinatario.cap }} {{ destinatario.comune }} ({{ destinatario.provincia }})",
    )
    with solo_se(destinatario, "destinatario.pec"):
        paragrafo(destinatario, DESTINATARIO, "PEC: {{ destinatario.pec }}")


def oggetto(documento: Documento, titolo: str) -> None:
    """Kind of letter and document references, never the service the documents were for."""
    paragrafo(documento, OGGETTO, "Oggetto:\t", f"{titolo} – documenti n. {NUMERI_DOCUMENTO}.")
    paragrafo(
        documento,
        OGGETTO_NOTE,
        "Intestatario dei documenti: {{ debitore.nominativo }} (C.F. {{ debitore.codice_fiscale }})",
    )


# -- amounts -------------------------------------------------------------------------------------


def tabella_crediti(documento: Documento, *, residuo: str = "Residuo da pagare") -> None:
    """The credits; the lines of costs, interest and surcharge that apply; the total in figures and words."""
    crediti = tabella(documento, (46, 24, 33, 32, 35))
    colonne = (Allinea.SINISTRA, Allinea.CENTRO, _DESTRA, _DESTRA, _DESTRA)
    intestazioni = ["Documento n.", "Data", "Importo originario", "Già pagato", residuo]
    riga(crediti, intestazioni, stile=CELLA_TESTATA, allinea=colonne, sfondo=SFONDO_TESTATA)
    ripeti_come_testata(crediti)
    riga_tag(crediti, "for c in crediti")
    documento_ = ["{{ c.numero_documento }}", '{{ c.data_documento|data("breve") }}']
    importi = ["{{ c.importo|euro }}", "{{ c.pagato|euro }}", "{{ c.residuo|euro }}"]
    riga(crediti, [*documento_, *importi], allinea=colonne)
    riga_tag(crediti, "endfor")
    for condizione, etichetta, campo in _RIGHE_DEI_TOTALI:
        riga_tag(crediti, f"if {condizione}")
        riga(crediti, [etichetta, f"{{{{ totali.{campo}|euro }}}}"], unisci=4, allinea=(None, _DESTRA))
        riga_tag(crediti, "endif")
    totale = [Grassetto("Totale da pagare"), " (euro {{ totali.totale|in_lettere }})"]
    ultima = [totale, [Grassetto(TOTALE)]]
    riga(crediti, ultima, unisci=4, allinea=(None, _DESTRA), sfondo=SFONDO_ETICHETTA)
    paragrafo(documento, SPAZIO, "")


_RIGHE_DEI_TOTALI = (
    ("totali.spese or totali.interessi or totali.maggiorazione", "Totale dei residui", "principale"),
    ("totali.spese", "Spese postali e di notifica (Art. 6 c. 9)", "spese"),
    ("totali.interessi", "Interessi", "interessi"),
    ("totali.maggiorazione", "Maggiorazione del 30 % (Art. 3 c. 3, D.Lgs. 194/2008)", "maggiorazione"),
)
"""Lines shown only when not zero: an avviso has no costs, only type f credits a surcharge."""


def nota_spese(documento: Documento) -> None:
    """Art. 6 c. 9: what the costs line is, when there is one."""
    with solo_se(documento, "totali.spese"):
        paragrafo(
            documento,
            NOTA,
            "Le spese indicate sono le spese postali e le altre spese documentate sostenute per l'invio "
            f"della presente, addebitate ai sensi dell'Art. 6 c. 9 del {REGOLAMENTO}.",
        )


# -- payment -------------------------------------------------------------------------------------


def come_pagare(
    documento: Documento, *, importo: str = TOTALE, causale: str = "{{ pagamento.causale }}"
) -> None:
    """Treasury account, causale and the pagoPA notice when there is one; never split across pages."""
    paragrafo(documento, TITOLETTO, "Come pagare")
    paragrafo(
        documento,
        INTRODUZIONE,
        "Il pagamento si effettua con bonifico sul conto di tesoreria dell'Azienda, indicando la causale:",
    )
    dati = tabella(documento, (38, LARGHEZZA_TESTO_MM - 38), bordi="riquadro")
    voci = (
        ("Beneficiario", ["{{ pagamento.intestatario }}"]),
        ("IBAN", [Grassetto("{{ pagamento.iban }}")]),
        ("Banca tesoriera", ["{{ ente.tesoriere }}"]),
        ("Causale", [causale]),
        ("Importo", [importo]),
    )
    for etichetta, valore in voci:
        _voce_di_pagamento(dati, etichetta, valore)
    riga_tag(dati, "if pagamento.codice_avviso")
    codice_avviso = [
        "codice avviso ",
        Grassetto("{{ pagamento.codice_avviso }}"),
        " – codice fiscale dell'ente creditore {{ ente.codice_fiscale }}",
    ]
    _voce_di_pagamento(dati, "Avviso pagoPA", codice_avviso)
    riga_tag(dati, "endif")
    tieni_insieme(dati)
    with solo_se(documento, "pagamento.codice_avviso"):
        paragrafo(
            documento,
            NOTA,
            "Con il codice avviso pagoPA si può pagare anche presso banche, uffici postali ed esercizi "
            "abilitati, con l'home banking o con l'app IO.",
        )
    paragrafo(documento, SPAZIO, "")


def _voce_di_pagamento(dati: Any, etichetta: str, valore: list[str]) -> None:
    etichetta_, _ = riga(dati, [[Grassetto(etichetta)], valore], stile=CELLA)
    sfondo_cella(etichetta_, SFONDO_ETICHETTA)


def gia_pagato(documento: Documento, *, avviso: bool = False) -> None:
    """What to do if already paid: send the receipt, citing the reference."""
    apertura = (
        "Se ha già provveduto al pagamento, non tenga conto della presente; Le saremo grati se vorrà "
        "inviare copia della ricevuta"
        if avviso
        else "Se ha già provveduto al pagamento, La preghiamo di inviare copia della ricevuta"
    )
    paragrafo(
        documento,
        CORPO,
        f"{apertura} a {SCRIVERE_A}, citando il riferimento {{{{ lettera.riferimento }}}}.",
    )


# -- objections, contacts, responsabile ----------------------------------------------------------


def contestazione(documento: Documento, *, articolo: str) -> None:
    """Art. 5 c. 6 / Art. 6 c. 11: to whom, how, within which term; who decides."""
    paragrafo(
        documento,
        CORPO,
        "Se ritiene che la somma richiesta non sia dovuta, in tutto o in parte, può presentare entro lo "
        "stesso termine una contestazione scritta e motivata, con la documentazione a sostegno, a "
        f"{{{{ struttura.denominazione }}}} ({SCRIVERE_A}). La contestazione è verificata dal servizio "
        f"che ha emesso il documento di addebito e l'esito Le sarà comunicato per iscritto ({articolo}).",
    )


def informazioni(documento: Documento) -> None:
    """Whom to call; the responsabile del procedimento (L. 241/1990) and where to see the documents."""
    paragrafo(
        documento,
        CORPO,
        "Per informazioni e chiarimenti può rivolgersi a {{ struttura.denominazione }}: "
        "tel. {{ struttura.telefono }}, e-mail {{ struttura.email }}"
        "{% if struttura.orari %} (orari di apertura al pubblico: {{ struttura.orari }}){% endif %}. "
        "Responsabile del procedimento (artt. 5-8 della L. 241/1990) è {{ struttura.responsabile.nome }}, "
        "{{ struttura.responsabile.qualifica }}; gli atti possono essere consultati presso "
        "{{ struttura.denominazione }}"
        "{% if struttura.indirizzo %}, {{ struttura.indirizzo.via }}, {{ struttura.indirizzo.cap }} "
        "{{ struttura.indirizzo.comune }}{% endif %}, previo appuntamento.",
    )


# -- demand, default, instalments ----------------------------------------------------------------


def diffida(documento: Documento, *, intimazione: str) -> None:
    """Art. 6 c. 7: the demand, default (art. 1219 c.c.), prescription (art. 2943 c.c.), ruolo (Art. 8)."""
    paragrafo(
        documento,
        CORPO,
        intimazione,
        Grassetto(TOTALE),
        " entro ",
        Grassetto(TERMINE_DAL_RICEVIMENTO),
        " della presente, con le modalità indicate di seguito.",
    )
    paragrafo(
        documento,
        CORPO,
        "La presente costituisce formale atto di costituzione in mora ai sensi dell'art. 1219 del codice "
        "civile e interrompe la prescrizione del credito ai sensi dell'art. 2943 del codice civile "
        f"(Art. 6 c. 7 del {REGOLAMENTO}).",
    )
    ruolo_se_non_paga(documento)


def ruolo_se_non_paga(documento: Documento, *, rateizzazione_possibile: bool = True) -> None:
    """Art. 8: what follows an unanswered demand, said once, as a fact."""
    rate = ", o senza che sia stata chiesta la rateizzazione," if rateizzazione_possibile else ","
    paragrafo(
        documento,
        CORPO,
        f"Decorso inutilmente il termine senza che il pagamento sia stato effettuato o documentato{rate} "
        "l'Azienda procederà al recupero coattivo del credito mediante iscrizione a ruolo tramite la "
        "società incaricata della riscossione (Art. 8); la somma iscritta a ruolo comprenderà, oltre al "
        "credito, gli interessi al tasso applicato dal Tesoriere e le ulteriori spese di riscossione "
        "(Art. 8 c. 6).",
    )


def rate_possibili(documento: Documento) -> None:
    """Art. 7 c. 1-5: instalments on a motivated request within the same term, with their limits."""
    paragrafo(documento, TITOLETTO, "Pagamento a rate")
    paragrafo(
        documento,
        CORPO,
        f"Entro lo stesso termine di {TERMINE_DAL_RICEVIMENTO} può chiedere di pagare a rate, con "
        "richiesta scritta e motivata a {{ struttura.denominazione }} (Art. 7 c. 1). La rateizzazione è "
        "concessa con accordo scritto, di norma fino a un massimo di 24 rate mensili di importo non "
        "inferiore a 50,00 € ciascuna; all'importo rateizzato si aggiungono le spese addebitate e, per "
        "piani oltre i 12 mesi, gli interessi al tasso applicato dal Tesoriere per le anticipazioni di "
        "cassa (Art. 7 cc. 2, 4 e 5).",
    )


# -- closing -------------------------------------------------------------------------------------


def saluti_e_firma(documento: Documento, saluto: str, *, firmatario: str) -> None:
    """Greeting and signature block: ``firmatario`` is ``ente.firmatario`` or ``struttura.responsabile``.

    Under the signature, the note on the original: for PEC the PDF itself (CAD); on paper the
    printed signature of mass mailings (D.Lgs. 39/1993).
    """
    paragrafo(documento, SALUTI, saluto).paragraph_format.keep_with_next = True
    paragrafo(documento, FIRMA, f"{{{{ {firmatario}.qualifica }}}}").paragraph_format.keep_with_next = True
    paragrafo(
        documento, FIRMA, Grassetto(f"{{{{ {firmatario}.nome }}}}")
    ).paragraph_format.keep_with_next = True
    paragrafo(
        documento,
        NOTA_FIRMA,
        '{% if lettera.canale == "pec" %}Documento informatico originale trasmesso a mezzo PEC '
        "(D.Lgs. 82/2005)"
        "{% else %}Firma autografa sostituita a mezzo stampa ai sensi dell'art. 3, c. 2, del D.Lgs. 39/1993"
        "{% endif %}",
    )


def privacy(documento: Documento) -> None:
    """GDPR art. 6 par. 1 lett. c) and e); the full notice (artt. 13-14) is published online."""
    nota = paragrafo(
        documento,
        NOTA,
        Grassetto("Informativa sul trattamento dei dati personali. "),
        "I dati personali sono trattati da {{ ente.denominazione }}, titolare del trattamento, al solo "
        "fine di recuperare il credito, per adempiere a obblighi di legge e per l'esecuzione di compiti "
        "di interesse pubblico (art. 6, par. 1, lett. c) ed e), del Regolamento (UE) 2016/679 - GDPR). "
        "Lei può esercitare i diritti previsti dagli artt. 15-22 del GDPR. L'informativa completa "
        "(artt. 13 e 14 del GDPR) è pubblicata all'indirizzo {{ ente.informativa_privacy }}.",
    )
    nota.paragraph_format.space_before = Pt(6)
    nota.paragraph_format.keep_together = True
    filetto_sopra(nota)
