"""Judgments (`query,docid,rating`, docid = the product's id in its source feed) keyed by
index document id, the form ranking works in."""

from searchapp.evaluation import load_judgments
from searchapp.management.commands.evaluate import Command as EvaluateCommand


def load_ratings_by_doc_id(path) -> dict[str, dict[str, int]]:
    """Judged docids missing from the catalog keep a placeholder id: no candidate list can
    contain them, but they stay in the ideal DCG (as `manage.py evaluate` counts them)."""
    ratings, _unknown = EvaluateCommand.ratings_by_index_id(load_judgments(path))
    return ratings
