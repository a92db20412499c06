"""The default letter templates: five DOCX files and the PEC/e-mail messages, written by code.

Why code and not five files kept in git: the legal office owns the wording and will rewrite
these letters in Word; what we ship is a *starting point* that is already a real letter of an
Italian health authority (every element LETTERE.md lists for the kind, citing the article of
the Regolamento, of the codice civile, of L. 241/1990 or of the GDPR it rests on) and that is
guaranteed to pass ``modelli verifica``: the tests build every template and check it against
the field catalogue, so the defaults cannot drift from it unnoticed.

Every field comes from ``modelli.campi`` (``PER_TIPO`` for the kind; ``ente`` and
``struttura`` only in headers and footers); optional fields are inside ``{% if %}``; amounts
and dates are printed with ``|euro`` and ``|data``. Tone (safe-recovery guide, point 2):
formal, courteous, firm; facts, terms and consequences, never a threat. No clinical detail: a
credit is its document number and date.

Layout is in ``modelli.impaginazione``, the blocks every letter shares in
``modelli.testi_comuni``; here is what each kind of letter says, and the messages.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml
from docx.document import Document as Documento
from docx.shared import Pt

from corrispondenza.config.schema import FILE_MODELLI
from corrispondenza.dominio.tipi import TipoLettera
from corrispondenza.modelli.impaginazione import (
    CELLA_TESTATA,
    CORPO,
    INTRODUZIONE,
    LARGHEZZA_TESTO_MM,
    SFONDO_TESTATA,
    SPAZIO,
    TITOLETTO,
    VOCE,
    Allinea,
    Grassetto,
    nuovo_documento,
    paragrafo,
    per_ogni,
    riga,
    riga_tag,
    ripeti_come_testata,
    tabella,
    tabulazione_destra,
)
from corrispondenza.modelli.testi_comuni import (
    NUMERI_DOCUMENTO,
    REGOLAMENTO,
    SCRIVERE_A,
    TERMINE_DAL_RICEVIMENTO,
    TOTALE,
    carta_intestata,
    come_pagare,
    contestazione,
    diffida,
    gia_pagato,
    informazioni,
    nota_spese,
    oggetto,
    privacy,
    rate_possibili,
    ruolo_se_non_paga,
    saluti_e_firma,
    tabella_crediti,
    testata,
)

__all__ = [
    "FILE_MESSAGGI",
    "FILE_MODELLI",
    "MESSAGGI",
    "messaggi_yaml",
    "modello_predefinito",
    "scrivi_modelli",
]

FILE_MESSAGGI = "messaggi.yaml"
TITOLI = {
    TipoLettera.AVVISO: "avviso di pagamento",
    TipoLettera.SOLLECITO: "sollecito di pagamento",
    TipoLettera.RATEIZZAZIONE_ACCOLTA: "rateizzazione accolta",
    TipoLettera.RATEIZZAZIONE_RESPINTA: "rateizzazione respinta",
    TipoLettera.EREDI: "lettera agli eredi",
}
"""The messages file; ``FILE_MODELLI`` (kind → DOCX file name) is config.yaml's default, re-exported."""


# -- public API ----------------------------------------------------------------------------------


def scrivi_modelli(cartella: Path, *, sovrascrivi: bool = False) -> list[Path]:
    """Write the five default templates and ``messaggi.yaml`` in ``cartella``; return the files written.

    An existing file is the legal office's work and is left alone unless ``sovrascrivi``.
    Files are 0644: templates hold no personal data.
    """
    cartella.mkdir(parents=True, exist_ok=True)
    da_scrivere: list[tuple[str, Callable[[], bytes]]] = [
        (nome, lambda tipo=tipo: modello_predefinito(tipo)) for tipo, nome in FILE_MODELLI.items()
    ]
    da_scrivere.append((FILE_MESSAGGI, lambda: messaggi_yaml().encode("utf-8")))
    scritti = []
    for nome, contenuto in da_scrivere:
        percorso = cartella / nome
        if percorso.exists() and not sovrascrivi:
            continue
        _scrivi_file(percorso, contenuto())
        scritti.append(percorso)
    return scritti


