"""Every catalog model's admin renders for a merchandiser, with search and filters applied."""

import pytest
from django.urls import reverse

from catalog.media import generate_media
from catalog.models import Category, LiveStream, Product, Video

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog_with_media(small_catalog):
    generate_media(videos=5, lives=5, seed=1, now=Product.objects.first().updated_at, index=False)


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("shop", {"q": "official", "is_official__exact": "1"}),
        ("brand", {"q": "sony"}),
        ("category", {"q": "cables", "root": "cables"}),
        ("product", {"q": "headphones", "status__exact": "active", "shop__is_official__exact": "1"}),
        ("video", {"q": "sony", "kind__exact": "review"}),
        ("livestream", {"q": "live", "status__exact": "scheduled"}),
    ],
)
def test_changelist_renders_with_search_and_filter(admin_client, catalog_with_media, model, query):
    response = admin_client.get(reverse(f"admin:catalog_{model}_changelist"), query)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 0


def test_change_pages_show_the_links_between_media_and_products(admin_client, catalog_with_media):
    product = Product.objects.filter(videos__isnull=False).first()
    video = Video.objects.first()
    live = LiveStream.objects.first()
    category = Category.objects.filter(parent__isnull=False).first()

    product_page = admin_client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    assert product_page.status_code == 200
    page = product_page.content.decode().lower()
    assert "videos tagging this product" in page and "live streams featuring this product" in page
    for name, obj in [("video", video), ("livestream", live), ("category", category)]:
        assert admin_client.get(reverse(f"admin:catalog_{name}_change", args=[obj.pk])).status_code == 200


def test_a_product_page_shows_the_colours_and_features_search_reads_from_its_title_and_attributes(
    admin_client, small_catalog
):
    product = Product.objects.first()
    product.title = "HP mouse Gray"
    product.attributes = {"product_colour": "Black,Silver", "bluetooth": True, "wi_fi": False, "manual": True}
    product.save()

    page = admin_client.get(reverse("admin:catalog_product_change", args=[product.pk])).content.decode()

    assert "colours search reads" in page.casefold() and "black, grey, silver" in page
    # ...and the features: what comes in the box is none.
    assert "features search reads" in page.casefold() and "has bluetooth; lacks wi_fi" in page


def test_product_search_finds_by_external_id(admin_client, small_catalog):
    response = admin_client.get(reverse("admin:catalog_product_changelist"), {"q": "SKU-3"})
    assert [p.external_id for p in response.context["cl"].result_list] == ["SKU-3"]


def test_a_forged_related_id_is_refused_with_the_fields_error_not_a_500(admin_client, small_catalog):
    # Only a hand-made request sends a related id that is not a number: Django's autocomplete
    # widgets used to look it up as it was while rendering the error page.
    product = Product.objects.first()
    page = admin_client.post(
        reverse("admin:catalog_product_change", args=[product.pk]),
        {"title": product.title, "brand": "abc", "category": "", "price": "1", "currency": "EUR"},
    )
    assert page.status_code == 200
    assert "brand" in page.context["adminform"].form.errors
    rule = admin_client.post(
        reverse("admin:searchapp_boostrule_add"),
        {"name": "x", "factor": "2", "doc_type": "video", "brands": ["abc"], "enabled": "on"},
    )
    assert rule.status_code == 200
    assert "brands" in rule.context["adminform"].form.errors


def change_form_data(response) -> dict:
    """The POST a merchandiser's browser sends back from a change page, unchanged."""
    form = response.context["adminform"].form
    data = {name: value for name, value in ((n, form[n].value()) for n in form.fields) if value is not None}
    data["attributes"] = form["attributes"].value()
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management[name].html_name: management[name].value() for name in management.fields})
    return data


def test_a_category_chosen_in_the_admin_is_the_merchandisers(admin_client, small_catalog):
    product = Product.objects.get(external_id="SKU-3")
    assert product.category_source == Product.CategorySource.RULES
    other = Category.objects.exclude(pk=product.category_id).filter(parent__isnull=False).first()
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = change_form_data(admin_client.get(url))

    # saving other fields leaves the category to whoever filed it
    assert admin_client.post(url, {**data, "stock": 7}).status_code == 302
    assert Product.objects.get(pk=product.pk).category_source == Product.CategorySource.RULES

    # moving the product to another category files it by hand
    assert admin_client.post(url, {**data, "category": other.pk}).status_code == 302
    product.refresh_from_db()
    assert (product.category, product.category_source) == (other, Product.CategorySource.MERCHANDISER)

    # and handing it back to the rules is one choice away
    data = change_form_data(admin_client.get(url))
    assert admin_client.post(url, {**data, "category_source": "rules"}).status_code == 302
    assert Product.objects.get(pk=product.pk).category_source == Product.CategorySource.RULES
