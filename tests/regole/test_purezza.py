"""STYLE.md, "Pure core": regole/ and dominio/ import nothing that does I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACCHETTO = Path(__file__).resolve().parents[2] / "corrispondenza"
VIETATI = (
    "corrispondenza.store",
    "corrispondenza.importa",
    "corrispondenza.cli",
    "corrispondenza.orologio",
    "corrispondenza.consulta",
    "sqlalchemy",
    "smtplib",
    "imaplib",
    "imapclient",
    "subprocess",
    "socket",
    "os",
    "pathlib",
    "requests",
)


def moduli_puri() -> list[Path]:
    return sorted([*(PACCHETTO / "regole").glob("*.py"), *(PACCHETTO / "dominio").glob("*.py")])


@pytest.mark.parametrize("modulo", moduli_puri(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_il_nucleo_non_fa_io(modulo: Path) -> None:
    albero = ast.parse(modulo.read_text(encoding="utf-8"))
    importati = {a.name for n in ast.walk(albero) if isinstance(n, ast.Import) for a in n.names} | {
        n.module or "" for n in ast.walk(albero) if isinstance(n, ast.ImportFrom)
    }
    vietati = {i for i in importati for v in VIETATI if i == v or i.startswith(v + ".")}
    assert not vietati, f"{modulo.name} importa {sorted(vietati)}"


@pytest.mark.parametrize("modulo", moduli_puri(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_il_nucleo_non_legge_l_orologio(modulo: Path) -> None:
    testo = modulo.read_text(encoding="utf-8")
    for chiamata in ("date.today(", "datetime.now(", "datetime.today(", "time.time("):
        assert chiamata not in testo, f"{modulo.name} legge l'orologio ({chiamata})"
