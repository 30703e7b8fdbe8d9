"""Study-level extraction: validating values, importing a CSV whole or not at all, reading and exporting.

Every extraction is one (record, outcome) of a study included after full-text assessment. Values are
checked by ``check_values`` (shared by the CSV import and the screener's extraction view), stored
append-only in ``Extraction`` rows with who and when, and corrected by appending. ``current_extractions``
gives the latest row per (record, outcome); a ``retract`` row withdraws one.

CSV columns (DESIGN.md, "Synthesis"): ``record`` (lsr id, OpenAlex id or DOI), ``outcome``, ``design``,
``country``, ``n``, ``risk_of_bias`` and the effect as counts (``events_treatment, total_treatment,
events_control, total_control``) or as ``measure, estimate, ci_low, ci_high`` (measure RR, OR, HR (hazard
ratio: time to an event, as recidivism or finding work is often reported), SMD or MD, ratios on their natural
scale). Optional: ``note`` and the review's own ``[extraction] fields``.

A correlation coefficient (measure ``r``, typed ``r`` or ``R``, stored as ``r``: the association between two
characteristics) lies strictly between -1 and 1; its 95% CI is optional when ``n`` (4 or more) is given, which
then gives the variance of Fisher's z (``meta_analysis``); a CI, when given, lies within -1 to 1 and contains the
estimate (a bound rounded to -1 or 1 needs ``n`` as well). Counts give a risk or odds ratio, never a correlation.

``country`` is stored in one form so Dutch and European studies can be counted: ISO 3166-1 alpha-2 codes
(``NL``; several joined by ``"; "``) read from codes, English or Dutch names and everyday names such as
``Holland`` or ``Nederland (Heerlen)`` (``lsr.synthesis.countries``). A country that is not recognised is
kept as typed and the import warns, naming file, line and field; it is not refused. So does an estimate
whose 95% CI is not symmetric around it on the analysis scale (``ci_asymmetry_warning``): the variance
comes from the CI's width, and the study is shown with the CI as given.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import IO

from sqlmodel import Session, select

from lsr.errors import LsrError
from lsr.jsoncols import EXTRA
from lsr.models import Extraction, Record
from lsr.protocol import Protocol
from lsr.screening.decisions import FT, find_record, settled_labels
from lsr.search.importers.decode import decode_bytes, read_bytes
from lsr.synthesis.countries import canonical
from lsr.synthesis.meta_analysis import (
    CORRELATION,
    FISHER_MIN_N,
    RATIO,
    Z95,
    analysis,
    ci_has_width_on_scale,
    natural,
    scale_name,
    slope,
)

DESIGNS = ("rct", "cluster-rct", "quasi-experimental", "cohort", "case-control", "before-after",
           "cross-sectional", "qualitative", "other")
RANDOMISED = ("rct", "cluster-rct")  # a cluster RCT randomises schools or neighbourhoods instead of people
DESIGN_ALIASES = {"randomised": "rct", "randomized": "rct", "quasi": "quasi-experimental",
                  "cluster-randomised": "cluster-rct", "cluster-randomized": "cluster-rct", "crt": "cluster-rct",
                  "cluster-randomised-trial": "cluster-rct", "cluster-randomized-trial": "cluster-rct"}
RISK_OF_BIAS = ("low", "some concerns", "high")
# Other tools' levels on RoB 2's three: ROBINS-I (non-randomised studies) and RoB 1's "unclear"
RISK_OF_BIAS_ALIASES = {"moderate": "some concerns", "serious": "high", "critical": "high",
                        "unclear": "some concerns", "low risk": "low", "high risk": "high",
                        "unclear risk": "some concerns"}
MEASURES = ("RR", "OR", "HR", "SMD", "MD", CORRELATION)
SPELLING = {m.upper(): m for m in MEASURES}  # typed in any case, stored as written here ("R" and "r" are r)
COUNT_MEASURES = ("RR", "OR")  # what counts per arm give (a hazard ratio needs the times too)
COUNTS = ("events_treatment", "total_treatment", "events_control", "total_control")
ESTIMATE = ("measure", "estimate", "ci_low", "ci_high")
STANDARD = ("outcome", "design", "country", "n", "risk_of_bias", *COUNTS, *ESTIMATE, "p_value", "note")
# ``p_value``: read, not stored; an exact p-value with an estimate and no CI gives the CI (``_ci_from_p``)
# written by ``export_csv`` for people reading the file; ignored when it is imported again
INFORMATIONAL = ("title", "year", "doi", "openalex_id", "reviewer", "entered_at")
VALUE_COLUMNS = ("design", "country", "n", "risk_of_bias", *COUNTS, "measure", "estimate", "ci_low",
                 "ci_high", "note")


@dataclass
class ImportSummary:
    """What an extraction import did."""

    file: str
    rows: int
    added: int
    corrected: int
    unchanged: int
    warnings: list[str] = field(default_factory=list)  # "file: line N: field: ..." (the rows were imported)
    empty: int = 0  # rows with a record and nothing else (the export's rows to fill in), skipped


def own_fields(protocol: Protocol) -> tuple[str, ...]:
    """The review's own extraction fields: those of ``[extraction] fields`` that lsr does not define."""
    return tuple(f for f in protocol.extraction.fields if f not in STANDARD and f != "effect")


