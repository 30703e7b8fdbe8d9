"""Rankers and ``rank_records``: a planted obvious inclusion comes first; cold start uses the protocol."""

from __future__ import annotations

import numpy as np
import pytest

from lsr.ranking.api import rank_records
from lsr.ranking.registry import MODEL_NAMES, make_ranker

FILLER = (
    "hospital cohort survey registry method analysis sample outcome trial patients data model "
    "follow baseline region policy cost quality review measure adults schools teachers"
).split()


def _corpus(seed: int = 0, n: int = 80) -> tuple[list[str], dict[int, int], int]:
    """Random filler texts; records 0-3 are inclusions about vitamin D, 4-11 exclusions; the planted
    vitamin D record sits at the end of the pool."""
    rng = np.random.RandomState(seed)
    texts = [" ".join(rng.choice(FILLER, 25)) for _ in range(n)]
    topic = "vitamin d supplementation fracture risk elderly"
    for i in range(4):
        texts[i] = f"{topic} {texts[i]}"
    planted = n - 1
    texts[planted] = f"{topic} {topic} randomised {texts[planted]}"
    labels = {i: 1 for i in range(4)} | {i: 0 for i in range(4, 12)}
    return texts, labels, planted


@pytest.mark.parametrize("model", ["default", "elas_u4"])
def test_planted_inclusion_ranked_first(model: str) -> None:
    texts, labels, planted = _corpus()
    result = rank_records(texts, labels, model=model)
    assert result.model == model
    assert int(result.order[0]) == planted
    assert set(result.order.tolist()) == set(range(len(texts))) - set(labels)
    assert np.all(np.diff(result.scores) <= 0)
    run = result.as_model_run()
    assert run["n_labels"] == 12 and run["n_included"] == 4 and run["params"]["model"] == model


def test_planted_inclusion_found_by_citations_alone() -> None:
    """Text carries no signal; the planted record cites every inclusion, so citations must find it."""
    rng = np.random.RandomState(1)
    n = 60
    texts = [" ".join(rng.choice(FILLER, 25)) for _ in range(n)]
    ids = [f"W{i + 1}" for i in range(n)]
    refs: list[list[str]] = [[f"W{9000 + int(k)}" for k in rng.choice(400, 8)] for _ in range(n)]
    for i in range(4):
        refs[i] = ["W5001", "W5002", "W5003", *refs[i][:3]]
    planted = n - 1
    refs[planted] = ["W5001", "W5002", "W5003", "W1", "W2"]
    labels = {i: 1 for i in range(4)} | {i: 0 for i in range(4, 16)}
    # screening so far showed citations matter: high citation z-scores were inclusions, text was noise
    history = [(0.3, 2.0, 1), (1.5, -0.5, 0), (-0.2, 1.8, 1), (1.2, 0.1, 0), (0.9, 2.2, 1), (1.4, -0.3, 0)]
    result = rank_records(texts, labels, openalex_ids=ids, referenced_works=refs, history=history)
    assert int(result.order[0]) == planted
    assert result.params["weights"]["citation"] > result.params["weights"]["text"]
    assert set(result.components) == {"z_text", "z_citation"}
    assert result.components["z_citation"][0] == result.components["z_citation"].max()
    # no history yet: the default ranker trusts text only, so the planted record is not found by citations
    plain = rank_records(texts, labels, openalex_ids=ids, referenced_works=refs)
    assert plain.params["weights"] == {"text": 1.0, "citation": 0.0}


def test_cold_start_uses_query_and_question() -> None:
    texts = [
        "Rats in a maze: spatial learning",
        "Teacher salaries across countries",
        "An extended school day and reading achievement of pupils",
        "Homework and family life",
    ]
    by_query = rank_records(texts, {}, query='("extended school day" OR "longer school day") NOT rats')
    assert by_query.model == "coldstart" and int(by_query.order[0]) == 2
    by_question = rank_records(texts, {1: 0}, question="Does homework change family life?")
    assert by_question.model == "coldstart" and int(by_question.order[0]) == 3
    # without protocol text the given order stands (all scores tie)
    plain = rank_records(texts, {})
    assert plain.order.tolist() == [0, 1, 2, 3]


