"""The triage classifier: which category a resident's message is, and how sure that is.

Three layers, combined into one probability per category of the community's catalogue:

1. A base model trained from the shipped corpus (bot/data/triage_corpus/train.jsonl): character
   1-3-grams of the folded text, hashed (so words the corpus never had - an estate's name, a
   canteen - still get features), TF-IDF weighted, and a linear model with logistic loss fitted
   by SGD (2-3 s with the features; a full logistic regression took 20-40 s, no better). It is
   trained on first start and cached as plain arrays (.npz, no pickle) under the cache dir, keyed
   by a hash of the corpus, the training parameters and the scikit-learn version.
2. The keyword rules (bot/triage.py ``categorize``) for strong signals: the rules' category gets
   RULE_WEIGHT of the probability mass (its keywords, exclude phrases and tie-breaking included).
3. A per-community nearest-examples layer: the ``examples`` of the categories file and every
   staff pick or /category correction stored for the community (storage ``triage_lessons``).
   The examples nearest to the message (cosine of the same features) vote for their category,
   with a weight that grows with how close the nearest one is. This is incremental: a correction
   counts for the next request at once, with no retraining and nothing to schedule; a category
   the base model never saw (added in a community's CATEGORIES_FILE) is reached through its
   examples and keywords.

The emergency rules (bot/danger.py) are separate: nothing here reads or changes what they decide
(only their text folding is shared), and filing raises an alarm whatever category is chosen.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from scipy import sparse

from bot import danger
from bot.categories import Catalog
from bot.triage import categorize

log = logging.getLogger(__name__)

FEATURES = 2**18
NGRAMS = (1, 3)
ALPHA = 3e-4  # regularisation of the logistic-loss SGD (tuned on tests/data/triage_cases.yaml)
RULE_WEIGHT = 0.4  # probability mass the keyword rules' category gets (tuned likewise)
NEIGHBOURS = 5  # community examples that vote
NEAR = 0.1  # an example less similar than this (cosine) does not vote
# the layer's weight: min(1, NEIGHBOUR_WEIGHT * (best similarity - NEAR) / (1 - NEAR))
NEIGHBOUR_WEIGHT = 1.5
MODEL_VERSION = "3"


@dataclass(frozen=True)
class Verdict:
    """The category the classifier chose, its probability, and what the keyword rules said."""

    category: str
    confidence: float
    rule: str
    probabilities: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    key: object = None  # what identifies this text (a lesson's id): its features are computed once


def fold(text: str) -> str:
    """What the features see: the emergency rules' folding (NFKC, lower case), whitespace collapsed."""
    return " ".join(danger.fold(text).split())


