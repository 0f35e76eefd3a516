"""What the ranking app stores: searches as served (with the feature vector of every hit
shown: feature logging), shopper events, per-document engagement aggregates, and the
registry of trained ranker versions."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class SearchLog(models.Model):
    """One served search. `model_version` is the ranker that ordered it ("" = first stage)."""

    search_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    query = models.CharField(max_length=500)
    normalized_query = models.CharField(max_length=500, db_index=True)
    shopper_id = models.CharField(max_length=100, blank=True)
    session_id = models.CharField(max_length=100, blank=True)
    doc_type = models.CharField(max_length=10)
    filters = models.JSONField(default=dict, blank=True)
    model_version = models.CharField(max_length=64, blank=True)
    # Marks traffic made by `manage.py simulate_traffic`, so it never passes for real behaviour.
    is_simulated = models.BooleanField(default=False)
    # Positions (1-based) of the page given to cold-start exploration: its exposure budget is
    # reported from these.
    explored_positions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.query} ({self.search_id})"


class ImpressionLog(models.Model):
    """A hit as served, with the exact feature vector the ranker saw (float32 bytes in the
    order of the feature list named by `feature_version`): training reads these instead of
    recomputing features that may have drifted since."""

    search = models.ForeignKey(SearchLog, on_delete=models.CASCADE, related_name="impressions")
    position = models.PositiveIntegerField()  # 1-based
    doc_id = models.CharField(max_length=64)
    features = models.BinaryField()
    feature_version = models.CharField(max_length=16)

    class Meta:
        ordering = ["search", "position"]
        constraints = [
            models.UniqueConstraint(fields=["search", "position"], name="impression_unique_position")
        ]
        indexes = [models.Index(fields=["doc_id"])]

    def __str__(self):
        return f"{self.doc_id} at {self.position}"


class Event(models.Model):
    class Kind(models.TextChoices):
        IMPRESSION = "impression"
        CLICK = "click"
        ADD_TO_CART = "add_to_cart"
        ORDER = "order"

    # Client-generated: replaying a batch (retries, at-least-once delivery) never double counts.
    event_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Not a foreign key: events may arrive before (or without) their search's log row.
    search_id = models.UUIDField(null=True, blank=True)
    doc_id = models.CharField(max_length=64)
    position = models.PositiveIntegerField(null=True, blank=True)
    shopper_id = models.CharField(max_length=100, blank=True)
    session_id = models.CharField(max_length=100, blank=True)
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["search_id"]),
            models.Index(fields=["doc_id", "kind"]),
            models.Index(fields=["occurred_at"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.doc_id}"


class DocEngagement(models.Model):
    """Events aggregated per document (refreshed by `ranking.refresh_engagement`).
    `examinations` sums the examination propensity of each impression's position, so clicks
    / examinations is a position-debiased click rate (clicks over expected clicks)."""

    doc_id = models.CharField(max_length=64, primary_key=True)
    category = models.CharField(max_length=200, blank=True)
    impressions = models.PositiveIntegerField(default=0)
    examinations = models.FloatField(default=0.0)
    clicks = models.PositiveIntegerField(default=0)
    carts = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.doc_id


class EngagementFit(models.Model):
    """A type's learned engagement model (ranking/engagement_model.py) as the last
    `refresh_engagement` fitted it; serving ignores it once the feature list has changed."""

    doc_type = models.CharField(max_length=10, unique=True)
    feature_version = models.CharField(max_length=16)
    inputs = models.JSONField(help_text="Input names, in the order of the coefficients.")
    coefficients = models.JSONField()
    intercept = models.FloatField()
    impressions = models.PositiveIntegerField(help_text="Logged impressions it was fitted on.")
    clicks = models.PositiveIntegerField()
    fitted_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.doc_type} engagement model"


class RankerModel(models.Model):
    class Status(models.TextChoices):
        CANDIDATE = "candidate"
        # Passed the offline gate and serves a share of shoppers beside the promoted version
        # until someone promotes or stops it (ranking/canary.py).
        CANARY = "canary"
        PROMOTED = "promoted"
        REJECTED = "rejected"

    version = models.CharField(max_length=64, unique=True)
    # Each document type has its own ranker (products, videos and live streams are judged on
    # different signals); at most one promoted version per type.
    doc_type = models.CharField(max_length=10, default="product", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    file_path = models.CharField(
        max_length=500, help_text="LightGBM text model under SEARCH_DATA_DIR/models."
    )
    feature_manifest = models.JSONField(help_text="Feature names, in order, and their version hash.")
    metrics = models.JSONField(default=dict)
    training_summary = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    canary_share = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(0.5)],  # registry.MAX_CANARY_SHARE
        help_text="A canary's share of shoppers (0 to 0.5), split by shopper or session id.",
    )
    canary_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one promoted version and one canary per type: serving never has to choose.
            models.UniqueConstraint(
                fields=["doc_type", "status"],
                condition=models.Q(status="promoted"),
                name="ranker_one_promoted_per_type",
            ),
            models.UniqueConstraint(
                fields=["doc_type", "status"],
                condition=models.Q(status="canary"),
                name="ranker_one_canary_per_type",
            ),
        ]

    def __str__(self):
        return f"{self.version} ({self.status})"