def _int(text: str, decimal_comma: bool = False) -> int:
    """A whole number of 0 or more; in a file with decimal commas, ``1.200`` is twelve hundred (a Dutch
    spreadsheet's thousands separator)."""
    if decimal_comma and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        text = text.replace(".", "")
    value = int(text.replace("_", ""))
    if value < 0:
        raise ValueError
    return value


def _float(text: str, decimal_comma: bool) -> float:
    t = text.replace(",", ".") if decimal_comma else text
    value = float(t)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError
    return value


def check_values(raw: dict[str, str], protocol: Protocol, *, decimal_comma: bool = False
                 ) -> tuple[dict, list[tuple[str, str]]]:
    """Validate one extraction's text values.

    Args:
        raw: field name -> text (blank means not given); ``outcome`` is required.
        protocol: the review's protocol (allowed outcomes, its own fields). An outcome named by its Dutch
            name (``[extraction] outcomes_nl``) is given as the ``outcomes`` name it pairs with.
        decimal_comma: accept ``0,49`` for numbers (files written by Dutch spreadsheets with ``;``).

    Returns:
        The typed values (keys of ``Extraction`` plus ``extra`` for the review's own fields) and a list
        of problems as (field, reason); the values are only usable when the list is empty. The country
        is given as its ISO 3166-1 alpha-2 code(s) when recognised, else as typed (``country_warning``).
    """
    text = {k: (v or "").strip() for k, v in raw.items()}
    problems: list[tuple[str, str]] = []
    out: dict = {"extra": {}}
    outcome = " ".join(text.get("outcome", "").split())
    spec = protocol.extraction
    if not outcome:
        problems.append(("outcome", "missing (every extraction is of one outcome)"))
    elif spec.outcomes and spec.outcome_index(outcome) is None:
        dutch = f"; in Dutch: {', '.join(spec.outcomes_nl)}" if spec.outcomes_nl else ""
        problems.append(("outcome", f"{outcome!r} is not one of the protocol's outcomes "
                                    f"({', '.join(spec.outcomes)}{dutch})"))
    else:  # stored under the protocol's own name, also when the Dutch one was used: one outcome, one pool
        outcome = spec.canonical_outcome(outcome, protocol.pico)
    out["outcome"] = outcome
    design = "-".join(text.get("design", "").lower().replace("_", "-").split())
    design = DESIGN_ALIASES.get(design, design)
    if design and design not in DESIGNS:
        problems.append(("design", f"{text['design']!r} is not one of {', '.join(DESIGNS)}"))
    out["design"] = design or None
    country = " ".join(text.get("country", "").split())
    out["country"] = (canonical(country) or country) if country else None
    rob = " ".join(text.get("risk_of_bias", "").lower().split())
    rob = RISK_OF_BIAS_ALIASES.get(rob, rob)
    if rob and rob not in RISK_OF_BIAS:
        problems.append(("risk_of_bias", f"{text['risk_of_bias']!r} is not one of {', '.join(RISK_OF_BIAS)}"))
    out["risk_of_bias"] = rob or None
    for key in ("n", *COUNTS):
        value = text.get(key, "")
        out[key] = None
        if value:
            try:
                out[key] = _int(value, decimal_comma)
            except ValueError:
                problems.append((key, f"{value!r} is not a whole number of 0 or more"))
    measure = SPELLING.get(text.get("measure", "").upper(), text.get("measure", "").upper())
    if measure and measure not in MEASURES:
        problems.append(("measure", f"{text['measure']!r} is not one of {', '.join(MEASURES)}"))
    out["measure"] = measure or None
    for key in ("estimate", "ci_low", "ci_high"):
        value = text.get(key, "")
        out[key] = None
        if value:
            try:
                out[key] = _float(value, decimal_comma)
            except ValueError:
                problems.append((key, f"{value!r} is not a number"))
    out["note"] = text.get("note") or None
    p_text = text.get("p_value", "")
    if p_text and out["ci_low"] is None and out["ci_high"] is None and not problems:
        problems += _ci_from_p(out, p_text, decimal_comma)
    for key in own_fields(protocol):
        if text.get(key):
            out["extra"][key] = text[key]
    if not problems:
        problems += _effect_problems(out)
    return out, problems


