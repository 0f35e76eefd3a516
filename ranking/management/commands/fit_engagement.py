"""Fit the learned engagement models now: `manage.py fit_engagement`.

The `ranking.refresh_engagement` task refits them on its schedule; this runs the fit alone,
after a batch of traffic or to inspect what the models learned (every input's weight is
printed: the logit of P(engage | examined) per unit of it)."""

from django.core.management.base import BaseCommand

from indexing.schema import DOC_TYPES
from ranking.engagement_model import MIN_CLICKS, refit_engagement_models


class Command(BaseCommand):
    help = "Fit each type's engagement model on its logged impressions and clicks."

    def handle(self, *args, **options):
        fits = refit_engagement_models()
        for doc_type in DOC_TYPES:
            fit = fits.get(doc_type)
            if fit is None:
                self.stdout.write(
                    f"{doc_type}: fewer than {MIN_CLICKS} clicks on ranked pages, the rank curve stands"
                )
                continue
            weights = ", ".join(
                f"{name} {weight:+.2f}" for name, weight in zip(fit.inputs, fit.coefficients, strict=True)
            )
            self.stdout.write(
                f"{doc_type}: {fit.impressions:,} impressions, {fit.clicks:,} clicks; "
                f"intercept {fit.intercept:+.2f}; {weights}"
            )
