"""Rendering results for people: Rich tables, Italian amounts (1.234,56 €) and dates (31/12/2026).

Only the CLI calls this; ``--json`` output bypasses it entirely.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from corrispondenza.canali.coda import EsitoInvio
from corrispondenza.dominio.euro import formatta_euro
from corrispondenza.genera import EsitoGenerazione
from corrispondenza.importa.motore import EsitoImportazione
from corrispondenza.orologio import FUSO_ITALIA
from corrispondenza.ricevute.imap import EsitoRicevute

MASSIMO_ERRORI_A_VIDEO = 200


def ora_locale(iso: str) -> str:
    """Journal times are stored in UTC and shown in Italian local time."""
    return datetime.fromisoformat(iso).astimezone(FUSO_ITALIA).strftime("%d/%m/%Y %H:%M:%S")


def euro(testo: str) -> str:
    return formatta_euro(Decimal(testo))


def data(iso: str | None) -> str:
    return date.fromisoformat(iso[:10]).strftime("%d/%m/%Y") if iso else ""


def esito_importazione(out: Console, err: Console, esito: EsitoImportazione, solo_validi: bool) -> None:
    if esito.errori:
        _errori(err, esito)
    conteggi = (
        f"nuovi {esito.nuovi}, aggiornati {esito.aggiornati}, "
        f"invariati {esito.invariati}, scartati {esito.scartati}"
    )
    if esito.scritto:
        out.print(f"{esito.file}: importazione n. {esito.importazione_id} completata ({conteggi}).")
    elif esito.errori and not solo_validi:
        err.print("Nessuna modifica al database. Correggere il file, oppure usare --solo-validi.")
    elif esito.errori and not esito.validi:
        err.print("Nessuna modifica al database: nessuna riga valida da importare.")
    else:
        out.print(f"{esito.file}: nessuna modifica, i dati sono già presenti ({conteggi}).")


def _errori(err: Console, esito: EsitoImportazione) -> None:
    righe = len({p.riga for p in esito.errori})
    err.print(f"{esito.file}: {len(esito.errori)} errori in {righe} righe.")
    tabella = Table("riga", "colonna", "valore", "motivo", show_lines=False)
    for p in esito.errori[:MASSIMO_ERRORI_A_VIDEO]:
        tabella.add_row(str(p.riga or ""), p.colonna or "", p.valore or "", p.motivo)
    err.print(tabella)
    if len(esito.errori) > MASSIMO_ERRORI_A_VIDEO:
        altri = len(esito.errori) - MASSIMO_ERRORI_A_VIDEO
        err.print(f"... e altri {altri} errori: usare --json per l'elenco completo.")


def scheda(out: Console, dati: dict[str, Any]) -> None:
    """A debtor's page: identity, relations, credits with residuals, letters, journal."""
    sog = dati["soggetto"]
    out.print(f"[bold]{sog['nominativo']}[/]  {sog['codice_fiscale']}  ({sog['tipo']})", markup=True)
    for etichetta, valore in (
        ("Nato/a il", data(sog["data_nascita"])),
        ("Residenza", sog["residenza"]),
        ("Domicilio", sog["domicilio"]),
        ("E-mail", sog["email"]),
        ("PEC", sog["pec"]),
        ("Deceduto/a il", data(sog["deceduto_il"])),
        ("Fallimento dal", data(sog["fallimento_il"])),
    ):
        if valore:
            out.print(f"  {etichetta}: {valore}")
    for rel in dati["relazioni"]:
        quota = f" (quota {rel['quota']})" if rel["quota"] else ""
        verso = "ha come" if rel["ruolo_dell_altro"] == "collegato" else "è"
        out.print(f"  {verso} {rel['relazione']}{quota}: {rel['nominativo']} {rel['codice_fiscale']}")
    out.print(_tabella_crediti(dati))
    for credito in dati["crediti"]:
        for lettera in credito["lettere"]:
            out.print(f"  {credito['id_credito']}: {_descrivi_lettera(lettera)}")
        for pag in credito["pagamenti"]:
            out.print(
                f"  {credito['id_credito']}: pagamento {euro(pag['importo'])} "
                f"del {data(pag['data'])} ({pag['riferimento']})"
            )
    if dati["giornale"]:
        out.print("[bold]Giornale[/]", markup=True)
        for e in dati["giornale"]:
            out.print(f"  {ora_locale(e['quando'])}  {e['operatore']}  {e['cosa']}: {e['perche']}")


