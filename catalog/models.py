"""The catalog: shops, brands, a category tree, products, short videos and live streams."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Shop(TimestampedModel):
    """A seller. Trust signals feed seller authority in ranking."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    is_official = models.BooleanField(default=False, help_text="The brand's own store.")
    is_verified = models.BooleanField(default=False)
    rating = models.FloatField(default=0.0, validators=[MinValueValidator(0), MaxValueValidator(5)])
    fulfilment_rate = models.FloatField(default=1.0, validators=[MinValueValidator(0), MaxValueValidator(1)])
    return_rate = models.FloatField(default=0.0, validators=[MinValueValidator(0), MaxValueValidator(1)])
    followers = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Brand(TimestampedModel):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Category(TimestampedModel):
    """A node of the category tree; `path` is the slash-joined slug chain for prefix filters."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, related_name="children", on_delete=models.PROTECT
    )
    path = models.CharField(max_length=500, db_index=True, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_per_parent")
        ]

    def __str__(self):
        return self.path

    def save(self, *args, **kwargs):
        self.path = f"{self.parent.path}/{self.slug}" if self.parent_id else self.slug
        super().save(*args, **kwargs)

    def ancestors_and_self(self):
        """Names from the root down to this node (used for category facets and filters)."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class Product(TimestampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DRAFT = "draft", "Draft"
        ARCHIVED = "archived", "Archived"

    class CategorySource(models.TextChoices):
        RULES = "rules", "Taxonomy rules"
        FEED = "feed", "The imported feed"
        MERCHANDISER = "merchandiser", "A merchandiser"

    # Id in the source feed (Chorus/Icecat id, or the operator's own); judgments refer to it.
    external_id = models.CharField(max_length=100, unique=True)
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    category_source = models.CharField(
        max_length=12,
        choices=CategorySource.choices,
        default=CategorySource.RULES,
        help_text="Who filed the product: a re-import or `categorize --refile` re-derives a category "
        "only where the taxonomy rules filed it, never over a merchandiser's choice.",
    )
    shop = models.ForeignKey(Shop, null=True, blank=True, on_delete=models.SET_NULL, related_name="products")
    attributes = models.JSONField(default=dict, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default="USD")
    stock = models.PositiveIntegerField(default=0)
    image_url = models.URLField(max_length=500, blank=True)
    rating = models.FloatField(default=0.0, validators=[MinValueValidator(0), MaxValueValidator(5)])
    review_count = models.PositiveIntegerField(default=0)
    sales_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["brand", "status"]),
            models.Index(fields=["category", "status"]),
            models.Index(fields=["shop", "status"]),
            models.Index(fields=["price"]),
            models.Index(fields=["-sales_count"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_non_negative"),
        ]

    def __str__(self):
        return self.title

    @property
    def in_stock(self):
        return self.stock > 0


class Video(TimestampedModel):
    """A short video (review, unboxing, how-to) that tags products."""

    class Kind(models.TextChoices):
        REVIEW = "review", "Review"
        UNBOXING = "unboxing", "Unboxing"
        HOWTO = "howto", "How-to"
        COMPARISON = "comparison", "Comparison"

    creator = models.CharField(max_length=200, db_index=True)
    shop = models.ForeignKey(Shop, null=True, blank=True, on_delete=models.SET_NULL, related_name="videos")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REVIEW)
    title = models.CharField(max_length=300)
    caption = models.TextField(blank=True)
    hashtags = models.JSONField(default=list, blank=True)
    transcript = models.TextField(blank=True)
    duration_seconds = models.PositiveIntegerField(default=0)
    thumbnail_url = models.URLField(max_length=500, blank=True)
    views = models.PositiveBigIntegerField(default=0)
    likes = models.PositiveBigIntegerField(default=0)
    published_at = models.DateTimeField(db_index=True)
    products = models.ManyToManyField(Product, blank=True, related_name="videos")
    # Demo media made by `manage.py generate_media`; a rerun replaces these rows and only these.
    is_generated = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-published_at"]

    def __str__(self):
        return self.title


class LiveStream(TimestampedModel):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        LIVE = "live", "Live"
        ENDED = "ended", "Ended"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="live_streams")
    host = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    scheduled_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    viewer_count = models.PositiveIntegerField(default=0)
    products = models.ManyToManyField(Product, blank=True, related_name="live_streams")
    is_generated = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-scheduled_at"]
        indexes = [models.Index(fields=["status", "scheduled_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(started_at__isnull=False),
                name="live_ended_implies_started",
            ),
        ]

    def __str__(self):
        return self.title


class SuspectedMisfile(models.Model):
    """A product whose own title argues against its category (`manage.py audit_categories
    --save`), kept for merchandisers to review in the admin: move it to the suggestion or
    dismiss it. Each saved audit replaces the previous findings."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="suspected_misfile")
    filed = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="+", help_text="Category when audited"
    )
    suggested = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    filed_probability = models.FloatField()
    suggested_probability = models.FloatField(help_text="The classifier's confidence in the suggestion")
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-suggested_probability"]

    def __str__(self):
        return f"{self.product}: {self.filed} -> {self.suggested}"
