"""Admin for merchandisers: synonyms, query-rule switches, curations and the marketplace
ranking settings, live on save; the searches that found nothing, to act on."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .admin_links import new_curation_url, new_synonym_url, preview_url
from .curations import curated_queries, result_ids
from .models import Curation, MarketplaceSettings, QueryRule, Synonym, UnmetQuery

# The admin's home page lists the search tools (preview, analytics, unmet searches) above
# the models.
admin.site.index_template = "admin/searchapp/index.html"


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ["rule", "direction", "locale", "weight", "enabled", "updated_at"]
    list_editable = ["enabled"]
    list_filter = ["enabled", "locale"]
    search_fields = ["rule"]

    @admin.display(description="direction")
    def direction(self, synonym: Synonym) -> str:
        return "one-way" if synonym.is_one_way else "two-way"


@admin.register(QueryRule)
class QueryRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "enabled", "note", "updated_at"]
    list_editable = ["enabled"]


@admin.register(MarketplaceSettings)
class MarketplaceSettingsAdmin(admin.ModelAdmin):
    """One row: the list page goes straight to it, and it cannot be deleted (without it the
    defaults apply, which would surprise whoever tuned it)."""

    fieldsets = [
        (None, {"fields": ["enabled"]}),
        (
            "Objective",
            {
                "fields": [
                    "gmv_weight",
                    "personal_weight",
                    "trust_floor",
                    "trust_demotion",
                    "out_of_stock_demotion",
                    "learned_engagement",
                    "rank_evidence",
                ]
            },
        ),
        ("Cold start", {"fields": ["exploration_positions"]}),
        (
            "Mixed row",
            {
                "fields": [
                    "live_window_minutes",
                    ("max_lives_in_top", "lives_top_k"),
                    "max_consecutive_same_seller",
                    "shop_repeat_decay",
                    ("product_min_share", "product_max_share"),
                    ("video_min_share", "video_max_share"),
                    ("live_min_share", "live_max_share"),
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return not MarketplaceSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        row, _ = MarketplaceSettings.objects.get_or_create(pk=1)
        return redirect(reverse("admin:searchapp_marketplacesettings_change", args=[row.pk]))


@admin.register(UnmetQuery)
class UnmetQueryAdmin(admin.ModelAdmin):
    """Most searched first. Each row links to the search preview, and to a synonym rule and a
    curation (pin results, or send shoppers to a page) started from the query; "mark handled"
    files it away until it fails again. Only `handled_at` is editable: the rest is what
    shoppers did."""

    list_display = [
        "normalized_query",
        "doc_type",
        "searches",
        "step",
        "results",
        "corrected_query",
        "last_seen",
        "handled_at",
        "act",
    ]
    list_filter = ["step", "doc_type", ("handled_at", admin.EmptyFieldListFilter), "last_seen"]
    search_fields = ["normalized_query", "example_query"]
    date_hierarchy = "last_seen"
    actions = ["mark_handled"]
    readonly_fields = [f.name for f in UnmetQuery._meta.fields if f.name not in ("id", "handled_at")]

    def has_add_permission(self, request):
        return False

    @admin.display(description="act on it")
    def act(self, row: UnmetQuery) -> str:
        return format_html(
            '<a href="{}">search</a> · <a href="{}">add synonym</a> · <a href="{}">curate</a>',
            preview_url(row.normalized_query, row.doc_type),
            new_synonym_url(f"{row.normalized_query} => "),
            new_curation_url(row.normalized_query),
        )

    @admin.action(description="Mark handled (reopens if searched in vain again)", permissions=["change"])
    def mark_handled(self, request, queryset):
        count = queryset.update(handled_at=timezone.now())
        self.message_user(request, f"{count} marked handled.")


@admin.register(Curation)
class CurationAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "pinned_count",
        "hidden_count",
        "enabled",
        "status",
        "active_from",
        "active_until",
        "note",
        "preview",
    ]
    list_editable = ["enabled"]
    list_filter = ["enabled", "active_from", "active_until"]
    search_fields = ["queries", "pinned", "hidden", "note"]

    @admin.display(description="now")
    def status(self, curation: Curation) -> str:
        now = timezone.now()
        if not curation.enabled:
            return "off"
        if curation.active_from is not None and now < curation.active_from:
            return "scheduled"
        if curation.active_until is not None and now >= curation.active_until:
            return "ended"
        return "applies"

    @admin.display(description="pinned")
    def pinned_count(self, curation: Curation) -> int:
        return len(result_ids(curation.pinned))

    @admin.display(description="hidden")
    def hidden_count(self, curation: Curation) -> int:
        return len(result_ids(curation.hidden))

    @admin.display(description="")
    def preview(self, curation: Curation) -> str:
        queries = curated_queries(curation.queries)
        if not queries:
            return ""
        return format_html('<a href="{}">preview</a>', preview_url(queries[0], "all"))
