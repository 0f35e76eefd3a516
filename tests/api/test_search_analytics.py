"""The admin's search analytics: how each query performed over a period, from the served-search
log and the shoppers' events."""

import csv
import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ranking.models import Event, SearchLog
from ranking.query_report import LOW_CTR, Outcomes, daily_performance, logged_searches, query_performance
from ranking.reformulations import Rephrasing, rephrasings
from searchapp.unmet_queries import record_unmet_search

ANALYTICS = "/admin/search-analytics/"
pytestmark = pytest.mark.django_db


def served(
    query: str, *events: tuple[str, str | None], days_ago: float = 0, simulated=False, session="", minutes=0.0
) -> None:
    search = SearchLog.objects.create(
        query=query,
        normalized_query=query,
        doc_type="product",
        session_id=session,
        is_simulated=simulated,
        created_at=timezone.now() - timedelta(days=days_ago) + timedelta(minutes=minutes),
    )
    for kind, value in events:
        Event.objects.create(
            event_id=uuid.uuid4().hex,
            kind=kind,
            search_id=search.search_id,
            doc_id="product:1",
            value=Decimal(value) if value else None,
            occurred_at=timezone.now(),
        )


@pytest.fixture
def traffic():
    click, cart, order = Event.Kind.CLICK, Event.Kind.ADD_TO_CART, Event.Kind.ORDER
    for _ in range(3):
        served("toner")  # no engagement
    served("toner", (click, None), (click, None), (cart, None), (order, "19.99"), (order, "5.01"))
    served("toner", (click, None))
    for _ in range(2):
        served("headset", (click, None))
    served("headset", (click, None), (order, "100"))
    served("mouse", days_ago=10)  # before the period
    served("toner", (click, None), simulated=True)


def test_each_query_reports_its_searches_and_the_share_that_engaged(traffic):
    rows = {row.query: row for row in query_performance(logged_searches(7))}
    assert set(rows) == {"toner", "headset"}
    toner = rows["toner"]
    # a search counts once however many clicks or orders it got
    assert (toner.searches, toner.clicked, toner.carted, toner.ordered) == (5, 2, 1, 1)
    assert toner.revenue == Decimal("25.00") and toner.ctr == pytest.approx(0.4)
    assert (rows["headset"].searches, rows["headset"].clicked, rows["headset"].revenue) == (
        3,
        3,
        Decimal("100.00"),
    )
    assert query_performance(logged_searches(7, include_simulated=True))[0].searches == 6
    assert [row.query for row in query_performance(logged_searches(30))] == ["toner", "headset", "mouse"]


def test_the_low_click_through_view_puts_the_queries_that_do_not_convert_first(traffic):
    assert [row.query for row in query_performance(logged_searches(30), ordering=LOW_CTR)] == [
        "mouse",
        "toner",
        "headset",
    ]
    assert [
        row.query for row in query_performance(logged_searches(30), ordering=LOW_CTR, min_searches=3)
    ] == [
        "toner",
        "headset",
    ]
    with pytest.raises(ValueError, match="ordering"):
        query_performance(logged_searches(7), ordering="best")


def test_merchandisers_read_it_in_the_admin_and_download_it(admin_client, traffic):
    page = admin_client.get(ANALYTICS)
    assert page.status_code == 200
    assert [item["row"].query for item in page.context["rows"]] == ["toner", "headset"]
    html = page.content.decode()
    assert "40%" in html and "/admin/search-preview/?q=toner" in html
    assert "/admin/searchapp/curation/add/?queries=toner" in html

    download = admin_client.get(
        ANALYTICS, {"days": "30", "ordering": "low_ctr", "min_searches": "1", "format": "csv"}
    )
    assert download["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [(row["query"], row["searches"], row["click_through"]) for row in table] == [
        ("mouse", "1", "0.0000"),
        ("toner", "5", "0.4000"),
        ("headset", "3", "1.0000"),
    ]

    # a query a spreadsheet would run as a formula is written as text
    served("=hyperlink(1)")
    download = admin_client.get(
        ANALYTICS, {"days": "1", "ordering": "top", "min_searches": "1", "format": "csv"}
    )
    assert "'=hyperlink(1)" in download.content.decode()

    # the admin's home page leads to the search tools
    home = admin_client.get("/admin/").content.decode()
    assert ANALYTICS in home and "/admin/search-preview/" in home