def _ci_from_p(v: dict, p_text: str, decimal_comma: bool) -> list[tuple[str, str]]:
    """Fill ``ci_low``/``ci_high`` of an estimate given with an exact two-sided p-value instead of a CI
    (Cochrane Handbook 6.3.2: the z of the p-value gives the standard error on the analysis scale, log for a
    ratio and Fisher's z for a correlation), and say so in the note; the problems when that cannot be done."""
    text = p_text.strip()
    text = text[1:].lstrip() if text[:1] in ("p", "P") else text  # "p = 0.03", "P<0.05"
    if text.startswith(("<", ">", "≤", "≥")) or text.lower() in ("ns", "n.s."):
        return [("p_value", f"{p_text!r} only bounds the p-value: an exact one (p = 0.03) is needed to derive "
                            "the CI (Cochrane Handbook 6.3.2)")]
    try:
        p = _float(text.removeprefix("=").strip(), decimal_comma)
    except ValueError:
        return [("p_value", f"{p_text!r} is not a number")]
    if not 0 < p < 1:
        return [("p_value", f"{p_text!r} must lie between 0 and 1")]
    if v["estimate"] is None or v["measure"] is None:
        return [("estimate", "missing: a p-value gives the CI of an estimate (measure and estimate)")]
    off = _off_scale(v["measure"], v["estimate"])
    if off:
        return [("estimate", off)]
    y = analysis(v["measure"], v["estimate"])
    if y == 0:
        return [("estimate", "at the no-effect value: a p-value cannot give its CI")]
    half = Z95 * abs(y) / NormalDist().inv_cdf(1 - p / 2)
    v["ci_low"], v["ci_high"] = (round(natural(v["measure"], y + d), 4) for d in (-half, half))
    derived = f"95% CI derived from p = {p:g} (Cochrane Handbook 6.3.2)"
    v["note"] = f"{v['note']}; {derived}" if v["note"] else derived
    return []


def _off_scale(measure: str | None, estimate: float) -> str | None:
    """Why an estimate cannot be of its measure (a ratio at or below 0, a correlation outside -1 to 1), or None."""
    if measure in RATIO and estimate <= 0:
        return f"a {measure} is above 0 (give it on its natural scale, not its logarithm)"
    if measure == CORRELATION and not -1 < estimate < 1:
        return "a correlation r lies between -1 and 1 (not at either end)"
    return None


