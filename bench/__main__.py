"""``python -m bench [--rapido]``: measure, compare with a same-run baseline, write JSON.

Every figure is ``{"valore", "unita", "baseline", "rapporto", "obiettivo"}`` where
``rapporto`` is oriented so that higher is better (our throughput ÷ the baseline's). Timed
assertions never live in the test suite; targets live here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.generazione import misura_generazione
from bench.importazione import misura_importazione
from bench.invio import misura_invio
from bench.pianificazione import misura_pianificazione
from bench.ricevute import misura_ricevute

CARTELLA = Path(__file__).parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--rapido", action="store_true", help="input più piccoli (meno di due minuti)")
    parser.add_argument(
        "--solo",
        choices=("importazione", "pianificazione", "generazione", "invio", "ricevute"),
        action="append",
        help="solo queste misure",
    )
    args = parser.parse_args(argv)
    n_crediti = 10_000 if args.rapido else 100_000
    misure = {
        "importazione": lambda: misura_importazione(n_crediti),
        "pianificazione": lambda: misura_pianificazione(n_crediti),
        "generazione": lambda: (
            misura_generazione(100, 500) if args.rapido else misura_generazione(1000, 10_000)
        ),
        "invio": lambda: misura_invio(50 if args.rapido else 160),
        "ricevute": lambda: misura_ricevute(1000 if args.rapido else 10_000),
    }
    risultati = {}
    for nome, misura in misure.items():
        if not args.solo or nome in args.solo:
            risultati.update(misura())
    destinazione = CARTELLA / ("risultati-rapidi.json" if args.rapido else "risultati.json")
    destinazione.write_text(json.dumps(risultati, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _stampa(risultati, destinazione)
    return 0


def _stampa(risultati: dict, destinazione: Path) -> None:
    tabella = Table("misura", "valore", "baseline", "rapporto", "obiettivo", title="Benchmark")
    for nome, r in risultati.items():
        tabella.add_row(
            nome,
            _cifra(r["valore"], r["unita"]),
            _cifra(r["baseline"], r["unita"]),
            f"{r['rapporto']:.2f}",
            r["obiettivo"],
        )
    console = Console(width=120)
    console.print(tabella)
    console.print(f"Risultati in {destinazione}")


def _cifra(valore: float, unita: str) -> str:
    return f"{valore:,.3f} {unita}" if unita == "s" else f"{valore:,.0f} {unita}"


if __name__ == "__main__":
    sys.exit(main())
