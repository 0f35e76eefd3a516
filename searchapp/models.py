"""Query-understanding settings merchandisers manage in the admin: synonyms and the switches
of the query rules. Both take effect on the next query in every web process (see
searchapp/query/cached.py), with no re-index."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Synonym(models.Model):
    """One synonym rule, written as in Solr and Elasticsearch synonym files."""

    rule = models.CharField(
        max_length=500,
        help_text='Two-way: "tv, television" (each finds the others). '
        'One-way: "laptop => notebook" (laptop also finds notebook, not the reverse).',
    )
    locale = models.CharField(max_length=10, default="en", db_index=True)
    enabled = models.BooleanField(default=True)
    weight = models.FloatField(
        default=0.8,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="How much a match on the synonym counts, relative to the words typed (1.0).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["locale", "rule"]
        constraints = [
            models.UniqueConstraint(fields=["locale", "rule"], name="synonym_unique_rule_per_locale")
        ]

    def __str__(self):
        return self.rule

    @property
    def is_one_way(self) -> bool:
        return "=>" in self.rule

    def clean(self):
        from .query.synonyms import parse_rule

        try:
            parse_rule(self.rule)
        except ValueError as error:
            raise ValidationError({"rule": str(error)}) from None


class QueryRule(models.Model):
    """A query-understanding rule merchandisers can switch off; a rule with no row is on."""

    class Name(models.TextChoices):
        PRICE = "price", "Price constraints (under 20, $20 to $40)"
        BRAND = "brand", "Brand names"
        COLOUR = "colour", "Colours"
        UNIT = "unit", "Sizes and capacities (1tb, 27in)"
        PRODUCT_TYPE = "product_type", "Product types (category terms)"
        CATEGORY_INTENT = "category_intent", "Predicted category (classifier)"

    name = models.CharField(max_length=50, unique=True, choices=Name.choices)
    enabled = models.BooleanField(default=True)
    note = models.CharField(
        max_length=300, blank=True, help_text="Why it was switched off, for the next person."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({'on' if self.enabled else 'off'})"
