"""Admin for merchandisers: synonyms, query-rule switches, curations, boost rules and the
marketplace ranking settings, live on save; the searches that found nothing, to act on."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify

from catalog.admin_autocomplete import SafeAutocompleteAdmin

from .admin_links import new_curation_url, new_synonym_url, preview_url
from .curations import curated_queries, result_ids
from .models import BoostRule, Curation, MarketplaceSettings, QueryRule, Synonym, UnmetQuery, first_query_line
from .query.synonyms import DEFAULT_LOCALE
from .synonym_files import MAX_FILE_BYTES, export_synonyms, import_synonyms

# The admin's home page lists the search tools (preview, analytics, unmet searches) above
# the models.
admin.site.index_template = "admin/searchapp/index.html"


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    """The rules, with a Solr / Elasticsearch synonyms file to import or download
    (synonym_files.py) from the list page."""

    list_display = ["rule", "direction", "locale", "weight", "enabled", "updated_at"]
    list_editable = ["enabled"]
    list_filter = ["enabled", "locale"]
    search_fields = ["rule"]
    change_list_template = "admin/searchapp/synonym/change_list.html"

    def get_urls(self):
        own = [
            path("import/", self.admin_site.admin_view(self.import_file), name="searchapp_synonym_import"),
            path("download/", self.admin_site.admin_view(self.download), name="searchapp_synonym_download"),
        ]
        return own + super().get_urls()

    def import_file(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SynonymFileForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = import_synonyms(
                form.rules_text(), form.cleaned_data["locale"], form.cleaned_data["weight"]
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a synonyms file",
            "form": form,
            "result": result,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/searchapp/synonym/import.html", context)

    def download(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        locale = request.GET.get("locale") or DEFAULT_LOCALE
        response = HttpResponse(export_synonyms(locale), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="synonyms-{slugify(locale)}.txt"'
        return response

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
        return curation.status(timezone.now())

    @admin.display(description="pinned")
    def pinned_count(self, curation: Curation) -> int:
        return len(result_ids(curation.pinned))

    @admin.display(description="hidden")
    def hidden_count(self, curation: Curation) -> int:
        return len(result_ids(curation.hidden))

    @admin.display(description="")
    def preview(self, curation: Curation) -> str:
        return preview_link(curation.queries)


BOOST_RULE_FIELDS = [
    "name",
    "factor",
    "queries",
    "doc_type",
    "brands",
    "categories",
    "shops",
    "enabled",
    ("active_from", "active_until"),
    "note",
]


class SynonymFileForm(forms.Form):
    file = forms.FileField(required=False, help_text="A synonyms.txt: one rule a line, # comments.")
    text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 8, "cols": 80}), label="or paste the rules"
    )
    locale = forms.CharField(max_length=10, initial=DEFAULT_LOCALE)
    weight = forms.FloatField(
        min_value=0.0,
        max_value=1.0,
        initial=0.8,
        help_text="Of every rule imported (editable per rule after).",
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_FILE_BYTES:
                self.add_error("file", f"At most {MAX_FILE_BYTES // 1_000_000} MB.")
            else:
                try:
                    data["text"] = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    self.add_error("file", "Not UTF-8 text: save the file as UTF-8.")
        elif not data.get("text", "").strip():
            raise forms.ValidationError("Choose a file or paste the rules.")
        return data

    def rules_text(self) -> str:
        return self.cleaned_data["text"]


class BoostRuleForm(forms.ModelForm):
    class Meta:
        model = BoostRule
        fields = [
            name for entry in BOOST_RULE_FIELDS for name in ((entry,) if isinstance(entry, str) else entry)
        ]

    def clean(self):
        data = super().clean()
        if not (data.get("doc_type") or data.get("brands") or data.get("categories") or data.get("shops")):
            raise forms.ValidationError(
                "Say which results to lift or sink: a result type, brands, categories or shops."
            )
        if data.get("factor") == 1:
            self.add_error("factor", "A factor of 1 changes nothing: above 1 lifts, below 1 sinks.")
        return data


@admin.register(BoostRule)
class BoostRuleAdmin(SafeAutocompleteAdmin, admin.ModelAdmin):
    form = BoostRuleForm
    list_display = [
        "name",
        "effect",
        "applies_to",
        "searches",
        "enabled",
        "status",
        "active_until",
        "preview",
    ]
    list_editable = ["enabled"]
    list_filter = ["enabled", "doc_type", "active_from", "active_until"]
    search_fields = ["name", "queries", "note", "brands__name", "categories__name", "shops__name"]
    autocomplete_fields = ["brands", "categories", "shops"]
    fields = BOOST_RULE_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("brands", "categories", "shops")

    @admin.display(description="effect", ordering="factor")
    def effect(self, rule: BoostRule) -> str:
        return f"lift x{rule.factor:g}" if rule.factor > 1 else f"sink x{rule.factor:g}"

    @admin.display(description="results")
    def applies_to(self, rule: BoostRule) -> str:
        parts = [rule.get_doc_type_display()] if rule.doc_type else []
        for label, names in (
            ("brand", [brand.name for brand in rule.brands.all()]),
            ("category", [category.name for category in rule.categories.all()]),
            ("shop", [shop.name for shop in rule.shops.all()]),
        ):
            if names:
                parts.append(f"{label}: {', '.join(names)}")
        return "; ".join(parts)

    @admin.display(description="queries")
    def searches(self, rule: BoostRule) -> str:
        return first_query_line(rule.queries) if rule.queries.strip() else "every search"

    @admin.display(description="now")
    def status(self, rule: BoostRule) -> str:
        return rule.status(timezone.now())

    @admin.display(description="")
    def preview(self, rule: BoostRule) -> str:
        return preview_link(rule.queries)


def preview_link(queries: str) -> str:
    """A link to the search preview of the first of a rule's queries (none without one)."""
    listed = curated_queries(queries)
    return format_html('<a href="{}">preview</a>', preview_url(listed[0], "all")) if listed else ""