def _effect_problems(v: dict) -> list[tuple[str, str]]:
    """The effect is complete counts, or a complete estimate with its 95% CI (a correlation: or with n), or
    absent."""
    counts = [k for k in COUNTS if v[k] is not None]
    est = [k for k in ("estimate", "ci_low", "ci_high") if v[k] is not None]
    if counts:
        missing = [k for k in COUNTS if v[k] is None]
        if missing:
            return [(missing[0], "missing: counts need events and totals for both arms")]
        if est:
            return [(est[0], "give the effect as counts or as estimate with CI, not both")]
        if v["measure"] not in (None, *COUNT_MEASURES):
            return [("measure", f"counts give a risk or odds ratio (RR or OR), not {v['measure']}"
                                + (" (a hazard ratio needs the times to the event: give it with its 95% CI)"
                                   if v["measure"] == "HR" else
                                   " (a correlation is given as its estimate with its 95% CI, or with n)"
                                   if v["measure"] == CORRELATION else ""))]
        for arm in ("treatment", "control"):
            if v[f"events_{arm}"] > v[f"total_{arm}"]:
                return [(f"events_{arm}", f"more events than total_{arm}")]
            if v[f"total_{arm}"] == 0:
                return [(f"total_{arm}", "must be more than 0")]
        v["measure"] = v["measure"] or "RR"
        return []
    if v["measure"] == CORRELATION:
        return _correlation_problems(v)
    if est or v["measure"]:
        for k in ESTIMATE:
            if v[k] is None:
                return [(k, "missing: an estimate needs measure, estimate, ci_low and ci_high")]
        if v["measure"] in RATIO and min(v["estimate"], v["ci_low"]) <= 0:
            return [("ci_low" if v["ci_low"] <= 0 else "estimate",
                     f"a {v['measure']} is above 0 (give it on its natural scale, not its logarithm)")]
        if not v["ci_low"] <= v["estimate"] <= v["ci_high"]:
            return [("estimate", "must lie within ci_low and ci_high")]
        if v["ci_low"] == v["ci_high"]:
            return [("ci_high", "the confidence interval has no width")]
    return []


def _correlation_problems(v: dict) -> list[tuple[str, str]]:
    """A correlation r: an estimate strictly between -1 and 1, with its 95% CI (within -1 to 1, around the
    estimate) or with n of ``FISHER_MIN_N`` or more (the variance of Fisher's z is 1/(n - 3)); a CI bound at -1
    or 1 (rounded onto the end, infinite on the z scale) needs n too."""
    if v["estimate"] is None:
        return [("estimate", "missing: a correlation needs its estimate r, with ci_low and ci_high or with n")]
    off = _off_scale(CORRELATION, v["estimate"])
    if off:
        return [("estimate", off)]
    given = [k for k in ("ci_low", "ci_high") if v[k] is not None]
    if len(given) == 1:
        other = "ci_high" if given == ["ci_low"] else "ci_low"
        return [(other, "missing: give a correlation's ci_low and ci_high both, or neither (then n gives its "
                        "variance)")]
    if given:
        for k in given:
            if not -1 <= v[k] <= 1:
                return [(k, "a correlation's confidence interval lies within -1 and 1")]
        if not v["ci_low"] <= v["estimate"] <= v["ci_high"]:
            return [("estimate", "must lie within ci_low and ci_high")]
        if v["ci_low"] == v["ci_high"]:
            return [("ci_high", "the confidence interval has no width")]
        if ci_has_width_on_scale(CORRELATION, v["ci_low"], v["ci_high"]):
            return []
    if given:
        missing = ("missing: a CI bound at -1 or 1 gives no standard error on Fisher's z scale; give n (the variance "
                   "is then 1/(n - 3)) or the bound with more decimals")
        few = ("must be 4 or more: a CI bound at -1 or 1 gives no standard error on Fisher's z scale, so the variance "
               "is 1/(n - 3)")
    else:
        missing = "missing: a correlation without its 95% CI needs n (the variance of Fisher's z is 1/(n - 3))"
        few = "must be 4 or more: a correlation without its 95% CI gets the variance of Fisher's z, 1/(n - 3)"
    if v["n"] is None:
        return [("n", missing)]
    if v["n"] < FISHER_MIN_N:
        return [("n", few)]
    return []


def country_warning(raw: dict[str, str]) -> str | None:
    """Why a row's country is kept as typed (no known country or code in it), or None when it is fine."""
    country = " ".join((raw.get("country") or "").split())
    if not country or canonical(country):
        return None
    return (f"{country!r} is not a country lsr recognises (ISO 3166 code, or English or Dutch name); kept as "
            "given, so the study does not count as Dutch or European")


