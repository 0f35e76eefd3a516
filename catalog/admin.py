"""Admin for merchandisers: find products fast, see what sells, and link media to products."""

from django.contrib import admin
from django.db import models, transaction
from django.db.models import Count
from django.utils.html import format_html

from .admin_autocomplete import SafeAutocompleteAdmin
from .colours import product_colours
from .features import product_features
from .models import Brand, Category, LiveStream, Product, Shop, SuspectedMisfile, Video


class VideoProductInline(SafeAutocompleteAdmin, admin.TabularInline):
    model = Video.products.through
    verbose_name = "tagged product"
    verbose_name_plural = "tagged products"
    autocomplete_fields = ["product"]
    extra = 0


class LiveStreamProductInline(VideoProductInline):
    model = LiveStream.products.through


class ProductVideoInline(SafeAutocompleteAdmin, admin.TabularInline):
    model = Video.products.through
    verbose_name = "video tagging this product"
    verbose_name_plural = "videos tagging this product"
    autocomplete_fields = ["video"]
    extra = 0


class ProductLiveStreamInline(ProductVideoInline):
    model = LiveStream.products.through
    verbose_name = "live stream featuring this product"
    verbose_name_plural = "live streams featuring this product"
    autocomplete_fields = ["livestream"]


# URLs typed without a scheme are https (Django 6's default; this silences the transition warning).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class ProductCountMixin:
    """A sortable product count column, computed in the changelist query."""

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_count=Count("products", distinct=True))

    @admin.display(description="products", ordering="product_count")
    def product_count(self, obj):
        return obj.product_count


