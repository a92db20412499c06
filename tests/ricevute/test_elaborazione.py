"""Reading batches in reader processes gives what reading them here gives, in order, whatever
happens to the readers (ricevute/elaborazione.py)."""

from __future__ import annotations

import os
import signal
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from corrispondenza.ricevute import elaborazione
from corrispondenza.ricevute.elaborazione import Elaboratori, Lettore, elabora
from corrispondenza.ricevute.parser import Classe, Firma, Ricevuta
from corrispondenza.sandbox import ricevute
from corrispondenza.sandbox.certificati import Certificati
from corrispondenza.sandbox.ricevute import Difetto, Firmatario, Invio

QUANDO = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
ORIGINALE = b"From: a@b.test\r\nMessage-ID: <x@asl.test>\r\n\r\nciao\r\n"
LOTTO = 5


@pytest.fixture(scope="module")
def messaggi(firmatario: Firmatario) -> list[bytes]:
    """Forty messages of every sort: receipts valid and altered, envelopes, garbage, a repeat."""
    tutti = []
    for i in range(9):
        invio = Invio(
            "recupero.crediti@pec.asl.test",
            ((f"debitore{i}@pec.esempio.test", "certificato"),),
            f"Sollecito n. {i}",
            f"<lettera-{i}@corrispondenza.asl.test>",
            f"opec.{i}@pec.sandbox.test",
        )
        difetto = Difetto.FIRMA_NON_VALIDA if i == 4 else None
        tutti.append(ricevute.accettazione(firmatario, invio, data=QUANDO, difetto=difetto))
        tutti.append(
            ricevute.avvenuta_consegna(
                firmatario,
                invio,
                destinatario=f"debitore{i}@pec.esempio.test",
                data=QUANDO,
                originale=ORIGINALE,
            )
        )
        tutti.append(ricevute.busta_di_trasporto(firmatario, invio, ORIGINALE, data=QUANDO))
        tutti.append(b"\x00non una mail\xff" * (i + 1))
    tutti += [tutti[1], tutti[5], b"", b"Subject: x\r\n\r\n"]
    assert len(tutti) == 40
    return tutti


@pytest.fixture
def lettore(certificati_sandbox: Certificati, tmp_path: Path) -> Lettore:
    return Lettore.per(tmp_path / "prove", certificati_sandbox.ca_cert)


@pytest.fixture
def attesi(messaggi: list[bytes], certificati_sandbox: Certificati, tmp_path: Path) -> list:
    """What this process alone reads, in another evidence folder."""
    return elabora(Lettore.per(tmp_path / "prove-qui", certificati_sandbox.ca_cert), messaggi)


@pytest.fixture
def elaboratori(lettore: Lettore) -> Iterator[Elaboratori]:
    with Elaboratori(lettore, 2) as e:
        yield e


def _pronti(e: Elaboratori, secondi: float = 30) -> None:
    limite = time.monotonic() + secondi
    while not all(x.pronto for x in e._processi):
        assert time.monotonic() < limite, "i processi di lettura non sono partiti"
        time.sleep(0.02)


def _leggi_tutto(e: Elaboratori, messaggi: list[bytes], prima_di_ricevere=None) -> list:
    """The caller's loop (``imap._cartella``): send while not full, receive the oldest."""
    letti = []
    for i, inizio in enumerate(range(0, len(messaggi), LOTTO)):
        if e.pieno:
            letti += e.ricevi()
        e.invia(messaggi[inizio : inizio + LOTTO])
        if prima_di_ricevere is not None:
            prima_di_ricevere(i)
    while e._attesi:
        letti += e.ricevi()
    return letti


def test_i_lettori_danno_gli_stessi_risultati_di_questo_processo_nello_stesso_ordine(
    elaboratori: Elaboratori, lettore: Lettore, messaggi: list[bytes], attesi: list
) -> None:
    _pronti(elaboratori)
    assert elaboratori.in_altri_processi == 2
    letti = _leggi_tutto(elaboratori, messaggi)
    assert elaboratori.messaggi_altrove == len(messaggi)  # every batch was read there
    assert letti == attesi
    classi = {r.classe for r, _ in letti}
    assert {Classe.RICEVUTA, Classe.ILLEGGIBILE} <= classi
    assert {r.firma for r, _ in letti} >= {Firma.VALIDA, Firma.NON_VALIDA}
    for _, prova in letti:  # the evidence is on disk, 0600, with the bytes as fetched
        percorso = lettore.archivio / prova.percorso
        assert stat.S_IMODE(percorso.stat().st_mode) == 0o600


