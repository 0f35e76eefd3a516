"""Admin for merchandisers: synonyms and query-rule switches, live on save."""

from django.contrib import admin

from .models import QueryRule, Synonym


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
