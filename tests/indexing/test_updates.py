"""Signals and the explicit hook enqueue batched tasks once per transaction, on commit only."""

from unittest import mock

import pytest
from django.db import transaction

from catalog.models import Brand, Category, Product
from indexing import tasks, updates
from indexing.updates import schedule_index

from .conftest import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued():
    """(task name, doc_type, pks) of every task enqueued from here on, without running it.

    Request it after `catalog`: the changes that built the catalog sit in a buffer of the test's
    never-committed transaction, and are forgotten here so they do not absorb this test's."""
    updates._buffers.__dict__.pop("by_alias", None)
    calls = []

    def recorder(task):
        return lambda doc_type, pks: calls.append((task.name, doc_type, sorted(pks)))

    with (
        mock.patch.object(tasks.index_documents, "delay", recorder(tasks.index_documents)),
        mock.patch.object(tasks.delete_documents, "delay", recorder(tasks.delete_documents)),
    ):
        yield calls


def test_saving_many_products_in_one_transaction_enqueues_batched_tasks(
    db, enqueued, settings, django_capture_on_commit_callbacks
):
    # given a batch size of 40
    settings.SEARCH_INDEX_BATCH_SIZE = 40

    # when 100 products are created and then saved again in one transaction
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        products = [make_product(title=f"Cable {i}") for i in range(100)]
        for product in products:
            product.save()
        assert enqueued == []  # nothing before commit

    # then one flush is registered, and it enqueues 3 chunked tasks
    assert len(callbacks) == 1
    callbacks[0]()
    assert [(name, doc_type, len(pks)) for name, doc_type, pks in enqueued] == [
        ("indexing.index_documents", "product", 40),
        ("indexing.index_documents", "product", 40),
        ("indexing.index_documents", "product", 20),
    ]


def test_rollback_enqueues_nothing(db, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            make_product()
            raise RuntimeError("abandon")
        # a later transaction starts a fresh buffer and still gets flushed
        with transaction.atomic():
            later = make_product()
    assert enqueued == [("indexing.index_documents", "product", [later.pk])]


def test_rolled_back_savepoint_does_not_lose_the_outer_changes(
    db, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            make_product()
            raise RuntimeError("abandon the savepoint")
        kept = make_product()
    assert enqueued == [("indexing.index_documents", "product", [kept.pk])]


def test_product_change_reindexes_the_videos_and_lives_tagging_it(
    catalog, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        catalog["bose_headphones"].save()
    assert enqueued == [
        ("indexing.index_documents", "live", [catalog["live"].pk]),
        ("indexing.index_documents", "product", [catalog["bose_headphones"].pk]),
        ("indexing.index_documents", "video", [catalog["video"].pk]),
    ]


def test_product_delete_removes_it_and_reindexes_its_videos(
    catalog, enqueued, django_capture_on_commit_callbacks
):
    product = catalog["sony_headphones"]
    pk = product.pk
    with django_capture_on_commit_callbacks(execute=True):
        product.delete()
    assert ("indexing.delete_documents", "product", [pk]) in enqueued
    assert ("indexing.index_documents", "video", [catalog["video"].pk]) in enqueued


@pytest.mark.parametrize(
    ("change", "doc_type"),
    [
        (lambda c: c["video"].products.remove(c["bose_headphones"]), "video"),
        (lambda c: c["sony_headphones"].live_streams.add(c["live"]), "live"),  # the reverse side
        (lambda c: c["bose_headphones"].live_streams.clear(), "live"),
        (lambda c: c["live"].products.clear(), "live"),
    ],
)
def test_tagging_changes_reindex_the_video_or_live(
    catalog, enqueued, django_capture_on_commit_callbacks, change, doc_type
):
    with django_capture_on_commit_callbacks(execute=True):
        change(catalog)
    assert enqueued == [("indexing.index_documents", doc_type, [catalog[doc_type].pk])]


def test_brand_rename_reindexes_its_products_and_a_plain_save_does_not(
    catalog, enqueued, django_capture_on_commit_callbacks
):
    sony = catalog["sony"]
    with django_capture_on_commit_callbacks(execute=True):
        sony.save()
    assert enqueued == []

    with django_capture_on_commit_callbacks(execute=True):
        sony.name = "SONY"
        sony.save()
    # (the draft product is scheduled too: its index task finds it inactive and deletes it)
    assert (
        "indexing.index_documents",
        "product",
        sorted([catalog["sony_headphones"].pk, catalog["draft"].pk]),
    ) in enqueued
    assert ("indexing.index_documents", "video", [catalog["video"].pk]) in enqueued


def test_category_rename_reindexes_the_whole_subtree(catalog, enqueued, django_capture_on_commit_callbacks):
    electronics = Category.objects.get(pk=catalog["electronics"].pk)
    with django_capture_on_commit_callbacks(execute=True):
        electronics.name = "Consumer electronics"
        electronics.save()
    [products] = [pks for name, doc_type, pks in enqueued if doc_type == "product"]
    assert products == sorted(Product.objects.values_list("pk", flat=True))


def test_explicit_hook_for_bulk_updates(catalog, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Brand.objects.filter(pk=catalog["bose"].pk).update(name="BOSE")  # no signals
        schedule_index("product", [catalog["bose_headphones"].pk])
        schedule_index("product", [catalog["bose_headphones"].pk])  # deduplicated
    assert enqueued.count(("indexing.index_documents", "product", [catalog["bose_headphones"].pk])) == 1


def test_unknown_doc_type_is_refused(db):
    with pytest.raises(ValueError, match="unknown document type"):
        schedule_index("bundle", [1])