def test_random_is_seeded_and_unknown_model_fails() -> None:
    texts, labels, _ = _corpus()
    a = rank_records(texts, labels, model="random", seed=3).order
    b = rank_records(texts, labels, model="random", seed=3).order
    c = rank_records(texts, labels, model="random", seed=4).order
    assert a.tolist() == b.tolist() != c.tolist()
    with pytest.raises(ValueError):
        make_ranker("nope")
    assert set(MODEL_NAMES) == {"default", "elas_u4", "random"}


def test_bad_labels_rejected() -> None:
    texts, _, _ = _corpus()
    with pytest.raises(ValueError):
        rank_records(texts, {0: 2, 1: 0})
    with pytest.raises(ValueError):
        rank_records(texts, {999: 1, 1: 0})


def test_default_ranker_learns_its_history_from_screening() -> None:
    """Kept across decisions, the ranker records the z-scores each screened record had when it was ranked."""
    from lsr.ranking.default import DefaultRanker
    from lsr.ranking.features import build_matrix
    from lsr.ranking.models import Corpus

    texts, labels, planted = _corpus()
    corpus = Corpus(X=build_matrix(texts))
    ranker = DefaultRanker(seed=0)
    labelled = np.array(sorted(labels))
    y = np.array([labels[i] for i in labelled])
    pool = np.setdiff1d(np.arange(len(texts)), labelled)
    ranker.fit(corpus, labelled, y)
    scores = ranker.scores(corpus, pool)
    top = int(pool[np.argmax(scores)])
    assert top == planted and ranker.history == []
    z_top = float(ranker.components["z_text"][np.argmax(scores)])
    ranker.fit(corpus, np.append(labelled, top), np.append(y, 1))
    assert ranker.history == [(pytest.approx(z_top), 0.0, 1)]
    assert ranker.params()["history"] == 1


def test_combiner_weights_recent_decisions_more_and_logistic_matches_sklearn() -> None:
    """The history's citation evidence that held early but not since weighs less than in a pooled fit, and
    the combiner's weighted logistic regression is sklearn's."""
    from sklearn.linear_model import LogisticRegression

    from lsr.ranking.default import DefaultRanker, logistic_coef

    rng = np.random.RandomState(3)
    early = [(rng.normal(1.0), 2.0 if y else -0.5, y) for y in [1, 0, 1, 0, 1, 1, 0, 1, 0, 0] * 4]
    late = [(rng.normal(1.5 if y else -0.5), rng.normal(-0.5 if y else 0.5), y) for y in [1, 0, 0, 0, 1, 0] * 4]
    ranker = DefaultRanker(seed=0, history=early + late)
    ranker._fit_weights()
    h = np.asarray(early + late, dtype=float)
    pooled = np.clip(logistic_coef(h[:, :2], h[:, 2]), 0, None)
    assert ranker.weights[1] / ranker.weights[0] < 0.5 * pooled[1] / pooled[0]

    sw = rng.uniform(0.1, 1.0, len(h))
    ours = logistic_coef(h[:, :2], h[:, 2], C=1.0, sample_weight=sw)
    theirs = LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit(h[:, :2], h[:, 2], sample_weight=sw).coef_[0]
    np.testing.assert_allclose(ours, theirs, atol=1e-4)


def test_citation_scores_never_count_against_a_record() -> None:
    """Clipped at 0: references like those of excluded records leave a record where its text puts it."""
    rng = np.random.RandomState(2)
    texts, labels, _ = _corpus()
    n = len(texts)
    ids = [f"W{i + 1}" for i in range(n)]
    refs = [[f"W{9000 + int(k)}" for k in rng.choice(50, 6)] for _ in range(n)]
    for i in range(4, 12):  # the exclusions share references that half the pool also cites
        refs[i] = ["W7001", "W7002", *refs[i][:2]]
    for i in range(12, n, 2):
        refs[i] = ["W7001", "W7002", *refs[i][:2]]
    history = [(0.3, 2.0, 1), (1.5, -0.5, 0), (-0.2, 1.8, 1), (1.2, 0.1, 0)]
    result = rank_records(texts, labels, openalex_ids=ids, referenced_works=refs, history=history)
    z = result.components["z_citation"]
    assert z.min() == 0.0 and z.max() > 0.0