def modello_predefinito(tipo: TipoLettera) -> bytes:
    """The DOCX of the default template of one kind of letter."""
    documento = nuovo_documento(f"Modello predefinito: {TITOLI[tipo]}")
    carta_intestata(documento)
    testata(documento)
    _LETTERE[tipo](documento)
    uscita = io.BytesIO()
    documento.save(uscita)
    return uscita.getvalue()


def _scrivi_file(percorso: Path, contenuto: bytes) -> None:
    """Write through a temporary file and a rename: a crash never leaves half a template."""
    descrittore, temporaneo = tempfile.mkstemp(dir=percorso.parent, prefix=f".{percorso.name}.")
    try:
        with os.fdopen(descrittore, "wb") as file:
            file.write(contenuto)
        Path(temporaneo).chmod(0o644)
        Path(temporaneo).replace(percorso)
    except BaseException:
        Path(temporaneo).unlink(missing_ok=True)
        raise


# -- the five letters ----------------------------------------------------------------------------


def _avviso(documento: Documento) -> None:
    """Art. 5: a courteous reminder with a date; no costs, no interest."""
    oggetto(documento, "Avviso di pagamento")
    paragrafo(
        documento,
        INTRODUZIONE,
        "Dalle verifiche contabili dell'Azienda risulta che i documenti di addebito indicati di seguito "
        "non sono stati pagati, in tutto o in parte, entro la scadenza prevista.",
    )
    tabella_crediti(documento)
    paragrafo(
        documento,
        CORPO,
        "La invitiamo pertanto a pagare l'importo di ",
        Grassetto(TOTALE),
        "{% if lettera.termine %} entro il ",
        Grassetto("{{ lettera.termine|data }}"),
        "{% else %} entro ",
        Grassetto("{{ lettera.termine_giorni }} giorni"),
        " dalla data della presente{% endif %}, con le modalità indicate di seguito (Art. 5 c. 1 del "
        f"{REGOLAMENTO}). "
        "Per il presente avviso non sono addebitati spese postali né interessi; in mancanza di pagamento "
        "o di contestazione entro il termine, l'Azienda invierà il sollecito di pagamento previsto "
        "dall'Art. 6, con l'addebito delle relative spese postali.",
    )
    come_pagare(documento)
    gia_pagato(documento, avviso=True)
    contestazione(documento, articolo="Art. 5 c. 6")
    informazioni(documento)
    saluti_e_firma(
        documento,
        "Ringraziando per la collaborazione, porgiamo distinti saluti.",
        firmatario="struttura.responsabile",
    )
    privacy(documento)


def _sollecito(documento: Documento) -> None:
    """Art. 6: diffida e costituzione in mora; 15 days from receipt; ruolo; instalments."""
    oggetto(documento, "Sollecito di pagamento – diffida e costituzione in mora")
    paragrafo(
        documento,
        INTRODUZIONE,
        "{% if avviso %}Con avviso di pagamento inviato il {{ avviso.data_invio|data }} a mezzo "
        "{{ avviso.modalita }}, l'Azienda{% else %}L'Azienda{% endif %} Le ha chiesto di pagare le somme "
        "dovute per i documenti di addebito indicati di seguito. A oggi il pagamento non risulta "
        "effettuato né documentato, oppure è stato effettuato solo in parte: la tabella riporta, per "
        f"ciascun documento, il solo importo ancora dovuto (Art. 6 c. 3 del {REGOLAMENTO}).",
    )
    tabella_crediti(documento)
    nota_spese(documento)
    paragrafo(documento, TITOLETTO, "Diffida e costituzione in mora")
    diffida(
        documento,
        intimazione="Con la presente, ai sensi dell'Art. 6 c. 7 del Regolamento, La invitiamo formalmente e "
        "La diffidiamo a pagare l'importo complessivo di ",
    )
    rate_possibili(documento)
    come_pagare(documento)
    gia_pagato(documento)
    paragrafo(documento, TITOLETTO, "Contestazioni e informazioni")
    contestazione(documento, articolo="Art. 6 c. 11")
    informazioni(documento)
    saluti_e_firma(documento, "Distinti saluti.", firmatario="ente.firmatario")
    privacy(documento)


