"""Category intent: which categories a query is most likely about, with probabilities.

A multinomial logistic regression over TF-IDF word uni- and bigrams (plurals folded, as the
backends' stemmed fields fold them), trained on the catalog
itself (each active product's title -> its category; the category names too) and, once
search logs exist, on queries -> the categories of what shoppers clicked (`training_samples`
takes them). scikit-learn fits it (`manage.py train_intent`); serving reads the fitted
weights from a .npz file and scores with numpy alone, so a prediction costs tens of
microseconds and a web process never imports scikit-learn. With no trained model the
funnel simply runs without category intent.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path

import numpy as np
from django.conf import settings

from ranking.accessories import accessory_targets, product_head
from ranking.words import stem

from .file_cached import FileCached
from .normalize import normalize

logger = logging.getLogger(__name__)

INTENT_FILE = "intent.npz"
HELD_OUT_BUCKETS = 10  # a product whose id hashes to bucket 0 is held out: a 10% split
CATEGORY_NAME_REPEATS = 20  # a category's own name is a strong, short, query-like example
CLICK_WEIGHT_CAP = 20
# How much the declared taxonomy rule's category (catalog/taxonomy.py, read on the query as
# if it were a title) counts against the classifier: rules know words the titles rarely
# use ("earbuds", "xbox"); measured on the dev queries, 0.5 lifts accuracy@1 by ~12 points.
RULE_WEIGHT = 0.5
# A query's words are all meant: a category whose products (titles, its name) never use one of
# them is this much less likely. The classifier sums word evidence, so one frequent word
# outvoted the rest: "nintendo switch games" was 0.77 network switches, whose titles never say
# "nintendo" or "game". Dev queries' majority categories, served (with the taxonomy rule):
# accuracy@1 0.656 -> 0.688, @3 0.766 -> 0.813. Held-out titles (`predict`) are unaffected.
ABSENT_WORD_ODDS = 0.1
# The word naming the product a query asks for (its head: "monitor" in "hdmi monitor") is
# read the same way against the categories whose texts use it mostly to say what they fit
# ("Monitor Cable DVI-HDMI", "Camera Lens", "Phone Case": ranking/accessories.py). Their titles
# hold the word, so they escaped ABSENT_WORD_ODDS, and "hdmi monitor" read 1.0 HDMI cables,
# whose titles name "monitor" as a head 23 times in 161 (monitors: 92 in 92).
HEAD_SHARE = 0.5
HEAD_ODDS = 0.001


@dataclass
class IntentModel:
    vocabulary: dict[str, int]  # term ("laptop", "laptop bag") -> feature column
    idf: np.ndarray  # per feature
    coef: np.ndarray  # classes x features
    intercept: np.ndarray  # per class
    classes: list[str]  # category paths
    # terms x classes: the term occurs in a training text of the class. None in a model saved
    # before it existed (predict_query then equals predict).
    presence: np.ndarray | None = None
    # terms x classes: at least HEAD_SHARE of the class's texts holding the word name it as
    # their product, not as what they fit. None in a model saved before it existed.
    heads: np.ndarray | None = None

    def predict(self, tokens: Sequence[str], top: int = 3) -> list[tuple[str, float]]:
        """The classifier's `top` categories with their probabilities; [] when no token is known."""
        return self.best(self.probabilities(tokens), top)

    def predict_query(
        self,
        tokens: Sequence[str],
        top: int = 3,
        brand_words: Iterable[str] = (),
        stated_by: Mapping[str, Collection[str]] | None = None,
    ) -> list[tuple[str, float]]:
        """`predict` for a shopper's query: a category lacking one of its words loses
        ABSENT_WORD_ODDS per missing word, unless its products state the word as an attribute
        (`stated_by`: folded word -> category paths; monitors flag "hdmi", their titles do not
        say it), and HEAD_ODDS when its texts use the word naming the product (not one of
        `brand_words`) mostly for what they fit."""
        probabilities = self.probabilities(tokens)
        if probabilities is None or self.presence is None:
            return self.best(probabilities, top)
        folded = folded_words(" ".join(tokens))
        words = [word for word in set(folded) if word in self.vocabulary]
        # One word cannot outvote itself; penalising its absence would only sharpen its own
        # distribution ("desk": 0.41 -> 0.83 on monitor desk mounts).
        if len(words) > 1:
            used = self.presence[[self.vocabulary[word] for word in words]]
            for row, word in enumerate(words):
                stating = [
                    self.class_index[path]
                    for path in (stated_by or {}).get(word, ())
                    if path in self.class_index
                ]
                used[row, stating] = True
            probabilities = probabilities * ABSENT_WORD_ODDS ** (~used).sum(axis=0)
        fitting = self.fitting_only(query_product_word(folded, brand_words))
        if fitting.any():
            probabilities = np.where(fitting, probabilities * HEAD_ODDS, probabilities)
        return self.best(probabilities / probabilities.sum(), top)

    @cached_property
    def class_index(self) -> dict[str, int]:
        return {path: column for column, path in enumerate(self.classes)}

    def fitting_only(self, head: str | None) -> np.ndarray:
        """Per class: its texts hold the query's product word `head` mostly for what they fit,
        while another class sells that product. When none does ("ipod": the catalog has docks
        and cases for iPods, no iPod), what fits it is the best the catalog has."""
        row = self.head_row(head)
        if row is None or not self.heads[row].any():
            return np.zeros(len(self.classes), dtype=bool)
        return self.presence[row] & ~self.heads[row]

    def head_row(self, head: str | None) -> int | None:
        """The word's row in `presence` and `heads`; None for a model saved without them or
        a word it does not know."""
        if self.heads is None or self.presence is None or head not in self.vocabulary:
            return None
        return self.vocabulary[head]

    def names_elsewhere(
        self, category: str, tokens: Sequence[str], brand_words: Iterable[str] = (), best: str | None = None
    ) -> bool:
        """The category's texts use the query's product word mostly for what they fit ("hdmi
        monitor": cables "Monitor Cable DVI-HDMI"), or hold the query's other words but never
        that word, which `best` (the classifier's first reading) names as its product ("hdmi
        tv": HDMI cables never say "TV"; TVs do): the declared rule reading the query as a
        title ("HDMI" first: cables) is not followed. A category holding none of the query's
        words keeps it, the rule being a declared alias ("iphone": phones, though the catalog
        sells no iPhone), as does a product word no likely category names (a typo: "nintendo
        swith")."""
        column = self.class_index.get(category)
        if column is None:
            return False
        folded = folded_words(" ".join(tokens))
        head = query_product_word(folded, brand_words)
        if self.fitting_only(head)[column]:
            return True
        return best in self.class_index and self.holds_only_modifiers(
            column, self.class_index[best], head, folded
        )

    def holds_only_modifiers(self, column: int, naming: int, head: str | None, folded: Sequence[str]) -> bool:
        """Class `column`'s texts hold another of the query's words, never its product word
        `head`, which class `naming` names as its product."""
        row = self.head_row(head)
        if row is None or self.presence[row, column] or not self.heads[row, naming]:
            return False
        others = [self.vocabulary[word] for word in set(folded) - {head} if word in self.vocabulary]
        return bool(self.presence[others, column].any())

    def probabilities(self, tokens: Sequence[str]) -> np.ndarray | None:
        """The distribution over classes; None when no term is known."""
        counts = Counter(term for term in query_terms(tokens) if term in self.vocabulary)
        if not counts:
            return None
        columns = np.fromiter((self.vocabulary[term] for term in counts), dtype=np.int64)
        # The vectorizer's sublinear tf x idf, L2-normalised: what the model was fitted on.
        weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * self.idf[columns]
        weights /= np.linalg.norm(weights)
        scores = self.coef[:, columns] @ weights + self.intercept
        probabilities = np.exp(scores - scores.max())
        return probabilities / probabilities.sum()

    def best(self, probabilities: np.ndarray | None, top: int) -> list[tuple[str, float]]:
        if probabilities is None:
            return []
        best = np.argsort(-probabilities)[:top]
        return [(self.classes[i], float(probabilities[i])) for i in best]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        temporary = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(
            temporary,
            terms=np.array(json.dumps(terms)),
            classes=np.array(json.dumps(self.classes)),
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            **{
                name: np.packbits(matrix, axis=1)
                for name, matrix in (("presence", self.presence), ("heads", self.heads))
                if matrix is not None
            },
        )
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        with np.load(path) as data:
            terms = json.loads(str(data["terms"]))
            classes = json.loads(str(data["classes"]))

            def word_matrix(name: str) -> np.ndarray | None:
                if name not in data:
                    return None
                return np.unpackbits(data[name], axis=1, count=len(classes)).astype(bool)

            return cls(
                vocabulary={term: column for column, term in enumerate(terms)},
                idf=data["idf"],
                coef=data["coef"],
                intercept=data["intercept"],
                classes=classes,
                presence=word_matrix("presence"),
                heads=word_matrix("heads"),
            )