ASYMMETRY_TOLERANCE = 0.10
"""How far apart the CI's two arms (estimate to each limit, on the analysis scale: log for a ratio, Fisher's z
for a correlation) may be, as a share of
the CI's width, beyond what rounding the typed values explains, before the import warns."""


def ci_asymmetry_warning(raw: dict[str, str], values: dict) -> str | None:
    """Why an estimate's 95% CI is worth a look (it is not symmetric around the estimate on the analysis
    scale, as a Wald interval is: a typo, a CI on another scale, or another kind of interval), else None.

    The rounding of the typed numbers is allowed for: each may be off by half a unit of its last digit.
    """
    if values.get("estimate") is None or values.get("ci_low") is None or values.get("ci_high") is None:
        return None
    est, low, high = values["estimate"], values["ci_low"], values["ci_high"]
    measure = values.get("measure")
    if not ci_has_width_on_scale(measure, low, high):  # the variance comes from n, not from the CI
        return None
    below, above = analysis(measure, est) - analysis(measure, low), analysis(measure, high) - analysis(measure, est)
    slack = 0.0
    for key, value in (("estimate", est), ("ci_low", low), ("ci_high", high)):
        typed = (raw.get(key) or "").strip().replace(",", ".")
        decimals = len(typed.split(".", 1)[1]) if "." in typed else 0
        slack += 0.5 * 10 ** -decimals * abs(slope(measure, value))
    if abs(above - below) <= ASYMMETRY_TOLERANCE * (above + below) + 2 * slack:
        return None
    where = f"on {scale_name(measure)}, " if scale_name(measure) else ""
    return (f"the 95% CI {raw.get('ci_low', '').strip()} to {raw.get('ci_high', '').strip()} is not symmetric around "
            f"the estimate {raw.get('estimate', '').strip()} ({where}as a {values['measure']}'s CI is): check for a "
            "typo or a CI on another scale; the standard error is taken from the CI's width (Cochrane Handbook "
            "6.3.1) and the study is shown with the CI as given")


def included_ids(session: Session, protocol: Protocol) -> set[int]:
    """Records included after full-text assessment (the only ones data are extracted from)."""
    labels = settled_labels(session, protocol.id, FT, protocol.screening.reviewers_per_record)
    return {rid for rid, lab in labels.items() if lab.label == "include"}


def _sniff(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get) if max(counts.values()) else ","


