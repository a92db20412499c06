"""Benchmarks (``make bench``): each figure is a ratio against a baseline measured in the same run."""

import os
from pathlib import Path
from typing import Any

_STAT = Path("/proc/stat")


def portata(
    n: int, nostri: list[float], nudi: list[float], unita: str, obiettivo: str, cifre: int
) -> dict[str, Any]:
    """A throughput figure: ``n`` items in the best of our runs and of the baseline's (seconds),
    ``rapporto`` = ours ÷ baseline throughput, so higher is better."""
    return {
        "valore": round(n / min(nostri), cifre),
        "unita": unita,
        "baseline": round(n / min(nudi), cifre),
        "rapporto": round(min(nudi) / min(nostri), 3),
        "obiettivo": obiettivo,
    }


def cpu_macchina() -> float | None:
    """Seconds of CPU the whole machine has spent (every process and the kernel's own threads:
    a mail server, reader processes, writeback), from ``/proc/stat``; None where there is none.

    Idle, I/O wait and steal (time the hypervisor gave to other machines) are not counted: what
    is left is the work done here. Around a run it says what the run cost, wherever it ran.
    """
    try:
        campi = _STAT.read_text(encoding="ascii").split("\n", 1)[0].split()
    except OSError:
        return None
    if campi[:1] != ["cpu"] or len(campi) < 8:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = map(int, campi[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def costo(n: int, nostri: list[float], nudi: list[float], unita: str) -> dict[str, Any]:
    """A cost figure, informative: CPU seconds per item (``n`` items, the cheapest of our runs
    and of the baseline's), shown in µs; ``rapporto`` = baseline ÷ ours, so higher is better.

    Beside a throughput figure it says whether the throughput is bound by the processors: a
    run cannot take less wall time than its CPU seconds divided by ``processori`` (see
    ``tetto``).
    """
    return {
        "valore": round(min(nostri) / n * 1e6, 1),
        "unita": unita,
        "baseline": round(min(nudi) / n * 1e6, 1),
        "rapporto": round(min(nudi) / min(nostri), 3),
        "obiettivo": "informativo",
        "processori": processori(),
    }


def tetto(secondi_nudi: list[float], cpu_nostri: list[float]) -> float:
    """The highest throughput ratio this machine allows for what our run costs: the baseline's
    best wall time against the least wall time our cheapest run could take, every processor
    busy all the time (its CPU seconds ÷ ``processori()``)."""
    return round(min(secondi_nudi) * processori() / min(cpu_nostri), 3)


def processori() -> int:
    """The machine's processors, as ``costo`` records them and ``tetto`` divides by them (1 if
    Python cannot tell)."""
    return os.cpu_count() or 1
