"""Fast draws from a ``random.Random`` for the generator's hot paths.

``Random.choice``/``randint``/``choices`` are exact but slow (rejection sampling through
``getrandbits``); with hundreds of thousands of draws per sample they dominate run time.
These helpers consume exactly one ``random()`` call each, which keeps them deterministic
for a given seed and several times faster; the tiny float bias is irrelevant for sample data.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def scegli(rng: random.Random, elementi: Sequence[T]) -> T:
    """A uniformly chosen element of a non-empty sequence."""
    return elementi[int(rng.random() * len(elementi))]


def intero(rng: random.Random, minimo: int, massimo: int) -> int:
    """A uniformly chosen integer in the closed interval [minimo, massimo]."""
    return minimo + int(rng.random() * (massimo - minimo + 1))


def scegli_pesato(rng: random.Random, elementi: Sequence[T], cumulati: Sequence[float]) -> T:
    """An element chosen with the given cumulative weights (same length as elementi)."""
    return elementi[bisect(cumulati, rng.random() * cumulati[-1])]
