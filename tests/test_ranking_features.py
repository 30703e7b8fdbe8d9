"""The incremental TF-IDF cache: equal to a fresh build, and to sklearn's TF-IDF up to column order."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from lsr.ranking.features import FeatureStore, build_matrix, record_text

TEXTS = [
    "Extended school day and pupil achievement in deprived neighbourhoods",
    "",
    "After-school programmes improve wellbeing of children",
    "the the the school",
    "Mice and rats in a maze: a laboratory study",
    "Pupil achievement after an extended school day: a randomised trial",
    "wellbeing wellbeing children children school",
    "the the the the",
]


def _row_values(X) -> list[list[float]]:
    return [sorted(np.round(X[i].data.astype(float), 5).tolist()) for i in range(X.shape[0])]


def test_incremental_matrix_equals_fresh_build() -> None:
    store = FeatureStore()
    ids = [f"r{i}" for i in range(len(TEXTS))]
    store.add(ids[:3], TEXTS[:3])
    first = store.matrix().copy()
    store.add(ids[3:6], TEXTS[3:6])
    store.matrix()
    store.add(ids[6:], TEXTS[6:])
    cached = store.matrix()
    fresh = build_matrix(TEXTS)
    assert cached.shape == fresh.shape
    assert np.array_equal(cached.indices, fresh.indices)
    assert np.allclose(cached.toarray(), fresh.toarray(), atol=1e-6)
    # the earlier snapshot was re-weighted: IDF depends on the whole corpus
    assert first.shape[0] == 3 and not np.allclose(first[0].data, cached[0].data)


def test_matches_sklearn_tfidf_up_to_column_order() -> None:
    ref = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_df=0.95).fit_transform(TEXTS)
    ours = build_matrix(TEXTS)
    assert _row_values(ours) == _row_values(ref)
    assert ours.shape[1] == ref.shape[1]  # same vocabulary size: no hash collisions on this corpus


def test_max_df_drops_terms_everywhere() -> None:
    texts = ["alpha common", "beta common", "gamma common"]
    ref = TfidfVectorizer(max_df=0.95, ngram_range=(1, 1), sublinear_tf=True).fit(texts)
    assert "common" not in ref.vocabulary_
    X = build_matrix(texts, ngram_range=(1, 1))
    assert X.shape[1] == 3 and np.allclose(X.toarray().max(axis=1), 1.0)


def test_duplicate_ids_skipped_and_rows_by_id(tmp_path) -> None:
    store = FeatureStore()
    assert store.add(["a", "b"], ["one text", "two texts"]) == 2
    assert store.add(["b", "c", "c"], ["changed", "three", "three again"]) == 1
    assert store.ids == ["a", "b", "c"]
    assert store.rows(["c", "a"]).tolist() == [2, 0]
    with pytest.raises(KeyError):
        store.rows(["zzz"])
    path = tmp_path / "features.npz"
    store.save(path)
    loaded = FeatureStore.load(path)
    assert loaded.ids == store.ids and loaded.params() == store.params()
    assert np.allclose(loaded.matrix().toarray(), store.matrix().toarray())
    loaded.add(["d"], ["four"])
    assert np.allclose(
        loaded.matrix().toarray(), build_matrix(["one text", "two texts", "three", "four"]).toarray()
    )


def test_record_text() -> None:
    assert record_text("Title", None) == "Title"
    assert record_text(None, "Abstract") == "Abstract"
    assert record_text("T", "A") == "T A"


def test_chunked_hashing_gives_the_same_matrix(monkeypatch) -> None:
    import lsr.ranking.features as features

    whole = build_matrix(TEXTS)
    monkeypatch.setattr(features, "CHUNK", 3)
    store = FeatureStore()
    store.add([f"r{i}" for i in range(len(TEXTS))], TEXTS)
    assert len(store._blocks) == 3
    assert np.allclose(store.matrix().toarray(), whole.toarray(), atol=1e-6)
