"""Benchmarks (``make bench``): each figure is a ratio against a baseline measured in the same run."""

from typing import Any


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