def query_terms(tokens: Sequence[str]) -> list[str]:
    """Unigrams and bigrams, exactly as the vectorizer builds them at training time."""
    tokens = folded_words(" ".join(tokens))  # the vectorizer's own tokenizer
    return [*tokens, *(f"{a} {b}" for a, b in pairwise(tokens))]


def query_product_word(folded: Sequence[str], brand_words: Iterable[str]) -> str | None:
    """The (stemmed) word naming the product a query of `folded` words asks for, not a brand's."""
    return product_head(folded, (stem(word) for word in brand_words))


def folded_words(text: str) -> list[str]:
    """Words with plurals folded: titles say "laptop" mostly in "laptop bag", category names
    "Laptops"; unfolded, "laptop" leaned to bags (0.45) where "laptops" was sure (0.97)."""
    return [stem(word) for word in text.split()]


def blend_with_rule(
    predictions: list[tuple[str, float]], rule_category: str | None, top: int = 3
) -> list[tuple[str, float]]:
    """Mix the classifier's distribution with a one-hot on the rule's category."""
    if rule_category is None:
        return predictions
    if not predictions:
        return [(rule_category, RULE_WEIGHT)]
    blended = {path: (1 - RULE_WEIGHT) * probability for path, probability in predictions}
    blended[rule_category] = blended.get(rule_category, 0.0) + RULE_WEIGHT
    return sorted(blended.items(), key=lambda item: -item[1])[:top]