def _descrivi_lettera(lettera: dict[str, Any]) -> str:
    """A sent letter with its outcome, or a planned one with its lotto and state."""
    testa = f"{lettera['tipo']} via {lettera['canale']}"
    if lettera["data_invio"] is None:
        return f"{testa}, nel lotto {lettera['lotto']} ({lettera['stato']})"
    consegna = f", consegnata il {data(lettera['data_consegna'])}" if lettera["data_consegna"] else ""
    ricevute = "".join(
        f"\n      ricevuta {r['tipo']} del {r['data'][:19].replace('T', ' ')} ({r['data'][19:]}), "
        f"firma {r['firma']}, prova {r['prova']}"
        for r in lettera.get("ricevute", [])
        if r["data"]
    )
    return f"{testa} del {data(lettera['data_invio'])} ({lettera['esito']}{consegna}){ricevute}"


def _tabella_crediti(dati: dict[str, Any]) -> Table:
    tabella = Table(
        "credito", "struttura", "tipo", "documento", "importo", "pagato", "residuo", "stato", "fase"
    )
    for c in dati["crediti"]:
        documento = " del ".join(x for x in (c["numero_documento"], data(c["data_documento"])) if x)
        tabella.add_row(
            c["id_credito"],
            c["struttura"],
            c["tipo"],
            documento,
            euro(c["importo"]),
            euro(c["pagato"]),
            euro(c["residuo"]),
            c["stato"],
            c["fase"],
        )
    totali = dati["totali"]
    tabella.add_row(
        "Totale", "", "", "", euro(totali["importo"]), euro(totali["pagato"]), euro(totali["residuo"]), "", ""
    )
    return tabella


def riepilogo(out: Console, dati: dict[str, Any]) -> None:
    out.print(
        f"Soggetti: {dati['soggetti']}   Crediti: {dati['crediti']}   "
        f"Importo: {euro(dati['importo'])}   Residuo: {euro(dati['residuo'])}"
    )
    for gruppo, titolo in (("per_tipo", "tipo"), ("per_fase", "fase"), ("per_stato", "stato")):
        tabella = Table(titolo, "crediti", "importo", "residuo", title=f"Per {titolo}")
        for voce in dati[gruppo]:
            etichetta = voce[titolo] + (f" — {voce['descrizione']}" if "descrizione" in voce else "")
            tabella.add_row(etichetta, str(voce["crediti"]), euro(voce["importo"]), euro(voce["residuo"]))
        out.print(tabella)
    lettere = dati.get("lettere")
    if lettere and lettere["per_stato"]:
        stati = ", ".join(f"{n} {k}" for k, n in lettere["per_stato"].items())
        esiti = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in lettere["per_esito"].items()) or "nessuna"
        out.print(f"Lettere dei lotti: {stati}. Esito delle inviate: {esiti}.")
        if lettere["di_ripiego"]:
            out.print(
                "Lettere di ripiego (altro canale dopo una mancata consegna, Art. 6 c. 11): "
                f"{lettere['di_ripiego']}"
            )


def lotto(out: Console, dati: dict[str, Any]) -> None:
    """The review table: every letter with recipient, channel, amounts and why; then who is left
    out, grouped by reason with the article; then the reports for the other offices."""
    out.print(
        f"[bold]Lotto {dati['lotto']}[/] del {data(dati['data'])} — stato: {dati['stato']}", markup=True
    )
    tabella = Table(title=f"{len(dati['lettere'])} lettere proposte")
    for nome in ("lettera", "tipo", "canale", "destinatario", "ruolo", "crediti"):
        tabella.add_column(nome, no_wrap=True)
    for nome in ("principale", "spese", "totale"):
        tabella.add_column(nome, justify="right", no_wrap=True, min_width=11)
    tabella.add_column("perché", overflow="ellipsis", no_wrap=True, max_width=40)
    totale = Decimal("0.00")
    for x in dati["lettere"]:
        importi = x["importi"]
        totale += Decimal(importi["totale"])
        primo = x["motivi"][0] if x["motivi"] else {"articolo": "", "testo": ""}
        tabella.add_row(
            str(x["id"]),
            x["tipo"],
            x["canale"],
            x["destinatario"]["codice_fiscale"],
            x["destinatario"]["ruolo"],
            str(len(x["crediti"])),
            euro(importi["principale"]),
            euro(importi["spese"]),
            euro(importi["totale"]),
            f"Art. {primo['articolo']}: {primo['testo']}",
        )
    tabella.add_row("Totale", "", "", "", "", "", "", "", formatta_euro(totale), "")
    out.print(tabella)
    _differenze(out, dati)
    _esclusi(out, dati["esclusi"])
    _segnalazioni(out, dati["segnalazioni"])


def _differenze(out: Console, dati: dict[str, Any]) -> None:
    for x in dati["lettere"]:
        for d in x.get("differenze", []):
            out.print(
                f"[yellow]Attenzione:[/] lettera {x['id']}, credito {d['credito']}: importo congelato "
                f"{euro(d['congelato'])}, residuo attuale {euro(d['attuale'])}",
                markup=True,
            )


