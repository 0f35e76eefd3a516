"""The admin's search analytics: how the period went, day by day and in total (with the share of
searches that found nothing, from UnmetSearchDay), then how each query performs over it
(ranking/query_report.py), most searched first or the ones that do not convert first, with links
to the search preview and to a curation and a boost rule started from the query; `format=csv`
downloads that table. Below it, the searches shoppers rephrased before clicking
(ranking/reformulations.py), each with a link to a synonym rule started from the pair."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from ranking.query_report import LOW_CTR, TOP, Outcomes, daily_performance, logged_searches, query_performance
from ranking.reformulations import rephrasings

from .admin_links import new_boost_rule_url, new_curation_url, new_synonym_url, preview_url
from .unmet_queries import unmet_by_day

ROWS = 200


class AnalyticsForm(forms.Form):
    days = forms.FloatField(
        initial=7, min_value=0.01, max_value=366, help_text="Searches of the last N days."
    )
    ordering = forms.ChoiceField(
        choices=[(TOP, "most searched first"), (LOW_CTR, "lowest click-through first")], initial=TOP
    )
    min_searches = forms.IntegerField(
        initial=5,
        min_value=1,
        help_text="Leave out queries searched fewer times (for the low click-through view).",
    )
    include_simulated = forms.BooleanField(
        required=False, help_text="Count traffic made by simulate_traffic too (the demo's only traffic)."
    )


@dataclass(frozen=True)
class Day:
    """A day of the period (or, with `day` None, all of it): its served searches' outcomes, and
    the searches whose words found nothing as typed."""

    day: date | None
    served: Outcomes  # searches that showed results
    recovered: int  # showed results only once the recovery ladder loosened the query
    nothing: int  # showed nothing at all (not among the served)

    @property
    def searches(self) -> int:
        return self.served.searches + self.nothing

    @property
    def nothing_as_typed(self) -> int:
        return self.recovered + self.nothing


def days_of(days: float, include_simulated: bool) -> list[Day]:
    """Every day the period touches, whole (its first day from midnight), oldest first."""
    now = timezone.now()
    start = timezone.localtime(now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    whole_days = (now - start).total_seconds() / 86_400
    served = {row.day: row for row in daily_performance(logged_searches(whole_days, include_simulated))}
    unmet = unmet_by_day(start.date())
    return [
        Day(day, served.get(day, Outcomes()), *unmet.get(day, (0, 0)))
        for day in sorted(served.keys() | unmet.keys())
    ]


def period_of(days: list[Day]) -> Day:
    return Day(
        None,
        Outcomes.total([day.served for day in days]),
        sum(day.recovered for day in days),
        sum(day.nothing for day in days),
    )


DEFAULTS = {
    name: field.initial for name, field in AnalyticsForm.base_fields.items() if field.initial is not None
}
# A cell a spreadsheet would read as a formula: shoppers type the queries (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def search_analytics(request):
    form = AnalyticsForm(request.GET or DEFAULTS)
    context = {**admin.site.each_context(request), "title": "Search analytics", "form": form}
    if not form.is_valid():
        return TemplateResponse(request, "admin/searchapp/search_analytics.html", context)
    options = form.cleaned_data
    searches = logged_searches(options["days"], options["include_simulated"])
    rows = query_performance(
        searches,
        ordering=options["ordering"],
        min_searches=options["min_searches"] if options["ordering"] == LOW_CTR else 1,
        limit=ROWS,
    )
    if request.GET.get("format") == "csv":
        return csv_download(rows)
    context["days"] = days_of(options["days"], options["include_simulated"])
    context["period"] = period_of(context["days"])
    context["rows"] = [
        {
            "row": row,
            "preview_url": preview_url(row.query),
            "curate_url": new_curation_url(row.query),
            "boost_url": new_boost_rule_url(row.query),
        }
        for row in rows
    ]
    context["rephrasings"] = [
        {"pair": pair, "synonym_url": new_synonym_url(f"{pair.typed} => {pair.rephrased}")}
        for pair in rephrasings(searches)[:ROWS]
    ]
    context["unmet_url"] = reverse("admin:searchapp_unmetquery_changelist")
    context["csv_query"] = urlencode({**form.cleaned_data, "format": "csv"})
    return TemplateResponse(request, "admin/searchapp/search_analytics.html", context)


def csv_download(rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="search-analytics.csv"'
    writer = csv.writer(response)
    writer.writerow(["query", "searches", "click_through", "cart_rate", "order_rate", "revenue"])
    for row in rows:
        writer.writerow(
            [
                spreadsheet_safe(row.query),
                row.searches,
                f"{row.ctr:.4f}",
                f"{row.cart_rate:.4f}",
                f"{row.order_rate:.4f}",
                row.revenue,
            ]
        )
    return response


def spreadsheet_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text