def intent_path() -> Path:
    return Path(settings.SEARCH_DATA_DIR) / "query" / INTENT_FILE


def load_intent_model() -> IntentModel | None:
    path = intent_path()
    if not path.is_file():
        logger.warning("no category-intent model at %s (run manage.py train_intent)", path)
        return None
    return IntentModel.load(path)


# Every process's copy, reloaded when `train_intent` replaces the file (file_cached.py).
get_intent_model = FileCached(intent_path, load_intent_model)


def bucket_of(product_key: str, buckets: int) -> int:
    """A deterministic split of the catalog, stable across runs and databases."""
    return int(hashlib.sha1(product_key.encode()).hexdigest(), 16) % buckets


def is_held_out(product_key: str) -> bool:
    """A 10% split."""
    return bucket_of(product_key, HELD_OUT_BUCKETS) == 0


def catalog_samples() -> list[tuple[str, str, str]]:
    """(normalised title, category path, external id) for every categorised active product."""
    from catalog.models import Product

    rows = Product.objects.filter(status=Product.Status.ACTIVE, category__isnull=False).values_list(
        "title", "category__path", "external_id"
    )
    return [(normalize(title), path, external_id) for title, path, external_id in rows.iterator(2000)]


def training_samples(
    catalog: Iterable[tuple[str, str, str]],
    *,
    hold_out: bool,
    click_log: Iterable[tuple[str, str, int]] = (),
) -> tuple[list[str], list[str], list[float]]:
    """Texts, labels and sample weights: titles (minus the held-out split when `hold_out`),
    each category's own name, and (query, clicked category, clicks) from search logs."""
    from catalog.models import Category

    texts, labels, weights = [], [], []
    for text, path, external_id in catalog:
        if not (hold_out and is_held_out(external_id)):
            texts.append(text)
            labels.append(path)
            weights.append(1.0)
    used = set(labels)
    for path, name in Category.objects.filter(path__in=used).values_list("path", "name"):
        texts.append(normalize(name.replace("&", " ")))
        labels.append(path)
        weights.append(float(CATEGORY_NAME_REPEATS))
    for query, path, clicks in click_log:
        texts.append(normalize(query))
        labels.append(path)
        weights.append(float(min(clicks, CLICK_WEIGHT_CAP)))
    return texts, labels, weights