def test_the_period_reads_day_by_day_and_in_total(admin_client, traffic):
    days = daily_performance(logged_searches(30))

    today = timezone.localdate()
    assert [(d.day, d.searches, d.clicked, d.carted, d.ordered, d.revenue) for d in days] == [
        (today - timedelta(days=10), 1, 0, 0, 0, Decimal("0.00")),  # "mouse"
        (today, 8, 5, 1, 2, Decimal("125.00")),  # "toner" and "headset"; the simulated one left out
    ]
    period = Outcomes.total(days)
    assert (period.searches, period.clicked, period.ordered, period.revenue) == (9, 5, 2, Decimal("125.00"))
    assert period.revenue_per_search == Decimal("13.89")

    # and today two more searches found nothing as typed: one showed results once the ladder
    # loosened it (it is among the served), one showed nothing at all
    for number, step in enumerate(("relax_terms", "suggest"), start=1):
        record_unmet_search(
            {
                "search_id": f"00000000-0000-0000-0000-{number:012d}",
                "query": "zune",
                "normalized_query": "zune",
                "corrected_query": "",
                "doc_type": "product",
                "step": step,
                "results": 0,
                "searched_at": timezone.now().isoformat(),
            }
        )

    page = admin_client.get(ANALYTICS, {"days": "30", "ordering": "top", "min_searches": "1"})
    shown = page.context["days"]
    assert [(d.day, d.searches, d.nothing_as_typed, d.nothing) for d in shown] == [
        (today - timedelta(days=10), 1, 0, 0),
        (today, 9, 2, 1),
    ]
    assert shown[-1].served.revenue == Decimal("125.00")
    total = page.context["period"]
    assert (total.searches, total.nothing_as_typed, total.nothing, total.served) == (10, 2, 1, period)
    html = page.content.decode()
    total_row = html[html.index('id="period-total"') :]
    for cell in ("<th>10</th>", "<th>20% (2)</th>", "<th>10% (1)</th>", "<th>56%</th>", "<th>13.89</th>"):
        assert cell in total_row


def test_a_bad_period_is_shown_beside_the_form(admin_client, traffic):
    page = admin_client.get(ANALYTICS, {"days": "-3", "ordering": "top", "min_searches": "x"})
    assert page.status_code == 200
    assert set(page.context["form"].errors) == {"days", "min_searches"}
    assert "rows" not in page.context


def test_searches_rephrased_before_a_click_are_offered_as_synonyms(admin_client):
    click = (Event.Kind.CLICK, None)
    for session in ("s1", "s2", "s3"):
        served("earpods", session=session)
        served("earbuds", click, session=session, minutes=1)
    served("earpods", session="s4")
    served("earbuds", click, session="s4", minutes=30)  # too late to be a retry
    served("earpods", click, session="s5")  # clicked: nothing to rephrase
    served("earbuds", click, session="s5", minutes=1)
    for session in ("s6", "s7", "s8"):
        served("toner", session=session)
        served("hp toner", click, session=session, minutes=1)  # a refinement, not a synonym

    assert rephrasings(logged_searches(7)) == [Rephrasing("earpods", "earbuds", 3)]
    assert rephrasings(logged_searches(7), min_sessions=4) == []

    page = admin_client.get(ANALYTICS).content.decode().replace("&amp;", "&")
    assert "/admin/searchapp/synonym/add/?rule=earpods+%3D%3E+earbuds" in page
