"""``corrispondenza consegne FILE``: the returned A/R cards (Art. 6 c. 10–11).

An import like the others (``importa/consegne.py``): every bad row reported at once, nothing
written on errors unless ``--solo-validi``, the same ``--json`` shape and exit codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corrispondenza.cli.archivio import importa
from corrispondenza.cli.base import OpzioneJson, app


@app.command()
def consegne(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV, XLSX o JSON: lettera o raccomandata, esito, data, motivo.")
    ],
    solo_validi: Annotated[
        bool, typer.Option("--solo-validi", help="Registra le righe valide e scarta quelle con errori.")
    ] = False,
    come_json: OpzioneJson = False,
) -> None:
    """Registra le cartoline A/R tornate (consegnata, compiuta giacenza, non consegnata)."""
    importa(ctx, "consegne", file, solo_validi=solo_validi, come_json=come_json)