def train_intent_model(texts: list[str], labels: list[str], weights: list[float]) -> IntentModel:
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        tokenizer=folded_words,
        token_pattern=None,
        lowercase=False,  # texts are normalised already, as queries are
        ngram_range=(1, 2),
        min_df=1,
        sublinear_tf=True,
    )
    features = vectorizer.fit_transform(texts)
    # Balanced: the catalog is mostly toner; a query is as likely to be about any category.
    classifier = LogisticRegression(C=10.0, max_iter=300, class_weight="balanced")
    classifier.fit(features, labels, sample_weight=weights)
    class_of = {label: column for column, label in enumerate(classifier.classes_)}
    membership = sparse.csr_matrix(
        (np.ones(len(labels)), (np.arange(len(labels)), [class_of[label] for label in labels])),
        shape=(len(labels), len(class_of)),
    )
    return IntentModel(
        vocabulary={term: int(column) for term, column in vectorizer.vocabulary_.items()},
        idf=vectorizer.idf_,
        coef=classifier.coef_,
        intercept=classifier.intercept_,
        classes=[str(label) for label in classifier.classes_],
        presence=(features.T @ membership).toarray() > 0,
        heads=named_as_product(texts, vectorizer.vocabulary_, features, membership),
    )


def named_as_product(texts: list[str], vocabulary: dict[str, int], features, membership) -> np.ndarray:
    """terms x classes: HEADS (see HEAD_SHARE), from the texts' tf-idf `features` and their
    (texts x classes) `membership`."""
    from sklearn.feature_extraction.text import CountVectorizer

    named = CountVectorizer(analyzer=product_words, vocabulary=vocabulary, binary=True).transform(texts)
    holding = (features.T > 0).astype(np.float64) @ membership
    naming = named.T.astype(np.float64) @ membership
    holding, naming = holding.toarray(), naming.toarray()
    return (holding > 0) & (naming >= HEAD_SHARE * holding)


def product_words(text: str) -> list[str]:
    """A text's (folded) words less those naming what it fits ("monitor" in "Monitor Cable")."""
    words = folded_words(text)
    fitted = accessory_targets(words)
    return [word for word in words if word not in fitted]


def accuracy_at(
    predict: Callable[[Sequence[str], int], list[tuple[str, float]]],
    examples: Iterable[tuple[Sequence[str], str]],
    ks: Sequence[int] = (1, 3),
) -> dict[str, float]:
    """Share of (tokens, true category) examples whose category is in `predict`'s top k."""
    hits, total = Counter(), 0
    for tokens, truth in examples:
        predicted = [path for path, _ in predict(tokens, max(ks))]
        total += 1
        for k in ks:
            hits[k] += truth in predicted[:k]
    return {f"accuracy@{k}": round(hits[k] / total, 4) if total else 0.0 for k in ks} | {"examples": total}
