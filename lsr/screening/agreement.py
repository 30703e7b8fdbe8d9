"""Inter-rater agreement for dual screening: Cohen's kappa, percentage agreement and PABAK.

Pure functions over pairs of labels, plus ``review_agreement`` which collects, per reviewer pair, the
records both reviewers labelled at a stage (their current labels) from the decision log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations


@dataclass(frozen=True)
class Agreement:
    """Agreement between two raters over the items both rated."""

    n: int
    percent_agreement: float | None
    kappa: float | None
    pabak: float | None
    categories: int

    def as_dict(self) -> dict:
        return asdict(self)


def agreement(pairs: Iterable[tuple[str, str]], categories: Sequence[str] | None = None) -> Agreement:
    """Cohen's kappa, observed agreement and PABAK for paired labels.

    Args:
        pairs: (label of rater A, label of rater B) per item both rated.
        categories: the possible labels; PABAK uses their number (default: those observed, at least 2).

    Kappa is ``(po - pe) / (1 - pe)``; when ``pe == 1`` (both raters used one and the same label
    throughout) kappa is undefined and reported as None. PABAK is ``(k * po - 1) / (k - 1)``.
    """
    pairs = list(pairs)
    n = len(pairs)
    cats = list(categories) if categories else sorted({a for a, _ in pairs} | {b for _, b in pairs})
    k = max(len(cats), 2)
    if n == 0:
        return Agreement(0, None, None, None, k)
    po = sum(a == b for a, b in pairs) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    pe = sum(ca[c] * cb[c] for c in set(ca) | set(cb)) / (n * n)
    kappa = None if pe >= 1 else (po - pe) / (1 - pe)
    pabak = (k * po - 1) / (k - 1)
    return Agreement(n, po, kappa, pabak, k)


def review_agreement(session, review_id: str, stage: str = "title-abstract", block: int | None = None) -> dict:
    """Agreement per reviewer pair and pooled over all pairs, from the reviewers' own current labels.

    ``session`` is a SQLAlchemy session or a query function (``lsr.screening.labels.Query``).

    Resolution decisions (kind ``resolve``) are not a rater's label and are left out.

    Args:
        block: count only whole blocks of this many records per pair, in the order the pair's labels
            were completed (the later of the two current decisions). The screener's live panel uses it:
            the figure then moves once per ``block`` records, so a reviewer cannot read the other's label
            on the record just decided from the change (blinding). None counts every record (status,
            reports).

    Returns:
        ``{"pairs": [{"reviewers": [a, b], **agreement}], "overall": {...}}``.
    """
    from lsr.screening.labels import as_query
    from lsr.vocabulary import LABELS

    rows = as_query(session)(
        "SELECT reviewer, record_id, label, id FROM decision WHERE review_id = :review AND stage = :stage "
        "AND kind NOT IN ('resolve', 'stage-override') ORDER BY id", {"review": review_id, "stage": stage})
    current: dict[str, dict[int, tuple[str | None, int]]] = {}
    for reviewer, record_id, label, decision_id in rows:
        current.setdefault(reviewer, {})[record_id] = (label, decision_id)
    out_pairs, pooled = [], []
    for a, b in combinations(sorted(current), 2):
        common = sorted((max(current[a][r][1], current[b][r][1]), current[a][r][0], current[b][r][0])
                        for r in current[a].keys() & current[b].keys()
                        if current[a][r][0] is not None and current[b][r][0] is not None)
        if block:
            common = common[: len(common) // block * block]
        if not common:
            continue
        labels = [(la, lb) for _, la, lb in common]
        pooled.extend(labels)
        out_pairs.append({"reviewers": [a, b], **agreement(labels, LABELS).as_dict()})
    return {"pairs": out_pairs, "overall": agreement(pooled, LABELS).as_dict()}
