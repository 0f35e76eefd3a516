"""The admin's search preview: the page shoppers get for a query, and why."""

from searchapp.models import UnmetQuery

PREVIEW = "/admin/search-preview/"


def test_a_merchandiser_sees_the_page_shoppers_get_and_why(admin_client, client, small_catalog):
    shown = client.get("/api/search", {"q": "sony headphnes under $300"}).json()

    page = admin_client.get(
        PREVIEW, {"q": "sony headphnes under $300", "type": "product", "brand": "", "price_max": ""}
    )

    assert page.status_code == 200
    rows = page.context["rows"]
    # the same order as the API's, each result linked to its admin page, with its first-stage rank
    assert [row["id"] for row in rows] == [hit["id"] for hit in shown["results"]]
    headphones = small_catalog["headphones"]
    assert rows[0]["admin_url"] == f"/admin/catalog/product/{headphones.pk}/change/"
    assert rows[0]["first_stage_rank"] >= 1
    assert page.context["understood"]["corrected_query"] == "sony headphones under $300"
    assert "price: up to 300" in page.context["filters_read"]
    html = page.content.decode()
    assert "Searched as" in html and "<em>headphones</em>" in html.casefold()


def test_filters_and_recovery_are_shown_and_previews_are_not_counted_as_searches(admin_client, small_catalog):
    page = admin_client.get(PREVIEW, {"q": "speaker", "brand": "Nobody"})
    assert page.context["rows"] == [] and page.context["understood"]["recovery"] == "suggest"
    assert 'id="recovery"' in page.content.decode()
    assert not UnmetQuery.objects.exists()


def test_a_colour_narrows_the_preview_as_it_narrows_the_api(admin_client, client, small_catalog):
    shown = client.get("/api/search", {"q": "hp", "colour": "black"}).json()

    page = admin_client.get(PREVIEW, {"q": "hp", "colour": "Black"})

    assert page.context["form"]["colour"] == "Black"
    # The small catalog's one black product: "HP 305 black toner cartridge".
    assert [row["id"] for row in page.context["rows"]] == [hit["id"] for hit in shown["results"]]
    assert [row["id"] for row in page.context["rows"]] == [f"product:{small_catalog['toner'].pk}"]


def test_bad_input_is_shown_beside_the_form_not_a_server_error(admin_client, small_catalog):
    page = admin_client.get(PREVIEW, {"q": "toner", "price_min": "cheap", "page_size": "1000"})
    assert page.status_code == 200
    assert set(page.context["errors"]) == {"price_min", "page_size"}
    assert "price_min: A valid number is required." in page.content.decode()


def test_the_preview_is_for_staff_only(client, small_catalog):
    response = client.get(PREVIEW, {"q": "toner"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
