"""Admin: the ranker registry (what is served, why a version was rejected, canaries and how
they do online) and read-only
views of logged searches and events for debugging ranking."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from .canary import compare_canary
from .models import DocEngagement, EngagementFit, Event, RankerModel, SearchLog
from .registry import (
    CANARY_STOPPED,
    DEFAULT_CANARY_SHARE,
    promote,
    reset_serving_ranker,
    start_canary,
    stop_canary,
    try_load,
)


@admin.register(RankerModel)
class RankerModelAdmin(admin.ModelAdmin):
    """The registry. A version is promoted by the offline gate (train_ranker), or first served
    to a share of shoppers as a canary; the actions promote a version to everyone, start a
    canary (10% of shoppers; the share can be edited on its page) or stop one, and a canary's
    page compares it online with the promoted version (ranking/canary.py)."""

    list_display = [
        "version",
        "doc_type",
        "status",
        "canary_share",
        "created_at",
        "validation_ndcg",
        "incumbent_ndcg",
        "source",
        "online",
    ]
    list_filter = ["status", "doc_type"]
    search_fields = ["version"]
    readonly_fields = [
        "version",
        "doc_type",
        "status",
        "created_at",
        "canary_started_at",
        "online_comparison",
        "file_path",
        "feature_manifest",
        "metrics",
        "training_summary",
    ]
    actions = ["promote_versions", "start_canaries", "stop_canaries"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Only a running canary's share can be changed.
        if obj is not None and obj.status == RankerModel.Status.CANARY:
            return self.readonly_fields
        return [*self.readonly_fields, "canary_share"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        reset_serving_ranker()

    @admin.display(description="validation NDCG@10")
    def validation_ndcg(self, obj):
        return round(obj.metrics.get("validation_ndcg@10", 0.0), 4)

    @admin.display(description="incumbent NDCG@10")
    def incumbent_ndcg(self, obj):
        return round(obj.metrics.get("incumbent_validation_ndcg@10", 0.0), 4)

    @admin.display(description="trained on")
    def source(self, obj):
        return obj.training_summary.get("source", "")

    @admin.display(description="online (canary vs promoted)")
    def online(self, obj) -> str:
        if obj.status != RankerModel.Status.CANARY:
            return obj.metrics.get(CANARY_STOPPED, "")
        comparison = compare_canary(obj)
        if comparison.ctr is None:
            return f"waiting for searches ({comparison.canary.searches} vs {comparison.promoted.searches})"
        return (
            f"click-through {percent(comparison.canary.ctr)} vs {percent(comparison.promoted.ctr)}: "
            f"{comparison.ctr.verdict} ({comparison.canary.searches} vs {comparison.promoted.searches} searches)"
        )

    @admin.display(description="online comparison")
    def online_comparison(self, obj) -> str:
        if obj.status != RankerModel.Status.CANARY:
            return "Only a running canary is compared online."
        comparison = compare_canary(obj)
        arms = (comparison.canary, comparison.promoted)
        rows = [
            ("version", *(arm.label for arm in arms)),
            ("searches", *(str(arm.searches) for arm in arms)),
            ("click-through", *(percent(arm.ctr) for arm in arms)),
            ("add-to-cart rate", *(percent(arm.cart_rate) for arm in arms)),
            ("order rate", *(percent(arm.order_rate) for arm in arms)),
            ("revenue per search", *(str(arm.revenue_per_search or "-") for arm in arms)),
        ]
        table = format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", rows)
        verdicts = format_html_join(
            "",
            "<p>{}: {} ({}, valid however often it is checked)</p>",
            (
                (name, difference.verdict, str(difference))
                for name, difference in (
                    ("Click-through", comparison.ctr),
                    ("Order rate", comparison.order_rate),
                )
                if difference is not None
            ),
        )
        return format_html(
            "<table><tr><th></th><th>canary</th><th>promoted</th></tr>{}</table>{}<p>Since {}; "
            "single-type pages of shoppers with an id, simulated traffic left out.</p>",
            table,
            verdicts,
            obj.canary_started_at,
        )

    @admin.action(description="Promote to every shopper", permissions=["change"])
    def promote_versions(self, request, queryset):
        for record in self.one_per_type(request, queryset):
            if self.servable(request, record):
                promote(record)
                self.message_user(request, f"{record.version} now orders every {record.doc_type} search.")

    @admin.action(
        # Django %-formats action descriptions: the percent sign is doubled.
        description=f"Serve to {DEFAULT_CANARY_SHARE * 100:.0f}%% of shoppers as a canary",
        permissions=["change"],
    )
    def start_canaries(self, request, queryset):
        for record in self.one_per_type(request, queryset):
            if record.status == RankerModel.Status.PROMOTED:
                self.message_user(request, f"{record.version} is promoted already.", messages.ERROR)
            elif self.servable(request, record):
                start_canary(record, DEFAULT_CANARY_SHARE)
                self.message_user(request, f"{record.version} serves {DEFAULT_CANARY_SHARE:.0%} of shoppers.")

    @admin.action(description="Stop the canary", permissions=["change"])
    def stop_canaries(self, request, queryset):
        for record in queryset.filter(status=RankerModel.Status.CANARY):
            stop_canary(record)
            self.message_user(request, f"{record.version} stopped: the promoted version serves everyone.")

    def one_per_type(self, request, queryset) -> list[RankerModel]:
        records = list(queryset)
        if len({record.doc_type for record in records}) < len(records):
            self.message_user(request, "Choose one version per result type.", messages.ERROR)
            return []
        return records

    def servable(self, request, record: RankerModel) -> bool:
        """Whether serving could load it (its features are the ones computed now, its file is there)."""
        problem = try_load(record)[1]
        if problem:
            self.message_user(request, f"{record.version} cannot be served: {problem}", messages.ERROR)
        return problem is None


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


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
