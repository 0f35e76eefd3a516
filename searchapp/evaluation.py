"""Offline relevance metrics over graded judgments (`query,docid,rating`, rating 0..3).

Conventions (the usual ones for graded e-commerce judgments, as in Quepid / Chorus):

- NDCG@k: gain 2^rating - 1, discount log2(rank + 1); a document without a judgment has gain
  0. The ideal DCG ranks ALL judged documents of the query, including judged documents that
  are not in the loaded catalog: a ranking cannot score well by missing them.
- NDCG@k condensed (Sakai, 2007): unjudged documents are removed from the ranking first, so
  the metric measures the order of what was judged and is not biased against systems that
  retrieve good but unjudged documents.
- Relevant means rating >= 1 (RELEVANT_RATING): recall@k and MRR use it.
- Recall@k: relevant documents in the top k / all relevant judged documents of the query.
- MRR: mean over queries of 1 / rank of the first relevant document (0 when none is ranked).
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

RELEVANT_RATING = 1

Judgments = Mapping[str, Mapping[str, int]]  # query -> {docid: rating}


def load_judgments(path: str | Path) -> dict[str, dict[str, int]]:
    """Read a `query,docid,rating` CSV (header required); a repeated pair keeps its last rating."""
    judgments: dict[str, dict[str, int]] = defaultdict(dict)
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"query", "docid", "rating"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            judgments[row["query"].strip()][row["docid"].strip()] = int(row["rating"])
    return dict(judgments)


def dcg(ratings: Iterable[float]) -> float:
    return sum((2**rating - 1) / math.log2(rank + 1) for rank, rating in enumerate(ratings, start=1))


def ndcg_at_k(ranking: Sequence[str], ratings: Mapping[str, int], k: int = 10) -> float:
    ideal = dcg(sorted(ratings.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg(ratings.get(doc, 0) for doc in ranking[:k]) / ideal


def condensed_ndcg_at_k(ranking: Sequence[str], ratings: Mapping[str, int], k: int = 10) -> float:
    return ndcg_at_k([doc for doc in ranking if doc in ratings], ratings, k)


def relevant_docs(ratings: Mapping[str, int]) -> set[str]:
    return {doc for doc, rating in ratings.items() if rating >= RELEVANT_RATING}


def recall_at_k(ranking: Sequence[str], ratings: Mapping[str, int], k: int = 100) -> float:
    relevant = relevant_docs(ratings)
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def reciprocal_rank(ranking: Sequence[str], ratings: Mapping[str, int]) -> float:
    for rank, doc in enumerate(ranking, start=1):
        if ratings.get(doc, 0) >= RELEVANT_RATING:
            return 1.0 / rank
    return 0.0


@dataclass(frozen=True)
class QueryMetrics:
    ndcg: float
    ndcg_condensed: float
    recall: float
    reciprocal_rank: float

    def as_dict(self, k: int, recall_k: int) -> dict[str, float]:
        return {
            f"ndcg@{k}": self.ndcg,
            f"ndcg@{k}_condensed": self.ndcg_condensed,
            f"recall@{recall_k}": self.recall,
            "mrr": self.reciprocal_rank,
        }


def score_query(
    ranking: Sequence[str], ratings: Mapping[str, int], k: int = 10, recall_k: int = 100
) -> QueryMetrics:
    return QueryMetrics(
        ndcg=ndcg_at_k(ranking, ratings, k),
        ndcg_condensed=condensed_ndcg_at_k(ranking, ratings, k),
        recall=recall_at_k(ranking, ratings, recall_k),
        reciprocal_rank=reciprocal_rank(ranking, ratings),
    )


def mean_metrics(per_query: Sequence[QueryMetrics]) -> QueryMetrics:
    """Macro average: every query counts the same."""
    if not per_query:
        return QueryMetrics(0.0, 0.0, 0.0, 0.0)
    count = len(per_query)
    return QueryMetrics(
        ndcg=sum(m.ndcg for m in per_query) / count,
        ndcg_condensed=sum(m.ndcg_condensed for m in per_query) / count,
        recall=sum(m.recall for m in per_query) / count,
        reciprocal_rank=sum(m.reciprocal_rank for m in per_query) / count,
    )
