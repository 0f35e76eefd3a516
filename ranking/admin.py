"""Admin: the ranker registry (what is served, why a version was rejected) and read-only
views of logged searches and events for debugging ranking."""

from django.contrib import admin

from .models import DocEngagement, EngagementFit, Event, RankerModel, SearchLog


@admin.register(RankerModel)
class RankerModelAdmin(admin.ModelAdmin):
    list_display = ["version", "status", "created_at", "validation_ndcg", "incumbent_ndcg", "source"]
    list_filter = ["status"]
    search_fields = ["version"]
    readonly_fields = [
        "version",
        "created_at",
        "file_path",
        "feature_manifest",
        "metrics",
        "training_summary",
    ]

    @admin.display(description="validation NDCG@10")
    def validation_ndcg(self, obj):
        return round(obj.metrics.get("validation_ndcg@10", 0.0), 4)

    @admin.display(description="incumbent NDCG@10")
    def incumbent_ndcg(self, obj):
        return round(obj.metrics.get("incumbent_validation_ndcg@10", 0.0), 4)

    @admin.display(description="trained on")
    def source(self, obj):
        return obj.training_summary.get("source", "")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SearchLog)
class SearchLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "query", "doc_type", "model_version", "is_simulated", "shopper_id"]
    list_filter = ["is_simulated", "doc_type", "model_version"]
    search_fields = ["query", "normalized_query", "=search_id", "=shopper_id"]
    date_hierarchy = "created_at"


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "doc_id", "position", "search_id", "value"]
    list_filter = ["kind"]
    search_fields = ["=doc_id", "=search_id", "=event_id"]
    date_hierarchy = "occurred_at"


@admin.register(DocEngagement)
class DocEngagementAdmin(ReadOnlyAdmin):
    list_display = ["doc_id", "category", "impressions", "examinations", "clicks", "carts", "orders"]
    search_fields = ["=doc_id", "category"]
    ordering = ["-clicks"]


@admin.register(EngagementFit)
class EngagementFitAdmin(ReadOnlyAdmin):
    list_display = ["doc_type", "fitted_at", "impressions", "clicks", "feature_version"]
    readonly_fields = ["inputs", "coefficients", "intercept"]
