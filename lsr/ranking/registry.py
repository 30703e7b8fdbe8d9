"""The registry of ranker names: which model a name such as ``default`` or ``elas_u4`` builds.

Rankers live in their own modules (``lsr.ranking.models`` for the baselines and ASReview's ELAS u4,
``lsr.ranking.default`` for lsr's own) and never import this one, so adding a model touches its module
and one line here, and no two ranking modules import each other.
"""

from __future__ import annotations

from collections.abc import Callable

from lsr.ranking.default import DefaultRanker
from lsr.ranking.models import ElasU4Ranker, RandomRanker, Ranker, TextSVMRanker

__all__ = ["MODEL_NAMES", "make_ranker"]

_FACTORIES: dict[str, Callable[[int | None], Ranker]] = {
    "default": lambda seed: DefaultRanker(seed=seed),
    "elas_u4": ElasU4Ranker,
    "random": RandomRanker,
    "text_svm": lambda seed: TextSVMRanker(seed=seed),
}

MODEL_NAMES = ("default", "elas_u4", "random")
"""The names offered to users (``text_svm`` is the default ranker's text half, kept for experiments)."""


def make_ranker(name: str, seed: int | None = 0) -> Ranker:
    """A fresh ranker by name.

    Raises:
        ValueError: for an unknown name.
    """
    factory = _FACTORIES.get(name)
    if factory is None:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
    return factory(seed)