# Multiplicative hashing of code points: each position of an n-gram has its own odd multiplier.
_MULTIPLIERS = {
    1: np.array([0x9E3779B97F4A7C15], dtype=np.uint64),
    2: np.array([0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64),
    3: np.array([0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53], dtype=np.uint64),
}
_SHIFT = np.uint64(64 - FEATURES.bit_length() + 1)


def grams(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashed character 1-3-grams of the folded text: (feature indices, counts), indices unique.

    Written out here (numpy over the code points, stable across processes) rather than with
    scikit-learn's HashingVectorizer, whose input checks cost about a millisecond a call: the
    whole budget of a classification."""
    codes = np.frombuffer(fold(text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts = []
    low, high = NGRAMS
    with np.errstate(over="ignore"):
        for n in range(low, high + 1):
            if len(codes) < n:
                break
            mixed = np.full(len(codes) - n + 1, np.uint64(n), dtype=np.uint64)
            for position in range(n):
                mixed = (mixed + codes[position : len(codes) - n + 1 + position]) * _MULTIPLIERS[n][position]
            parts.append(mixed >> _SHIFT)
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    index, counts = np.unique(np.concatenate(parts).astype(np.int64), return_counts=True)
    return index, counts.astype(np.float64)


def _counts(texts: Iterable[str]) -> sparse.csr_matrix:
    indptr: list[int] = [0]
    indices: list[int] = []
    data: list[float] = []
    for text in texts:
        index, counts = grams(text)
        indices.extend(index.tolist())
        data.extend(counts.tolist())
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64), np.array(indptr)),
        shape=(len(indptr) - 1, FEATURES),
    )


def corpus_path(split: str) -> Path:
    return Path(str(importlib.resources.files("bot") / "data" / "triage_corpus" / f"{split}.jsonl"))


def load_corpus(split: str = "train") -> list[dict[str, Any]]:
    """The shipped corpus: "train" (the base model learns from it) or "heldout" (only measured)."""
    with corpus_path(split).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass(frozen=True)
class Model:
    """The base model as arrays: classes, log-IDF weights, coefficients, intercepts."""

    classes: tuple[str, ...]
    idf: np.ndarray
    weights: np.ndarray  # features x classes (contiguous, so one message reads only its rows)
    intercept: np.ndarray

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF rows (sublinear tf, l2-normalised) of `texts`."""
        counts = _counts(texts)
        counts.data = (1.0 + np.log(counts.data)) * self.idf[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ counts)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """One message's TF-IDF as (feature indices, values): the fast path of `features`."""
        index, counts = grams(text)
        values = (1.0 + np.log(counts)) * self.idf[index]
        norm = float(np.sqrt(values @ values)) or 1.0
        return index, values / norm

    def probabilities(self, index: np.ndarray, values: np.ndarray) -> np.ndarray:
        scores = values @ self.weights[index] + self.intercept
        scores -= scores.max()
        exp = np.exp(scores)
        return np.asarray(exp / exp.sum())


def train(items: Sequence[dict[str, Any]], alpha: float = ALPHA) -> Model:
    """The base model fitted on corpus items ({"text", "category"}); the same items give the same model."""
    from sklearn.linear_model import SGDClassifier

    texts = [str(item["text"]) for item in items]
    labels = [str(item["category"]) for item in items]
    counts = _counts(texts)
    documents = np.bincount(counts.indices, minlength=FEATURES)
    idf = (np.log((1 + len(texts)) / (1 + documents)) + 1.0).astype(np.float64)
    model = Model((), idf, np.zeros((FEATURES, 0)), np.zeros(0))
    x = model.features(texts)
    fitted = SGDClassifier(loss="log_loss", alpha=alpha, max_iter=50, tol=1e-4, random_state=0)
    fitted.fit(x, labels)
    return Model(
        tuple(str(k) for k in fitted.classes_),
        idf,
        np.ascontiguousarray(np.asarray(fitted.coef_, dtype=np.float64).T),
        np.asarray(fitted.intercept_, dtype=np.float64),
    )


def _key() -> str:
    digest = hashlib.sha256()
    digest.update(corpus_path("train").read_bytes())
    digest.update(f"{MODEL_VERSION}|{FEATURES}|{NGRAMS}|{ALPHA}|{sklearn.__version__}".encode())
    return digest.hexdigest()[:16]


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "linli"


def load_model(cache_dir: Path | None = None) -> Model:
    """The base model from the cache, trained and cached first if the corpus or parameters changed."""
    directory = cache_dir or default_cache_dir()
    path = directory / f"triage-{_key()}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                return Model(
                    tuple(str(k) for k in data["classes"]),
                    data["idf"],
                    data["weights"],
                    data["intercept"],
                )
        except (OSError, ValueError, KeyError):
            log.warning("triage model cache %s unreadable: training again", path)
    model = train(load_corpus("train"))
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".npz", delete=False) as f:
            np.savez(
                f,
                classes=np.array(model.classes),
                idf=model.idf,
                weights=model.weights,
                intercept=model.intercept,
            )
        os.replace(f.name, path)  # atomic: two processes training at once both leave a whole file
    except OSError:
        log.warning("triage model cache %s not writable: the model is kept in memory only", directory)
    return model