def _eredi(documento: Documento) -> None:
    """Art. 6 c. 8: to each heir only their share (art. 752 c.c.); a renunciation ends it."""
    oggetto(
        documento,
        "Comunicazione agli eredi di {{ eredita.defunto }} – richiesta di pagamento della quota ereditaria",
    )
    paragrafo(
        documento,
        CORPO,
        "Desideriamo anzitutto porgerLe le nostre condoglianze per la scomparsa di {{ eredita.defunto }}, "
        "avvenuta il {{ eredita.deceduto_il|data }}, e scusarci per doverLe scrivere in questo momento.",
    )
    paragrafo(
        documento,
        INTRODUZIONE,
        "Alla data del decesso risultavano non pagati i documenti di addebito intestati a "
        "{{ eredita.defunto }} indicati di seguito, per un debito residuo complessivo di ",
        Grassetto("{{ eredita.debito_complessivo|euro }}"),
        ". Ai sensi dell'art. 752 del codice civile i coeredi contribuiscono al pagamento dei debiti "
        "ereditari in proporzione alle rispettive quote. Dalle informazioni in nostro possesso Lei "
        "risulta erede per la quota di {{ eredita.quota }}: a Lei è richiesta soltanto questa parte, "
        "indicata per ciascun documento nell'ultima colonna della tabella (Art. 6 c. 8 del "
        f"{REGOLAMENTO}).",
    )
    tabella_crediti(documento, residuo="Quota a Suo carico")
    nota_spese(documento)
    paragrafo(documento, TITOLETTO, "Richiesta di pagamento")
    diffida(documento, intimazione="La invitiamo pertanto a pagare l'importo di ")
    paragrafo(documento, TITOLETTO, "Rinuncia all'eredità")
    paragrafo(
        documento,
        CORPO,
        "Se ha rinunciato all'eredità (art. 519 c.c.), La preghiamo di inviarci entro lo stesso termine "
        f"copia della dichiarazione di rinuncia, a {SCRIVERE_A}: chi rinuncia non risponde dei debiti "
        "ereditari e, ricevuta la documentazione, nulla Le sarà più richiesto. Se ha accettato "
        "l'eredità con beneficio d'inventario, risponde dei debiti ereditari nei limiti del valore dei "
        "beni ricevuti (art. 490 c.c.). La preghiamo inoltre di segnalarci se la quota indicata non "
        "corrisponde a quella risultante dalla successione.",
    )
    rate_possibili(documento)
    come_pagare(documento)
    gia_pagato(documento)
    paragrafo(documento, TITOLETTO, "Contestazioni e informazioni")
    contestazione(documento, articolo="Art. 6 c. 11")
    informazioni(documento)
    saluti_e_firma(
        documento,
        "Rinnovando le nostre condoglianze, porgiamo distinti saluti.",
        firmatario="ente.firmatario",
    )
    privacy(documento)


