"""Admin: look a shopper's (or session's) profile up by key, read-only, for merchandisers
and support ("why does this shopper see these results?")."""

from django.contrib import admin

from ranking.admin import ReadOnlyAdmin

from .models import ShopperProfile

SHOWN_ENTRIES = 3


@admin.register(ShopperProfile)
class ShopperProfileAdmin(ReadOnlyAdmin):
    list_display = ["key", "event_count", "updated_at", "top_categories", "top_brands"]
    search_fields = ["key"]
    date_hierarchy = "updated_at"

    @admin.display(description="top categories")
    def top_categories(self, obj):
        return top_names(obj.affinities.get("categories", {}))

    @admin.display(description="top brands")
    def top_brands(self, obj):
        return top_names(obj.affinities.get("brands", {}))


def top_names(weights: dict[str, float]) -> str:
    return ", ".join(sorted(weights, key=weights.get, reverse=True)[:SHOWN_ENTRIES])