def _morto(pid: int, secondi: float = 10) -> None:
    """Wait until ``pid`` has ended (a forked reader is not our child: it is reaped by the first,
    so until then it is a zombie)."""
    limite = time.monotonic() + secondi
    while True:
        try:
            stato = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return
        if stato in ("Z", "X"):
            return
        assert time.monotonic() < limite, f"il processo {pid} non è terminato"
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("quale", "al_lotto"),
    [(0, 2), (1, 3)],  # the third batch goes to the first reader, the fourth to the forked one
    ids=["il-primo", "uno-generato-dal-primo"],
)
def test_un_lettore_ucciso_a_meta_lotto_il_lotto_e_letto_qui_e_poi_tutti_gli_altri(
    elaboratori: Elaboratori, messaggi: list[bytes], attesi: list, quale: int, al_lotto: int
) -> None:
    _pronti(elaboratori)
    pid = elaboratori._processi[quale].pid
    assert pid is not None

    def uccidi(i: int) -> None:
        if i == al_lotto:  # the reader dies with the batch it was just given
            os.kill(pid, signal.SIGKILL)
            _morto(pid)

    assert _leggi_tutto(elaboratori, messaggi, uccidi) == attesi
    assert 0 < elaboratori.messaggi_altrove < len(messaggi)
    assert elaboratori.in_altri_processi == 0  # after a failure nothing more goes out


def test_un_lettore_muto_e_fermato_dopo_l_attesa(
    elaboratori: Elaboratori, messaggi: list[bytes], attesi: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(elaborazione, "ATTESA_SECONDI", 0.5)
    _pronti(elaboratori)
    avvio = elaboratori._avvio
    assert avvio is not None and elaboratori._processi[0].pid == avvio.pid
    avvio.send_signal(signal.SIGSTOP)  # the first reader: alive, never answers
    try:
        assert _leggi_tutto(elaboratori, messaggi) == attesi
    finally:
        if avvio.poll() is None:
            avvio.send_signal(signal.SIGCONT)
    assert avvio.wait(5) == -signal.SIGKILL  # stopped for good


def test_finche_nessun_lettore_e_pronto_si_legge_qui(
    elaboratori: Elaboratori, messaggi: list[bytes], attesi: list
) -> None:
    avvio = elaboratori._avvio
    assert avvio is not None
    avvio.send_signal(signal.SIGSTOP)  # held before its imports are done (about 0.2 s)
    primi = _leggi_tutto(elaboratori, messaggi[:20])
    assert elaboratori.messaggi_altrove == 0 and elaboratori.in_altri_processi == 2
    avvio.send_signal(signal.SIGCONT)
    _pronti(elaboratori)
    assert primi + _leggi_tutto(elaboratori, messaggi[20:]) == attesi
    assert elaboratori.messaggi_altrove == 4 * LOTTO


def test_un_lettore_che_non_parte_lascia_leggere_qui(
    lettore: Lettore, messaggi: list[bytes], attesi: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(elaborazione.sys, "executable", "/nonexistent/python")
    with Elaboratori(lettore, 2) as e:
        assert e.in_altri_processi == 0
        assert _leggi_tutto(e, messaggi) == attesi


def test_chiusi_i_lettori_finiscono(lettore: Lettore) -> None:
    with Elaboratori(lettore, 2) as e:
        _pronti(e)
        avvio = e._avvio
        pid = e._processi[1].pid
    assert avvio is not None and pid is not None and pid != avvio.pid
    # they saw the pipe closed and ended by themselves: the first exits 0 only if the one it
    # forked did too, and it reaped it
    assert avvio.poll() == 0
    assert not Path(f"/proc/{pid}").exists()


def test_i_lettori_sono_un_interprete_nuovo_e_uno_generato_da_esso(
    elaboratori: Elaboratori,
) -> None:
    """The imports are done once: the second reader is forked by the first, not by us."""
    _pronti(elaboratori)
    primo, secondo = (x.pid for x in elaboratori._processi)
    assert primo == elaboratori._avvio.pid
    padre = Path(f"/proc/{secondo}/stat").read_text().rsplit(")", 1)[1].split()[1]
    assert int(padre) == primo


def test_un_lettore_non_eredita_descrittori(elaboratori: Elaboratori) -> None:
    """A new interpreter, or a fork of it, with only its two pipes: no socket, no database file
    of the parent, no pipe of the other reader."""
    _pronti(elaboratori)
    for processo in elaboratori._processi:
        aperti = sorted(int(fd.name) for fd in Path(f"/proc/{processo.pid}/fd").iterdir())
        assert len([fd for fd in aperti if fd > 2]) == 2, aperti


def test_le_ricevute_tornano_dai_lettori_uguali_a_quelle_lette(attesi: list) -> None:
    """The parent rebuilds each receipt from its fields without ``__init__``: equal, field by
    field, to the one read (and to ``Ricevuta(*campi)``)."""
    for ricevuta, _ in attesi:
        campi = elaborazione._campi(ricevuta)
        rifatta = elaborazione._ricevuta(campi)
        assert rifatta == ricevuta == Ricevuta(*campi)
        assert repr(rifatta) == repr(ricevuta) and hash(rifatta) == hash(ricevuta)
    with pytest.raises(ValueError, match="zip"):
        elaborazione._ricevuta(campi[:-1])
