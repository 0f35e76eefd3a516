import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalog.models import Product, SuspectedMisfile
from searchapp.query.category_audit import suspected_misfiles
from searchapp.query.intent import bucket_of, catalog_samples
from tests.catalog.factories import load_rows, product_row

TONER, HDMI, HEADPHONES = (
    "Printing > Toner cartridges",
    "Cables > HDMI cables",
    "Audio > Headphones & headsets",
)
COLOURS = ("Black", "Cyan", "Magenta", "Yellow", "Gray", "White", "Blue", "Red")


def rows(prefix: str, category: str, title: str) -> list[dict]:
    return [
        product_row(id=f"{prefix}-{i}", title=title.format(i=i, colour=colour), category=category)
        for i, colour in enumerate(COLOURS)
    ]


@pytest.fixture
def catalog_with_a_misfile(db):
    load_rows(
        [
            *rows("T", TONER, "Acme T{i}0 toner cartridge Original {colour}"),
            *rows("H", HDMI, "Linkit {i} m HDMI cable {colour}"),
            *rows("P", HEADPHONES, "Sonic Q{i} wireless headphones {colour}"),
            # A toner cartridge a merchandiser filed under HDMI cables.
            product_row(id="MISFILED", title="Acme T90 toner cartridge Original Black", category=HDMI),
        ]
    )


def test_a_product_whose_title_argues_against_its_category_is_suspected(catalog_with_a_misfile):
    suspected = suspected_misfiles(catalog_samples(), folds=4)

    assert [misfile.external_id for misfile in suspected] == ["MISFILED"]
    (misfile,) = suspected
    assert misfile.filed.endswith("hdmi-cables") and misfile.suggested.endswith("toner-cartridges")
    assert misfile.filed_probability < 0.1 < 0.6 < misfile.suggested_probability


def test_folds_are_deterministic_and_cover_every_fold():
    keys = [f"SKU-{i}" for i in range(1000)]
    assert [bucket_of(key, 5) for key in keys] == [bucket_of(key, 5) for key in keys]
    assert set(bucket_of(key, 5) for key in keys) == set(range(5))


def test_the_command_reports_groups_and_writes_a_review_csv(catalog_with_a_misfile, tmp_path):
    out = io.StringIO()
    call_command("audit_categories", "--folds", "4", "--csv", str(tmp_path / "misfiles.csv"), stdout=out)

    report = out.getvalue()
    assert "fold 4/4 scored" in report
    assert "1 of 25 categorised products suspected" in report
    assert "HDMI cables -> Toner cartridges  e.g. Acme T90 toner cartridge" in report
    with open(tmp_path / "misfiles.csv", newline="", encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    assert row["external_id"] == "MISFILED" and row["title"] == "Acme T90 toner cartridge Original Black"
    assert row["admin_url"].startswith("/admin/catalog/product/") and row["admin_url"].endswith("/change/")


def test_the_command_refuses_fewer_than_two_folds(db):
    with pytest.raises(Exception, match="at least 2"):
        call_command("audit_categories", "--folds", "1", stdout=io.StringIO())


def test_saved_findings_are_reviewed_in_the_admin_and_moved_to_the_suggestion(
    catalog_with_a_misfile, admin_client
):
    call_command("audit_categories", "--folds", "4", "--save", stdout=io.StringIO())
    (finding,) = SuspectedMisfile.objects.all()
    assert finding.product.external_id == "MISFILED" and finding.suggested.name == "Toner cartridges"

    changelist = reverse("admin:catalog_suspectedmisfile_changelist")
    assert admin_client.get(changelist, {"q": "MISFILED"}).context["cl"].result_count == 1
    response = admin_client.post(
        changelist, {"action": "move_to_suggested", "_selected_action": [finding.pk]}, follow=True
    )

    assert response.status_code == 200
    moved = Product.objects.get(external_id="MISFILED")
    assert moved.category.name == "Toner cartridges"
    # the merchandiser filed it: a re-import or a refile by the rules keeps it there
    assert moved.category_source == Product.CategorySource.MERCHANDISER
    assert not SuspectedMisfile.objects.exists()


def test_a_new_saved_audit_replaces_the_previous_findings(catalog_with_a_misfile):
    call_command("audit_categories", "--folds", "4", "--save", stdout=io.StringIO())
    product = Product.objects.get(external_id="MISFILED")
    product.category = SuspectedMisfile.objects.get().suggested
    product.save()

    call_command("audit_categories", "--folds", "4", "--save", stdout=io.StringIO())

    assert not SuspectedMisfile.objects.exists()


def test_a_filing_a_merchandiser_kept_is_not_put_to_them_again(catalog_with_a_misfile, admin_client):
    call_command("audit_categories", "--folds", "4", "--save", stdout=io.StringIO())
    finding = SuspectedMisfile.objects.get()

    # when the merchandiser keeps the product where it is filed
    response = admin_client.post(
        reverse("admin:catalog_suspectedmisfile_changelist"),
        {"action": "keep_filed", "_selected_action": [finding.pk]},
        follow=True,
    )
    assert response.status_code == 200
    kept = Product.objects.get(external_id="MISFILED")
    assert kept.category.name == "HDMI cables" and kept.category_source == Product.CategorySource.MERCHANDISER

    # then the next audit says it left their decision out, and saves nothing for them to review
    out = io.StringIO()
    call_command("audit_categories", "--folds", "4", "--save", stdout=out)
    assert "1 more argue with a merchandiser's filing: left out" in out.getvalue()
    assert not SuspectedMisfile.objects.exists()
