"""Products whose own titles argue against their category: a review list for merchandisers.

Each product is scored by the category-intent classifier (intent.py) trained on the other
folds of the catalog, so its own label never votes for itself. It is suspected when that
classifier gives its category less than `filed_below` and another one more than
`suggested_above`. On the Chorus catalog it pointed at printers the taxonomy rules had filed
as toner and ink cartridges (printers carry their supplies' attributes): 106 of them, once
their titles were searched for the printer specs the flagged ones shared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .intent import bucket_of, train_intent_model, training_samples

FOLDS = 5
FILED_BELOW = 0.1
SUGGESTED_ABOVE = 0.6


@dataclass(frozen=True)
class Suspect:
    external_id: str
    filed: str  # category path
    suggested: str
    filed_probability: float
    suggested_probability: float


def suspected_misfiles(
    catalog: Sequence[tuple[str, str, str]],
    *,
    folds: int = FOLDS,
    filed_below: float = FILED_BELOW,
    suggested_above: float = SUGGESTED_ABOVE,
    on_fold: Callable[[int, int], None] | None = None,
) -> list[Suspect]:
    """`catalog`: (normalised title, category path, external id), as intent.catalog_samples
    gives them. Most confident suggestion first. `on_fold(done, folds)` reports progress."""
    suspected = []
    for fold in range(folds):
        model = train_intent_model(
            *training_samples([row for row in catalog if bucket_of(row[2], folds) != fold], hold_out=False)
        )
        for text, filed, external_id in catalog:
            if bucket_of(external_id, folds) != fold:
                continue
            probabilities = dict(model.predict(text.split(), top=len(model.classes)))
            suggested, confidence = max(probabilities.items(), key=lambda item: item[1], default=(filed, 1.0))
            filed_probability = probabilities.get(filed, 0.0)
            if suggested != filed and filed_probability < filed_below and confidence > suggested_above:
                suspected.append(Suspect(external_id, filed, suggested, filed_probability, confidence))
        if on_fold is not None:
            on_fold(fold + 1, folds)
    return sorted(suspected, key=lambda misfile: (-misfile.suggested_probability, misfile.external_id))