def parse_csv(session: Session, protocol: Protocol, path: str | Path,
              warnings: list[str] | None = None, empty: list[int] | None = None) -> list[tuple[int, int, dict]]:
    """Read and check a whole extraction file: (line, record id, values) per row.

    A row that names a record and nothing else (a row of the export left to fill in) is skipped; its line
    is appended to ``empty``.

    Values that are kept but worth a look (an unrecognised country) are appended to ``warnings`` as
    ``"file: line N: field: reason"``.

    Raises:
        LsrError: naming file, line and field of the first problem (and how many more there are).
    """
    path = Path(path)
    text = decode_bytes(read_bytes(path), str(path)).text
    if not text.strip():
        raise LsrError(f"{path}: line 1: the file is empty (expected a header with record and outcome)")
    delimiter = _sniff(text.splitlines()[0])
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    known = {"record", *STANDARD, *INFORMATIONAL, *own_fields(protocol)}
    problems: list[str] = []
    for name in header:
        if name not in known:
            problems.append(f"{path}: line 1: {name or '(empty)'}: unknown column "
                            f"(allowed: record, {', '.join(STANDARD)}{', ' if own_fields(protocol) else ''}"
                            f"{', '.join(own_fields(protocol))})")
    for needed in ("record", "outcome"):
        if needed not in header:
            problems.append(f"{path}: line 1: {needed}: missing column")
    if problems:
        raise _refusal(problems)
    included = included_ids(session, protocol)
    rows: list[tuple[int, int, dict]] = []
    seen: dict[tuple[int, str], int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(f"{path}: line {line}: more values than columns")
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        given = sum(v is not None for v in row.values())
        if given < len(header):
            problems.append(f"{path}: line {line}: {given} values for {len(header)} columns (a line break inside "
                            "a value that is not in quotes, or a row cut short; an empty value is still "
                            "written, as ,,)")
            continue
        ref = (row.get("record") or "").strip()
        if ref and not any((row.get(k) or "").strip() for k in (*STANDARD, *own_fields(protocol))):
            if empty is not None:
                empty.append(line)
            continue
        if not ref:
            problems.append(f"{path}: line {line}: record: missing")
            continue
        try:
            record = find_record(session, protocol.id, ref)
        except LsrError:
            problems.append(f"{path}: line {line}: record: no record {ref!r} in review {protocol.id}")
            continue
        if record.id not in included:
            problems.append(f"{path}: line {line}: record: {ref!r} (record {record.id}) is not included after "
                            "full-text assessment")
            continue
        values, bad = check_values(row, protocol, decimal_comma=delimiter != ",")
        problems += [f"{path}: line {line}: {name}: {reason}" for name, reason in bad]
        if warnings is not None:
            warning = country_warning(row)
            if warning:
                warnings.append(f"{path}: line {line}: country: {warning}")
            warning = None if bad else ci_asymmetry_warning(row, values)
            if warning:
                warnings.append(f"{path}: line {line}: ci_low, ci_high: {warning}")
        key = (record.id, values["outcome"].lower())
        if not bad and key in seen:
            problems.append(f"{path}: line {line}: outcome: record {record.id} already has {values['outcome']!r} "
                            f"on line {seen[key]}")
        seen.setdefault(key, line)
        rows.append((line, record.id, values))
    if problems:
        raise _refusal(problems)
    if not rows and not empty:
        raise LsrError(f"{path}: line 2: no rows below the header: nothing to import")
    return rows


SHOWN_PROBLEMS = 20
"""A refused file's problems listed in the message, one a line; the rest are counted."""


def _refusal(problems: list[str]) -> LsrError:
    if len(problems) == 1:
        return LsrError(f"{problems[0]} (nothing was imported)", title="Extraction file refused")
    shown = [f"  {p}" for p in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        shown.append(f"  and {len(problems) - SHOWN_PROBLEMS} more")
    return LsrError("\n".join([f"{len(problems)} problems; nothing was imported:", *shown]),
                    title="Extraction file refused")


def current_extractions(session: Session, review_id: str) -> list[Extraction]:
    """The latest row per (record, outcome), retracted ones left out, in record and outcome order."""
    latest: dict[tuple[int, str], Extraction] = {}
    for row in session.exec(select(Extraction).where(Extraction.review_id == review_id).order_by(Extraction.id)):
        latest[(row.record_id, row.outcome.lower())] = row
    rows = [r for r in latest.values() if r.kind != "retract"]
    return sorted(rows, key=lambda r: (r.record_id, r.outcome.lower()))


def _same(row: Extraction, values: dict) -> bool:
    return all(getattr(row, k) == values[k] for k in VALUE_COLUMNS) and \
        row.extra == values["extra"] and row.outcome == values["outcome"]


def append_extraction(session: Session, review_id: str, record_id: int, values: dict, *, reviewer: str,
                      kind: str, source: str | None) -> Extraction | None:
    """Append one extraction unless it equals the current one; a change points at the row it corrects."""
    current = {(r.record_id, r.outcome.lower()): r for r in current_extractions(session, review_id)
               if r.record_id == record_id}
    before = current.get((record_id, values["outcome"].lower()))
    if before is not None and kind != "retract" and _same(before, values):
        return None
    row = Extraction(review_id=review_id, record_id=record_id, outcome=values["outcome"],
                     **{k: values.get(k) for k in VALUE_COLUMNS},
                     extra_json=EXTRA.encode(values.get("extra") or {}),
                     reviewer=reviewer, kind=kind, source=source,
                     corrects_id=before.id if before is not None else None)
    session.add(row)
    session.flush()
    return row


def import_csv(ws, review_id: str, path: str | Path, reviewer: str) -> ImportSummary:
    """Import an extraction file whole (one transaction) or refuse it whole.

    Rows equal to the current extraction are skipped; changed ones are appended as corrections. Countries
    are stored as ISO codes; unrecognised ones are kept as typed and listed in ``ImportSummary.warnings``.

    Raises:
        LsrError: an unknown review, or a problem in the file (file, line and field named).
    """
    protocol = ws.protocol(review_id)
    with ws.db.write() as session:
        warnings: list[str] = []
        empty: list[int] = []
        rows = parse_csv(session, protocol, path, warnings, empty)
        existing = {(r.record_id, r.outcome.lower()) for r in current_extractions(session, review_id)}
        added = corrected = unchanged = 0
        for _line, record_id, values in rows:
            row = append_extraction(session, review_id, record_id, values, reviewer=reviewer, kind="import",
                                    source=str(path))
            if row is None:
                unchanged += 1
            elif (record_id, values["outcome"].lower()) in existing:
                corrected += 1
            else:
                added += 1
    return ImportSummary(str(path), len(rows), added, corrected, unchanged, warnings, len(empty))


def record_extraction(ws, review_id: str, record_ref: str | int, raw: dict[str, str], reviewer: str,
                      source: str = "screener") -> Extraction | None:
    """Validate and append one extraction entered by hand (the screener's extraction view).

    Returns the new row, or None when nothing changed.

    Raises:
        LsrError: the record is unknown or not included, or a value is invalid (field named).
    """
    protocol = ws.protocol(review_id)
    with ws.db.write() as session:
        record = find_record(session, review_id, record_ref)
        if record.id not in included_ids(session, protocol):
            raise LsrError(f"record {record.id} is not included after full-text assessment")
        values, bad = check_values(raw, protocol, decimal_comma=True)
        if bad:
            raise LsrError(f"{bad[0][0]}: {bad[0][1]}", title="Invalid extraction")
        return append_extraction(session, review_id, record.id, values, reviewer=reviewer, kind="edit",
                                 source=source)


def history(session: Session, review_id: str, record_id: int) -> list[Extraction]:
    """Every extraction row of one record, oldest first: the audit trail."""
    return list(session.exec(select(Extraction).where(Extraction.review_id == review_id,
                                                      Extraction.record_id == record_id).order_by(Extraction.id)))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def export_csv(ws, review_id: str, out: IO[str]) -> tuple[int, int]:
    """Write the current extraction table as CSV in the import's columns (plus who, when and the study),
    then one row to fill in for each included study without data yet (its record and study columns only).

    Only studies still included after full-text assessment are written (the synthesis uses no other), so
    importing the file again changes nothing: rows left to fill in are skipped.

    Returns the number of extraction rows written and of rows to fill in.
    """
    protocol = ws.protocol(review_id)
    extra = own_fields(protocol)
    columns = ["record", "outcome", *VALUE_COLUMNS[:-1], *extra, "note", *INFORMATIONAL]
    blank_values = [""] * (len(columns) - 1 - len(INFORMATIONAL))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    with ws.db.read() as session:
        included = included_ids(session, protocol)
        rows = [r for r in current_extractions(session, review_id) if r.record_id in included]
        to_fill = sorted(included - {r.record_id for r in rows})
        records = _records(session, {r.record_id for r in rows} | set(to_fill))
        for r in rows:
            rec = records[r.record_id]
            own = r.extra
            writer.writerow([r.record_id, r.outcome, *(_cell(getattr(r, k)) for k in VALUE_COLUMNS[:-1]),
                             *(own.get(k, "") for k in extra), r.note or "", *_study_columns(rec), r.reviewer,
                             r.created_at.isoformat(timespec="seconds")])
        for record_id in to_fill:
            writer.writerow([record_id, *blank_values, *_study_columns(records[record_id]), "", ""])
    return len(rows), len(to_fill)


def _study_columns(rec: Record) -> list[str]:
    """The informational columns that say which study a row is (title, year, DOI, OpenAlex id)."""
    return [rec.title, _cell(rec.year), rec.doi or "", rec.openalex_id or ""]


def _records(session: Session, ids: Iterable[int]) -> dict[int, Record]:
    ids = list(ids)
    if not ids:
        return {}
    return {r.id: r for r in session.exec(select(Record).where(Record.id.in_(ids)))}