def _rateizzazione_accolta(documento: Documento) -> None:
    """Art. 7: the written agreement, the plan, interest beyond 12 rate, one missed rata → ruolo."""
    oggetto(documento, "Accoglimento della richiesta di rateizzazione")
    paragrafo(
        documento,
        INTRODUZIONE,
        "Con riferimento alla Sua richiesta del {{ rateizzazione.data_richiesta|data }}, con la quale ha "
        "chiesto di pagare in {{ rateizzazione.rate_richieste }} rate mensili le somme dovute per i "
        "documenti di addebito indicati di seguito, Le comunichiamo che la richiesta è ",
        Grassetto("accolta"),
        f" ai sensi dell'Art. 7 del {REGOLAMENTO}"
        "{% if rateizzazione.numero_rate != rateizzazione.rate_richieste %}, con un piano di "
        "{{ rateizzazione.numero_rate }} rate mensili: è il numero massimo di rate consentito dai limiti "
        "dell'Art. 7 c. 2 (non più di 24 rate, ciascuna di importo non inferiore a 50,00 €){% endif %}.",
    )
    tabella_crediti(documento)
    paragrafo(
        documento,
        INTRODUZIONE,
        "L'importo rateizzato è di ",
        Grassetto("{{ rateizzazione.importo|euro }}"),
        " (euro {{ rateizzazione.importo|in_lettere }}), comprensivo delle spese già addebitate (Art. 7 c. 4)"
        "{% if rateizzazione.interessi %}. Poiché il piano supera i 12 mesi, sono dovuti interessi per "
        "complessivi {{ rateizzazione.interessi|euro }}"
        "{% if rateizzazione.tasso %}, al tasso annuo del {{ rateizzazione.tasso }}{% endif %} applicato dal "
        "Tesoriere per le anticipazioni di cassa, calcolati sul capitale residuo a rata costante e compresi "
        "in ciascuna rata (Art. 7 c. 5){% endif %}. Il piano di rateizzazione è il seguente:",
    )
    _piano(documento)
    paragrafo(
        documento,
        CORPO,
        "Ciascuna rata va pagata entro la rispettiva scadenza. Resta salva la facoltà di pagare in "
        "qualsiasi momento, in un'unica soluzione, l'intero importo residuo, che "
        "{{ struttura.denominazione }} Le comunicherà su richiesta.",
    )
    paragrafo(documento, TITOLETTO, "Mancato pagamento di una rata")
    paragrafo(
        documento,
        CORPO,
        "Il mancato pagamento anche di una sola rata entro la scadenza fa venir meno la rateizzazione e "
        "consente all'Azienda di procedere all'iscrizione a ruolo dell'intero importo residuo, con gli "
        "interessi e le spese di riscossione (Art. 7 c. 6 e Art. 8 c. 3 del Regolamento).",
    )
    come_pagare(
        documento,
        importo="l'importo della rata, indicato nel piano",
        causale="{{ pagamento.causale }} – rata n. … (indicare il numero della rata)",
    )
    paragrafo(documento, TITOLETTO, "Accordo di rateizzazione")
    paragrafo(
        documento,
        CORPO,
        "La presente, con la Sua richiesta, costituisce l'accordo scritto di rateizzazione previsto "
        "dall'Art. 7 c. 2; copia è trasmessa al Servizio Bilancio. La preghiamo di restituirne una copia "
        f"firmata per accettazione a {{{{ struttura.denominazione }}}} ({SCRIVERE_A}) entro la scadenza "
        "della prima rata.",
    )
    informazioni(documento)
    saluti_e_firma(documento, "Distinti saluti.", firmatario="ente.firmatario")
    _accettazione(documento)
    privacy(documento)


def _piano(documento: Documento) -> None:
    """The instalment plan: number, due date, principal, interest, amount of each rata."""
    piano = tabella(documento, (22, 38, 36, 36, 38))
    colonne = (Allinea.CENTRO, Allinea.CENTRO, Allinea.DESTRA, Allinea.DESTRA, Allinea.DESTRA)
    intestazioni = ["Rata n.", "Scadenza", "Quota capitale", "Quota interessi", "Importo della rata"]
    riga(piano, intestazioni, stile=CELLA_TESTATA, allinea=colonne, sfondo=SFONDO_TESTATA)
    ripeti_come_testata(piano)
    riga_tag(piano, "for r in rateizzazione.rate")
    valori = [
        "{{ r.numero }}",
        '{{ r.scadenza|data("breve") }}',
        "{{ r.capitale|euro }}",
        "{{ r.interessi|euro }}",
    ]
    riga(piano, [*valori, [Grassetto("{{ r.importo|euro }}")]], allinea=colonne)
    riga_tag(piano, "endfor")
    paragrafo(documento, SPAZIO, "")


def _accettazione(documento: Documento) -> None:
    """Where the debtor signs the agreement for acceptance (Art. 7 c. 2)."""
    paragrafo(documento, TITOLETTO, "Per accettazione del piano di rateizzazione")
    paragrafo(
        documento,
        CORPO,
        "Il/La sottoscritto/a {{ destinatario.nominativo }} accetta il piano di rateizzazione sopra indicato "
        "e le condizioni della presente.",
    ).paragraph_format.keep_with_next = True
    firme = paragrafo(
        documento, CORPO, "Luogo e data ____________________\tFirma ______________________________"
    )
    firme.paragraph_format.space_before = Pt(14)
    tabulazione_destra(firme, LARGHEZZA_TESTO_MM)