@admin.register(Shop)
class ShopAdmin(ProductCountMixin, admin.ModelAdmin):
    list_display = [
        "name", "is_official", "is_verified", "rating", "fulfilment_rate", "return_rate", "followers",
        "product_count", "created_at",
    ]  # fmt: skip
    list_filter = ["is_official", "is_verified", "created_at"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["name"]


@admin.register(Brand)
class BrandAdmin(ProductCountMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "product_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["name"]


class TopLevelCategoryFilter(admin.SimpleListFilter):
    title = "top-level category"
    parameter_name = "root"

    def lookups(self, request, model_admin):
        return Category.objects.filter(parent=None).values_list("path", "name")

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(path__startswith=self.value())
        return queryset


@admin.register(Category)
class CategoryAdmin(SafeAutocompleteAdmin, ProductCountMixin, admin.ModelAdmin):
    list_display = ["name", "path", "parent", "product_count"]
    list_filter = [TopLevelCategoryFilter]
    list_select_related = ["parent"]
    search_fields = ["name", "path"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["path", "created_at", "updated_at"]
    ordering = ["path"]


@admin.register(Product)
class ProductAdmin(SafeAutocompleteAdmin, admin.ModelAdmin):
    list_display = [
        "title", "external_id", "brand", "category", "shop", "price", "currency", "stock", "rating",
        "review_count", "sales_count", "status",
    ]  # fmt: skip
    list_filter = [
        "status", "shop__is_official", "shop__is_verified", "category", "category_source", "brand", "currency",
    ]  # fmt: skip
    list_select_related = ["brand", "category", "shop"]
    search_fields = ["title", "external_id", "brand__name", "category__name"]
    autocomplete_fields = ["brand", "category", "shop"]
    readonly_fields = ["image_preview", "in_stock", "colours", "features", "created_at", "updated_at"]
    list_per_page = 50
    formfield_overrides = URL_FIELDS
    show_full_result_count = False  # exact counts over large catalogs are slow on PostgreSQL
    ordering = ["-sales_count"]
    date_hierarchy = "released_at"
    inlines = [ProductVideoInline, ProductLiveStreamInline]
    fieldsets = [
        (None, {"fields": ["external_id", "title", "description", "status"]}),
        (
            "Classification",
            {"fields": ["brand", "category", "category_source", "shop", "attributes", "colours", "features"]},
        ),
        ("Offer", {"fields": ["price", "currency", "stock", "in_stock"]}),
        ("Signals", {"fields": ["rating", "review_count", "sales_count", "released_at"]}),
        ("Media", {"fields": ["image_url", "image_preview"]}),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        # A category chosen here is the merchandiser's: re-imports and refiles keep it. Setting
        # the source back to the rules hands the product back to them.
        if "category" in form.changed_data and "category_source" not in form.changed_data:
            obj.category_source = Product.CategorySource.MERCHANDISER
        super().save_model(request, obj, form, change)

    @admin.display(description="image")
    def image_preview(self, obj):
        if not obj.image_url:
            return "-"
        return format_html('<img src="{}" alt="" style="max-height: 160px">', obj.image_url)

    @admin.display(boolean=True)
    def in_stock(self, obj):
        return obj.in_stock

    @admin.display(description="colours search reads")
    def colours(self, obj):
        # What the colour facet and filter will say of it once saved and re-indexed: read from
        # the title and the colour attributes, so an edit to either shows here after saving.
        return ", ".join(product_colours(obj.title, obj.attributes)) or "none stated"

    @admin.display(description="features search reads")
    def features(self, obj):
        # The yes/no attributes a query naming them prefers ("bluetooth speaker") or demotes.
        having, lacking = product_features(obj.attributes)
        stated = [f"has {', '.join(having)}"] if having else []
        if lacking:
            stated.append(f"lacks {', '.join(lacking)}")
        return "; ".join(stated) or "none flagged"


@admin.register(Video)
class VideoAdmin(SafeAutocompleteAdmin, admin.ModelAdmin):
    list_display = ["title", "kind", "creator", "shop", "views", "likes", "duration_seconds", "published_at"]
    list_filter = ["kind", "is_generated", "shop__is_official", "published_at"]
    list_select_related = ["shop"]
    search_fields = ["title", "creator", "caption", "products__title"]
    autocomplete_fields = ["shop"]
    readonly_fields = ["is_generated", "created_at", "updated_at"]
    exclude = ["products"]  # edited through the inline, which scales to many products
    formfield_overrides = URL_FIELDS
    inlines = [VideoProductInline]
    ordering = ["-published_at"]
    date_hierarchy = "published_at"


@admin.register(LiveStream)
class LiveStreamAdmin(SafeAutocompleteAdmin, admin.ModelAdmin):
    list_display = [
        "title",
        "shop",
        "host",
        "status",
        "scheduled_at",
        "started_at",
        "ended_at",
        "viewer_count",
    ]
    list_filter = ["status", "is_generated", "shop__is_official", "scheduled_at"]
    list_select_related = ["shop"]
    search_fields = ["title", "host", "shop__name", "products__title"]
    autocomplete_fields = ["shop"]
    readonly_fields = ["is_generated", "created_at", "updated_at"]
    exclude = ["products"]
    inlines = [LiveStreamProductInline]
    ordering = ["-scheduled_at"]
    date_hierarchy = "scheduled_at"


@admin.register(SuspectedMisfile)
class SuspectedMisfileAdmin(admin.ModelAdmin):
    """The last saved `audit_categories` findings: move products to the suggested category, keep
    them where they are (both make the filing the merchandiser's: later audits leave them out),
    or dismiss a finding (delete it). Findings come from the audit only, so none can be added."""

    list_display = ["product", "filed", "suggested", "suggested_probability", "still_filed", "found_at"]
    list_filter = ["suggested", "filed"]
    list_select_related = ["product", "filed", "suggested"]
    search_fields = ["product__title", "product__external_id"]
    readonly_fields = [
        "product",
        "filed",
        "suggested",
        "filed_probability",
        "suggested_probability",
        "found_at",
    ]
    actions = ["move_to_suggested", "keep_filed"]

    def has_add_permission(self, request):
        return False

    @admin.display(boolean=True, description="still filed so")
    def still_filed(self, obj):
        """False when someone changed the product's category since the audit."""
        return obj.product.category_id == obj.filed_id

    @admin.action(description="Move the selected products to the suggested category")
    def move_to_suggested(self, request, queryset):
        with transaction.atomic():
            findings = list(queryset.select_related("product"))
            for finding in findings:
                finding.product.category_id = finding.suggested_id
                finding.product.category_source = Product.CategorySource.MERCHANDISER
                # A model save: the product is re-indexed once the transaction commits.
                finding.product.save(update_fields=["category", "category_source", "updated_at"])
            queryset.delete()
        self.message_user(
            request, f"Moved {len(findings)} products to the suggested category; they are re-indexed."
        )

    @admin.action(description="Keep the selected products where they are filed")
    def keep_filed(self, request, queryset):
        """The filing is the merchandiser's now: later audits and re-imports leave it."""
        with transaction.atomic():
            products = Product.objects.filter(pk__in=queryset.values("product_id"))
            kept = products.update(category_source=Product.CategorySource.MERCHANDISER)
            queryset.delete()
        self.message_user(request, f"Kept {kept} products in their categories; later audits leave them out.")