@dataclass(frozen=True)
class Neighbours:
    """One community's examples as feature columns (features x examples), so that comparing one
    message reads only the rows of its own features."""

    columns: sparse.csr_matrix
    labels: tuple[str, ...]

    def similarity(self, index: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Cosine of one message (feature indices, l2-normalised values) with every example."""
        return np.asarray(self.columns[index].T @ values).ravel()


Vector = tuple[np.ndarray, np.ndarray]


def neighbours(
    model: Model, examples: Sequence[Example], known: dict[object, Vector] | None = None
) -> Neighbours:
    """The examples ready to compare; `known` keeps the features of keyed examples between calls
    (a community's layer is rebuilt after each correction: only the new lesson is computed)."""
    if not examples:
        return Neighbours(sparse.csr_matrix((FEATURES, 0)), ())
    vectors = []
    for example in examples:
        vector = known.get(example.key) if known is not None and example.key is not None else None
        if vector is None:
            vector = model.vector(example.text)
            if known is not None and example.key is not None:
                known[example.key] = vector
        vectors.append(vector)
    indices = np.concatenate([index for index, _ in vectors])
    values = np.concatenate([value for _, value in vectors])
    columns = np.repeat(np.arange(len(vectors)), [len(index) for index, _ in vectors])
    matrix = sparse.csr_matrix((values, (indices, columns)), shape=(FEATURES, len(vectors)))
    return Neighbours(matrix, tuple(e.category for e in examples))


def classify(
    model: Model,
    text: str,
    catalog: Catalog,
    near: Neighbours | None = None,
    rule_weight: float = RULE_WEIGHT,
) -> Verdict:
    """The category of `text` among the keys of `catalog`, with its probability."""
    keys = [c.key for c in catalog.categories]
    index = {key: i for i, key in enumerate(keys)}
    other = index[catalog.other.key]
    index_, values = model.vector(text)
    base = np.zeros(len(keys))
    for key, p in zip(model.classes, model.probabilities(index_, values), strict=True):
        base[index.get(key, other)] += p  # a category this catalogue disabled counts as other
    if near is not None and near.labels:
        similarity = near.similarity(index_, values)
        order = np.argsort(-similarity)[:NEIGHBOURS]
        best = float(similarity[order[0]])
        if best > NEAR:
            votes = np.zeros(len(keys))
            for i in order:
                if similarity[i] > NEAR and near.labels[i] in index:
                    votes[index[near.labels[i]]] += similarity[i]
            if votes.sum() > 0:
                weight = min(1.0, NEIGHBOUR_WEIGHT * (best - NEAR) / (1 - NEAR))
                base = (1 - weight) * base + weight * votes / votes.sum()
    rule = categorize(text, catalog)
    combined = (1 - rule_weight) * base
    if rule != catalog.other.key:  # the rules' fallback is no signal; a keyword hit is
        combined[index[rule]] += rule_weight
    else:
        combined += rule_weight * base
    best_index = int(np.argmax(combined))
    return Verdict(
        keys[best_index],
        float(combined[best_index]),
        rule,
        {key: float(combined[i]) for i, key in enumerate(keys)},
    )


_MODELS: dict[Path, Model] = {}  # one base model per cache dir in a process (tests build many Envs)


class Triager:
    """The base model (loaded on first use) and each community's nearest-examples layer, rebuilt
    only when the community's lessons (or its catalogue) change."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self._cache_dir = cache_dir or default_cache_dir()
        self._layers: dict[int, tuple[object, Neighbours]] = {}
        self._known: dict[int, dict[object, Vector]] = {}  # features of each community's lessons

    @property
    def model(self) -> Model:
        model = _MODELS.get(self._cache_dir)
        if model is None:
            model = _MODELS[self._cache_dir] = load_model(self._cache_dir)
        return model

    def ready(self) -> None:
        """Load (or train and cache) the base model now."""
        _ = self.model

    def layer(self, community_id: int, version: object) -> Neighbours | None:
        """The community's layer if it was built for this `version` of its examples."""
        cached = self._layers.get(community_id)
        return cached[1] if cached is not None and cached[0] == version else None

    def build_layer(self, community_id: int, version: object, examples: Sequence[Example]) -> Neighbours:
        known = self._known.setdefault(community_id, {})
        built = neighbours(self.model, examples, known)
        wanted = {e.key for e in examples}
        for stale in [key for key in known if key not in wanted]:
            del known[stale]
        self._layers[community_id] = (version, built)
        return built


def catalog_examples(catalog: Catalog) -> list[Example]:
    """The ``examples`` the categories file gives (for the deployment or the community)."""
    return [Example(text, category.key) for category in catalog.categories for text in category.examples]