def _rateizzazione_respinta(documento: Documento) -> None:
    """Art. 7 c. 6: a rejection must be motivated; the amount due, the new term, what follows."""
    oggetto(documento, "Rigetto della richiesta di rateizzazione")
    paragrafo(
        documento,
        CORPO,
        "Con riferimento alla Sua richiesta del {{ rateizzazione.data_richiesta|data }}, con la quale ha "
        "chiesto di pagare in {{ rateizzazione.rate_richieste }} rate mensili le somme dovute per i "
        "documenti di addebito indicati di seguito, Le comunichiamo che la richiesta non può essere "
        "accolta per i seguenti motivi:",
    )
    with per_ogni(documento, "m in rateizzazione.motivi"):
        paragrafo(documento, VOCE, "–\t{{ m.testo }}{% if loop.last %}.{% else %};{% endif %}")
    paragrafo(
        documento,
        INTRODUZIONE,
        f"Il {REGOLAMENTO} consente infatti la rateizzazione se chiesta, con richiesta motivata, entro "
        "15 giorni dal ricevimento del sollecito di pagamento, per non più di 24 rate mensili di importo "
        "non inferiore a 50,00 € ciascuna (Art. 7 cc. 1 e 2, Art. 6 c. 7). Restano pertanto dovute, in "
        "un'unica soluzione, le somme seguenti:",
    )
    tabella_crediti(documento)
    paragrafo(documento, TITOLETTO, "Termine per il pagamento")
    paragrafo(
        documento,
        CORPO,
        "La invitiamo a pagare l'importo di ",
        Grassetto(TOTALE),
        " entro ",
        Grassetto(TERMINE_DAL_RICEVIMENTO),
        " della presente, con le modalità indicate di seguito. La presente è trasmessa nelle forme del "
        "sollecito di pagamento (Art. 7 c. 6) e vale quale rinnovata intimazione di pagamento e "
        "costituzione in mora ai sensi dell'art. 1219 del codice civile, con effetto interruttivo della "
        "prescrizione ai sensi dell'art. 2943 del codice civile.",
    )
    ruolo_se_non_paga(documento, rateizzazione_possibile=False)
    come_pagare(documento)
    gia_pagato(documento)
    paragrafo(documento, TITOLETTO, "Contestazioni e informazioni")
    contestazione(documento, articolo="Art. 6 c. 11")
    informazioni(documento)
    saluti_e_firma(documento, "Distinti saluti.", firmatario="ente.firmatario")
    privacy(documento)


_LETTERE: dict[TipoLettera, Callable[[Documento], None]] = {
    TipoLettera.AVVISO: _avviso,
    TipoLettera.SOLLECITO: _sollecito,
    TipoLettera.RATEIZZAZIONE_ACCOLTA: _rateizzazione_accolta,
    TipoLettera.RATEIZZAZIONE_RESPINTA: _rateizzazione_respinta,
    TipoLettera.EREDI: _eredi,
}


# -- PEC and e-mail messages -------------------------------------------------------------------

_INTESTAZIONE_MESSAGGI = """\
# Messaggi PEC ed e-mail che accompagnano le lettere: la lettera vera e propria è il PDF allegato.
#
# Per ogni tipo di lettera (avviso, sollecito, rateizzazione_accolta, rateizzazione_respinta, eredi):
#   oggetto: l'oggetto del messaggio, su una sola riga. Solo il tipo di lettera e i riferimenti
#            (riferimento della pratica, numeri dei documenti): MAI dettagli sanitari, MAI importi.
#            L'oggetto si legge in ogni elenco di posta, anche da chi non apre il messaggio.
#   testo:   il corpo del messaggio, testo semplice, poche righe: rimanda al PDF allegato, dice
#            chi contattare e, se è così, che l'indirizzo di invio non riceve risposte.
#
# Si usano gli stessi campi dei modelli DOCX (elenco: `corrispondenza modelli campi`) e la stessa
# sintassi: {{ campo }}, {% if campo %}...{% endif %}, i filtri |data e |euro. I campi facoltativi
# (lettera.protocollo, struttura.pec, struttura.orari, ...) vanno sempre racchiusi in {% if %}.
# lettera.canale vale 'pec' per la posta certificata, 'email' per la posta elettronica ordinaria.
# Se la casella PEC da cui si invia è letta dall'ufficio, togliere la frase che dice il contrario.

"""