def _esclusi(out: Console, esclusi: list[dict[str, Any]]) -> None:
    gruppi: dict[tuple[str, str], list[str]] = {}
    for e in esclusi:
        gruppi.setdefault((e["articolo"], _senza_date(e["motivo"])), []).append(e["credito"])
    tabella = Table("articolo", "motivo", "crediti", "esempi", title=f"{len(esclusi)} crediti esclusi")
    for (articolo, motivo), crediti in sorted(gruppi.items(), key=lambda g: -len(g[1])):
        tabella.add_row(
            f"Art. {articolo}" if articolo[0].isdigit() else articolo,
            motivo,
            str(len(crediti)),
            ", ".join(crediti[:3]),
        )
    out.print(tabella)


def _senza_date(motivo: str) -> str:
    """Group 'avviso possibile dal 15/01/2027' with its siblings of other days."""
    senza_importi = re.sub(r"\d+(\.\d{3})*,\d{2} €", "…", motivo)
    return re.sub(r"\d+", "…", re.sub(r"\d{2}/\d{2}/\d{4}", "…", senza_importi))


def _segnalazioni(out: Console, segnalazioni: list[dict[str, Any]]) -> None:
    if not segnalazioni:
        return
    conteggi: dict[str, int] = {}
    for x in segnalazioni:
        conteggi[x["tipo"]] = conteggi.get(x["tipo"], 0) + 1
    elenco = ", ".join(f"{tipo} {n}" for tipo, n in sorted(conteggi.items()))
    out.print(f"Segnalazioni: {elenco}. Elenchi per gli uffici: corrispondenza segnalazioni --tipo TIPO")


def esito_generazione(out: Console, esito: EsitoGenerazione) -> None:
    """What ``genera`` produced and where, for the CLI and the demo alike."""
    out.print(
        f"Lotto {esito.lotto}: {esito.generate} lettere generate, {esito.gia_pronte} già pronte, "
        f"{len(esito.fallite)} non riuscite. Lettere in {esito.cartella / 'lettere'}"
    )
    for nome, f in esito.fascicoli.items():
        out.print(f"Da stampare ({nome}): {f.percorso} — {f.lettere} lettere, {f.pagine} pagine")
    if esito.distinta:
        out.print(f"Distinta delle raccomandate: {esito.distinta} e {esito.distinta.with_suffix('.pdf')}")
    for lettera, motivo in sorted(esito.fallite.items()):
        out.print(f"Lettera {lettera} non generata: {motivo}")


def esito_invio(out: Console, esito: EsitoInvio) -> None:
    """What ``invia`` did, and each letter a person must look at, with the reason."""
    inviate = ", ".join(f"{n} {canale}" for canale, n in sorted(esito.inviate.items())) or "nessuna"
    out.print(
        f"Lotto {esito.lotto} ({esito.stato}): inviate ora {inviate}; già inviate prima {esito.gia_inviate}."
    )
    for lettera, come in sorted(esito.risolte.items()):
        out.print(f"Lettera {lettera} rimasta in invio da un'interruzione: {_RISOLTE.get(come, come)}")
    for titolo, voci in (
        ("trattenuta", esito.trattenute),
        ("non inviata", esito.fallite),
        ("da ritentare", esito.da_ritentare),
        ("dall'esito incerto", esito.incerte),
    ):
        for lettera, motivo in sorted(voci.items()):
            out.print(f"Lettera {lettera} {titolo}: {motivo}")
    for canale, motivo in sorted(esito.canali_non_disponibili.items()):
        out.print(f"Canale {canale} non disponibile: {motivo}")


_RISOLTE = {
    "accettata": "il gestore l'aveva accettata (ricevuta trovata), non viene reinviata",
    "non_accettata": "il gestore non l'aveva accettata (ricevuta di non accettazione)",
    "non_presa": "il gestore non l'aveva presa (nessuna ricevuta), viene reinviata",
}


def esito_ricevute(out: Console, esito: EsitoRicevute) -> None:
    """For a person: how many were read, what they did, and each one to look at."""
    effetti = (
        ", ".join(f"{n} {nome}" for nome, n in sorted(esito.effetti.items())) or "nessun messaggio nuovo"
    )
    out.print(f"Ricevute lette: {esito.lette} ({effetti}).")
    for nome in esito.riletture:
        out.print(f"Cartella {nome} rinumerata dal server (UIDVALIDITY): riletta da capo, senza doppioni.")
    for riga in esito.orfane:
        out.print(f"Ricevuta senza lettera corrispondente (conservata): {riga}")
    for riga in esito.illeggibili:
        out.print(f"Messaggio illeggibile (conservato): {riga}")
    if esito.ignorate:
        out.print(
            f"Messaggi che non sono ricevute (buste di trasporto, posta ordinaria): {len(esito.ignorate)}"
        )
