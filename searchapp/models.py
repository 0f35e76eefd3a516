"""Query-understanding settings merchandisers manage in the admin: synonyms and the switches
of the query rules. Both take effect on the next query in every web process (see
searchapp/query/cached.py), with no re-index."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
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
        PRICE_PREFERENCE = "price_preference", "Price wishes (cheap, budget, premium)"
        COMPONENT_SPEC = "component_spec", "Component specs of another product (laptop 16gb ram)"
        MODEL_NUMBER = (
            "model_number",
            "Model numbers (tn-2110): exact matches first, over a contradicting brand",
        )
        FEATURE = (
            "feature",
            "Features (bluetooth, wifi): products flagging them first, those flagging them false last",
        )

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


class MarketplaceSettings(models.Model):
    """The one row of marketplace ranking settings merchandisers tune (the admin edits
    pk=1; without a row the defaults of ranking/marketplace_config.py apply). Live in every
    process within a second of a save, like synonyms."""

    share = [MinValueValidator(0.0), MaxValueValidator(1.0)]

    enabled = models.BooleanField(
        default=True, help_text="Off: every list is served in its ranker's order (relevance only)."
    )
    gmv_weight = models.FloatField(
        default=0.1,
        validators=share,
        help_text="Relevance/GMV trade-off: 0 ranks by expected engagement, 1 by expected GMV.",
    )
    personal_weight = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(5.0)],
        help_text="How much a shopper's interest profile lifts expected engagement (0 = off).",
    )
    trust_floor = models.FloatField(
        default=0.5, validators=share, help_text="Shops with a trust score below this are demoted."
    )
    trust_demotion = models.FloatField(
        default=0.95,
        validators=[MinValueValidator(0.05), MaxValueValidator(1.0)],
        help_text="Low-trust shops' utility is multiplied by this (1 = no demotion; never hidden).",
    )
    out_of_stock_demotion = models.FloatField(
        default=0.8,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Out-of-stock products' utility is multiplied by this (1 = no demotion; 0 = after "
        "every product in stock).",
    )
    learned_engagement = models.BooleanField(
        default=True,
        help_text="Expected engagement from the model learned on logged clicks (rank and how well "
        "each item matches the query); off: from its rank alone.",
    )
    rank_evidence = models.FloatField(
        default=0.5,
        validators=share,
        help_text="With the learned engagement: how much the ranker's order counts beside the "
        "model (0: the model alone, so value alone orders items it rates alike; 1: the rank alone).",
    )
    exploration_positions = models.CharField(
        max_length=100,
        default="5,12",
        blank=True,
        help_text="Page positions (1-based, comma-separated) given to cold-start exploration: "
        "the exposure budget per page. Empty switches exploration off.",
    )
    live_window_minutes = models.PositiveIntegerField(
        default=30, help_text="Scheduled live streams are shown this many minutes before they start."
    )
    max_lives_in_top = models.PositiveIntegerField(default=1, help_text="At most this many live streams...")
    lives_top_k = models.PositiveIntegerField(default=10, help_text="...in this many first slots.")
    max_consecutive_same_seller = models.PositiveIntegerField(
        default=2,
        help_text="Mixed rows: no more consecutive items of one shop or one brand (0 = no limit).",
    )
    shop_repeat_decay = models.FloatField(
        default=0.95,
        validators=[MinValueValidator(0.1), MaxValueValidator(1.0)],
        help_text="Each further item of a shop already on the page counts this much less (1 = off).",
    )
    product_min_share = models.FloatField(default=0.5, validators=share)
    product_max_share = models.FloatField(default=1.0, validators=share)
    video_min_share = models.FloatField(default=0.0, validators=share)
    video_max_share = models.FloatField(default=0.3, validators=share)
    live_min_share = models.FloatField(default=0.0, validators=share)
    live_max_share = models.FloatField(default=0.1, validators=share)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "marketplace settings"

    def __str__(self):
        return "Marketplace settings"

    def clean(self):
        from .marketplace_settings import parse_positions

        errors = {}
        try:
            parse_positions(self.exploration_positions)
        except ValueError as error:
            errors["exploration_positions"] = str(error)
        for doc_type in ("product", "video", "live"):
            low, high = getattr(self, f"{doc_type}_min_share"), getattr(self, f"{doc_type}_max_share")
            if low > high:
                errors[f"{doc_type}_min_share"] = "Must not exceed the maximum share."
        if self.product_min_share + self.video_min_share + self.live_min_share > 1:
            errors["product_min_share"] = "The minimum shares add up to more than the page."
        if errors:
            raise ValidationError(errors)


class UnmetQuery(models.Model):
    """A query whose words found nothing as typed (the recovery ladder ran, or only meaning
    found results): what merchandisers read to add a synonym, fix a title or stock what
    shoppers ask for. One row per normalized query and result type, counted since it was first
    seen or last handled."""

    class Step(models.TextChoices):
        # The recovery ladder's steps (recovery.py), named as merchandisers read them.
        RELAX_FILTERS = "relax_filters", "Found after dropping filters read from the query"
        RELAX_TERMS = "relax_terms", "Found after making unknown words optional"
        DENSE_ONLY = "dense_only", "Found by meaning only (no word matched)"
        SUGGEST = "suggest", "Nothing found: suggestions only"

    normalized_query = models.CharField(max_length=500)
    doc_type = models.CharField(max_length=10)
    example_query = models.CharField(max_length=500, help_text="The latest text a shopper typed.")
    corrected_query = models.CharField(max_length=500, blank=True)
    searches = models.PositiveIntegerField(default=0, help_text="Since first seen, or since last handled.")
    step = models.CharField(max_length=20, choices=Step.choices, help_text="The latest search's.")
    results = models.PositiveIntegerField(default=0, help_text="What the latest search showed.")
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)
    handled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when a merchandiser marks it handled; a later search that still finds "
        "nothing as typed reopens it.",
    )
    # The latest search counted: a redelivered task (at-least-once delivery) is not counted twice.
    last_search_id = models.UUIDField(null=True, editable=False)

    class Meta:
        ordering = ["-searches", "-last_seen"]
        verbose_name = "search that found nothing"
        verbose_name_plural = "searches that found nothing"
        constraints = [
            models.UniqueConstraint(
                fields=["normalized_query", "doc_type"], name="unmet_query_unique_per_type"
            )
        ]

    def __str__(self):
        return f"{self.normalized_query} ({self.doc_type})"


class UnmetSearchDay(models.Model):
    """Searches the recovery ladder answered, counted per day, result type and step. With the
    day's served searches (ranking.SearchLog, where a search that found nothing at all is not)
    they give the share of searches that found nothing, day by day, in the search analytics.
    Counts only: no query text, nothing about a shopper."""

    day = models.DateField()
    doc_type = models.CharField(max_length=10)
    step = models.CharField(max_length=20, choices=UnmetQuery.Step.choices)
    searches = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "doc_type", "step"]
        constraints = [
            models.UniqueConstraint(fields=["day", "doc_type", "step"], name="unmet_search_day_unique")
        ]

    def __str__(self):
        return f"{self.day} {self.doc_type} {self.step}: {self.searches}"


def validate_redirect(url: str) -> None:
    """A path on this site or an absolute https address: never a script or another scheme."""
    if url.startswith("/") and not url.startswith("//"):
        return
    URLValidator(schemes=["https"])(url)


@dataclass(frozen=True)
class Window:
    """When a scheduled rule applies; None is an open end."""

    active_from: datetime | None = None
    active_until: datetime | None = None

    def active_at(self, moment: datetime) -> bool:
        return (self.active_from is None or self.active_from <= moment) and (
            self.active_until is None or moment < self.active_until
        )


class ScheduledRule(models.Model):
    """What curations and boost rules share: a switch, a campaign window checked at every
    search (so a campaign starts and ends on time without a reload) and a note."""

    enabled = models.BooleanField(default=True)
    active_from = models.DateTimeField(
        null=True, blank=True, help_text="Empty: from now on. A campaign's rule can wait for it."
    )
    active_until = models.DateTimeField(null=True, blank=True, help_text="Empty: until switched off.")
    note = models.CharField(max_length=300, blank=True, help_text="Why, for the next person.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(active_from__isnull=True)
                | models.Q(active_until__isnull=True)
                | models.Q(active_from__lt=models.F("active_until")),
                name="%(class)s_window_starts_before_it_ends",
                violation_error_message="The window must start before it ends.",
            )
        ]

    def overlaps(self, other: "ScheduledRule") -> bool:
        """Whether the two windows share a moment (an open end reaches forever)."""
        starts_before_other_ends = (
            other.active_until is None or self.active_from is None or (self.active_from < other.active_until)
        )
        ends_after_other_starts = (
            self.active_until is None or other.active_from is None or (other.active_from < self.active_until)
        )
        return starts_before_other_ends and ends_after_other_starts

    @property
    def window(self) -> Window:
        return Window(self.active_from, self.active_until)

    def status(self, now: datetime) -> str:
        """As the admin lists it: off, scheduled, ended or applies."""
        if not self.enabled:
            return "off"
        if self.window.active_at(now):
            return "applies"
        return "scheduled" if self.active_from is not None and now < self.active_from else "ended"


def first_query_line(queries: str) -> str:
    first, _, rest = queries.strip().partition("\n")
    return f"{first} (+{len(rest.splitlines())} more)" if rest.strip() else first


class Curation(ScheduledRule):
    """Results a merchandiser fixes for some queries: pinned ones first, in the order given, and
    hidden ones never shown (searchapp/curations.py). Live on save in every process."""

    queries = models.TextField(
        help_text="One query per line. A search matches when its text, or its spelling "
        "correction, is one of them once both are normalised (case, spaces, punctuation, units).",
    )
    pinned = models.TextField(
        blank=True,
        help_text="Results shown first, in this order: one id per line, as the search preview and "
        "the API name them (product:123, video:7, live:3). In relevance order only; a pinned "
        "result must still pass the shopper's own filters.",
    )
    hidden = models.TextField(blank=True, help_text="Results never shown for these queries: one id per line.")
    redirect_url = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_redirect],
        help_text='A page to send the shopper to instead ("returns" -> /help/returns, '
        '"black friday" -> a campaign page): a path on this site or an https:// address. '
        "The response still carries the results.",
    )

    def __str__(self):
        return first_query_line(self.queries)

    def clean(self):
        from .curations import curation_errors

        errors = curation_errors(self)
        if errors:
            raise ValidationError(errors)


class BoostRule(ScheduledRule):
    """Lift or sink the results a merchandiser names (a brand, a category, a shop, a result
    type) for some queries or every search: their expected utility in the blend is multiplied
    by `factor` (searchapp/boost_rules.py). Relevance order only; live on save in every
    process."""

    name = models.CharField(max_length=100, help_text='What it is for: "Sony week", "sink refurbished".')
    factor = models.FloatField(
        default=2.0,
        validators=[MinValueValidator(0.1), MaxValueValidator(10.0)],
        help_text="Above 1 lifts, below 1 sinks (0.1 to 10). A result's expected utility is "
        "multiplied by it: at 2 it passes neighbours that match up to about half as well as it "
        "does, never a far better match; at 10 it reaches the top from about twentieth.",
    )
    queries = models.TextField(
        blank=True,
        help_text="One query per line, matched as curations match them. Empty: every search.",
    )
    doc_type = models.CharField(
        max_length=10,
        blank=True,
        choices=[("product", "products"), ("video", "videos"), ("live", "live streams")],
        help_text="Empty: every result type.",
    )
    brands = models.ManyToManyField(
        "catalog.Brand", blank=True, help_text="A video or live stream matches by its tagged products."
    )
    categories = models.ManyToManyField("catalog.Category", blank=True, help_text="Subcategories included.")
    shops = models.ManyToManyField("catalog.Shop", blank=True)

    def __str__(self):
        return self.name
