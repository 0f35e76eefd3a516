"""Admin for merchandisers: synonyms, query-rule switches and the marketplace ranking
settings, live on save."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from .models import MarketplaceSettings, QueryRule, Synonym


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