_PROTOCOLLO = "{% if lettera.protocollo %} (prot. n. {{ lettera.protocollo }}){% endif %}"
_DATA_E_PROTOCOLLO = "{{ lettera.riferimento }} del {{ lettera.data|data }}" + _PROTOCOLLO
_TERMINE_DA_CONSEGNA = (
    "Il termine di {{ lettera.termine_giorni }} giorni indicato nella lettera decorre dal ricevimento "
    "del presente messaggio."
)
_CONTATTI = (
    "Per informazioni: {{ struttura.denominazione }}, tel. {{ struttura.telefono }}, "
    "e-mail {{ struttura.email }}{% if struttura.orari %} ({{ struttura.orari }}){% endif %}."
)
_NON_RISPONDERE = (
    "{% if lettera.canale == 'pec' %}Questa casella PEC è usata solo per l'invio e non è letta: per "
    "rispondere scriva a {{ struttura.email }}"
    "{% if struttura.pec %} o alla PEC {{ struttura.pec }}{% endif %}."
    "{% else %}Questo indirizzo non accetta risposte: per rispondere scriva a "
    "{{ struttura.email }}.{% endif %}"
)
_FIRMA_MESSAGGIO = "Distinti saluti\n{{ struttura.denominazione }} — {{ ente.denominazione }}"


def _messaggio(titolo: str, allegato: str, *righe: str) -> dict[str, str]:
    """Subject (kind and references only) and a short body pointing to the attached PDF."""
    corpo = [
        "Gentile {{ destinatario.nominativo }},",
        "",
        f"in allegato trasmettiamo, in formato PDF, {allegato}.",
        *righe,
        _CONTATTI,
        _NON_RISPONDERE,
        "",
        _FIRMA_MESSAGGIO,
    ]
    oggetto = f"{titolo} — rif. {{{{ lettera.riferimento }}}} — documenti n. {NUMERI_DOCUMENTO}"
    return {"oggetto": oggetto, "testo": "\n".join(corpo) + "\n"}


MESSAGGI: dict[TipoLettera, dict[str, str]] = {
    TipoLettera.AVVISO: _messaggio(
        "Avviso di pagamento",
        f"l'avviso di pagamento {_DATA_E_PROTOCOLLO}: la lettera indica l'importo, il termine e le "
        "modalità di pagamento",
    ),
    TipoLettera.SOLLECITO: _messaggio(
        "Sollecito di pagamento",
        f"il sollecito di pagamento {_DATA_E_PROTOCOLLO}",
        _TERMINE_DA_CONSEGNA,
    ),
    TipoLettera.RATEIZZAZIONE_ACCOLTA: _messaggio(
        "Esito della richiesta di rateizzazione",
        f"la lettera {_DATA_E_PROTOCOLLO} che accoglie la Sua richiesta di rateizzazione del "
        "{{ rateizzazione.data_richiesta|data }}, con il piano delle rate e le scadenze",
        "La preghiamo di restituire la lettera firmata per accettazione, come vi è indicato.",
    ),
    TipoLettera.RATEIZZAZIONE_RESPINTA: _messaggio(
        "Esito della richiesta di rateizzazione",
        f"la risposta {_DATA_E_PROTOCOLLO} alla Sua richiesta di rateizzazione del "
        "{{ rateizzazione.data_richiesta|data }}",
        _TERMINE_DA_CONSEGNA,
    ),
    TipoLettera.EREDI: _messaggio(
        "Comunicazione agli eredi",
        f"la comunicazione {_DATA_E_PROTOCOLLO}, che La preghiamo di leggere con attenzione",
        _TERMINE_DA_CONSEGNA,
    ),
}
"""Subject and body of the PEC or e-mail of each kind, as Jinja text on the catalogue's fields."""


def messaggi_yaml() -> str:
    """``messaggi.yaml``: the messages above under an Italian comment that explains the fields."""
    blocchi = [
        yaml.dump(
            {tipo.value: dict(messaggio)},
            Dumper=_DumperMessaggi,
            allow_unicode=True,
            sort_keys=False,
            width=10_000,
        )
        for tipo, messaggio in MESSAGGI.items()
    ]
    return _INTESTAZIONE_MESSAGGI + "\n".join(blocchi)


class _DumperMessaggi(yaml.SafeDumper):
    """Texts as a person would write them: literal blocks (``|``) for bodies, quotes for Jinja."""


def _testo_yaml(dumper: yaml.SafeDumper, testo: str) -> yaml.ScalarNode:
    stile = "|" if "\n" in testo else '"' if "{" in testo else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", testo, style=stile)


_DumperMessaggi.add_representer(str, _testo_yaml)
