"""The receipts kept as evidence (ricevute/prove.py): content-addressed, whole, 0600 in 0700.

RICEVUTE.md: the raw bytes are the only input a signature check can use, so the file under a
receipt's hash must hold exactly those bytes, whatever was left on disk before.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from corrispondenza.ricevute import prove
from corrispondenza.ricevute.prove import conserva, conserva_tutte

UNA = b"From: posta-certificata@pec.example.it\r\nX-Ricevuta: accettazione\r\n\r\nuna\r\n"
ALTRA = b"From: posta-certificata@pec.example.it\r\nX-Ricevuta: avvenuta-consegna\r\n\r\naltra\r\n"


def _modo(percorso: Path) -> int:
    return stat.S_IMODE(percorso.stat().st_mode)


def test_ogni_ricevuta_sotto_il_suo_hash_0600_in_cartelle_0700(tmp_path: Path) -> None:
    archivio = tmp_path / "ricevute"
    [una, altra, di_nuovo] = conserva_tutte(archivio, [UNA, ALTRA, UNA])
    assert una == di_nuovo and una.sha256 == hashlib.sha256(UNA).hexdigest()
    for prova, grezzo in ((una, UNA), (altra, ALTRA)):
        file = archivio / prova.percorso
        assert file.read_bytes() == grezzo
        assert _modo(file) == 0o600 and _modo(file.parent) == 0o700
    assert sorted(p.name for p in archivio.rglob("*") if p.is_file()) == sorted(
        [f"{una.sha256}.eml", f"{altra.sha256}.eml"]
    )


def test_la_stessa_ricevuta_letta_di_nuovo_non_riscrive_il_file(tmp_path: Path) -> None:
    prova = conserva(tmp_path, UNA)
    file = tmp_path / prova.percorso
    prima = file.stat()
    assert conserva(tmp_path, UNA) == prova
    dopo = file.stat()
    assert (dopo.st_ino, dopo.st_mtime_ns) == (prima.st_ino, prima.st_mtime_ns)


@pytest.mark.parametrize(
    "rimasto",
    [b"", UNA[:20], UNA[:-1] + b"X"],  # a power cut mid-write: empty, half, or same size but other bytes
    ids=["vuoto", "a_metà", "stessa_lunghezza_altri_byte"],
)
def test_un_file_rimasto_a_metà_viene_sostituito_intero(tmp_path: Path, rimasto: bytes) -> None:
    """The name was taken by a file never recorded (a crash before the flush): it is replaced."""
    nome = prove.Prova(hashlib.sha256(UNA).hexdigest()).nome
    file = tmp_path / nome
    file.parent.mkdir(mode=0o700)
    file.write_bytes(rimasto)
    file.chmod(0o644)
    conserva(tmp_path, UNA)
    assert file.read_bytes() == UNA and _modo(file) == 0o600
    assert [p.name for p in file.parent.iterdir()] == [file.name]  # no temporary file left


def test_una_cartella_esistente_più_aperta_viene_ristretta(tmp_path: Path) -> None:
    nome = prove.Prova(hashlib.sha256(UNA).hexdigest()).nome
    cartella = (tmp_path / nome).parent
    cartella.mkdir(mode=0o755)
    cartella.chmod(0o755)
    conserva(tmp_path, UNA)
    assert _modo(cartella) == 0o700


def test_un_file_non_regolare_al_posto_della_ricevuta_è_un_errore(tmp_path: Path) -> None:
    """A folder where the evidence should be: never applied as if it were kept."""
    nome = prove.Prova(hashlib.sha256(UNA).hexdigest()).nome
    (tmp_path / nome).mkdir(parents=True)
    with pytest.raises(OSError):
        conserva(tmp_path, UNA)


def test_il_lotto_è_a_disco_prima_del_ritorno(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One flush per batch, after every file is written, and none when nothing new was written."""
    scritti: list[list[str]] = []
    vero = prove._a_disco

    def spia(archivio: Path, percorsi: list[str]) -> None:
        scritti.append(sorted(p for p in os.listdir(archivio) if len(p) == 2))  # noqa: PTH208
        vero(archivio, percorsi)

    monkeypatch.setattr(prove, "_a_disco", spia)
    [una, altra] = conserva_tutte(tmp_path, [UNA, ALTRA])
    assert scritti == [sorted({una.sha256[:2], altra.sha256[:2]})]
    conserva_tutte(tmp_path, [UNA, ALTRA])
    assert len(scritti) == 1


def test_senza_syncfs_ogni_file_nuovo_e_cartella_ha_il_suo_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where there is no syncfs (not Linux), the fallback must be given every new file."""
    monkeypatch.setattr(prove, "_SYNCFS", None)
    sincronizzati: list[str] = []
    vero = os.fsync

    def spia(descrittore: int) -> None:
        sincronizzati.append(str(Path(f"/proc/self/fd/{descrittore}").readlink()))
        vero(descrittore)

    monkeypatch.setattr(prove.os, "fsync", spia)
    [una, altra] = conserva_tutte(tmp_path, [UNA, ALTRA])
    attesi = {str(tmp_path / p.nome) for p in (una, altra)} | {
        str((tmp_path / p.nome).parent) for p in (una, altra)
    }
    assert attesi <= set(sincronizzati)
