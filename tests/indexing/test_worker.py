"""End to end with a real Celery worker on the Redis broker and the real local backend:
committed catalog changes reach the index, and a search finds (then stops finding) them."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.db import transaction

from catalog.models import Brand
from indexing.backends import get_backend
from indexing.backends.base import LexicalQuery
from searchapp.celery import app

from .conftest import make_product

WAIT_SECONDS = 120

pytestmark = pytest.mark.skipif(
    not django_settings.REDIS_AVAILABLE, reason="needs the Redis broker (settings.CELERY_TEST_BROKER_URL)"
)


@pytest.fixture
def celery_worker(embedder):
    """A worker thread consuming a queue of its own (other test runs may share the broker).
    The embedder is loaded first so the worker's first task does not wait for it."""
    queue = f"indexing-test-{uuid.uuid4().hex[:8]}"
    overrides = {
        "broker_url": django_settings.CELERY_TEST_BROKER_URL,
        "task_always_eager": False,
        "result_backend": None,
        "task_default_queue": queue,
    }
    saved = {name: app.conf[name] for name in overrides}
    app.conf.update(overrides)
    _forget_broker_connections()
    try:
        with start_worker(app, queues=[queue], perform_ping_check=False, shutdown_timeout=60):
            yield
    finally:
        app.conf.update(saved)
        _forget_broker_connections()


def _forget_broker_connections():
    app._pool = None
    app.amqp._producer_pool = None


def wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {WAIT_SECONDS}s waiting for {what}")


def search_ids(text: str) -> set[str]:
    backend = get_backend()
    backend.ensure_index("product")
    return {hit.id for hit in backend.search_lexical("product", LexicalQuery(text=text))}


@pytest.mark.django_db(transaction=True)
def test_worker_indexes_saved_products_and_removes_deleted_ones(local_index_dir, celery_worker):
    # given products saved in one transaction (the worker only sees them once committed)
    with transaction.atomic():
        brand = Brand.objects.create(name="Zephyrix", slug="zephyrix")
        kettle = make_product(title="Zephyrix cordless kettle 1.7 l", brand=brand)
        make_product(title="Zephyrix glass teapot", brand=brand)

    # when the worker has run the enqueued task, then a search finds them
    wait_for(lambda: len(search_ids("zephyrix")) == 2, "both products to be searchable")
    assert f"product:{kettle.pk}" in search_ids("kettle")

    # when one is deleted, then it is gone from the index
    kettle_id = f"product:{kettle.pk}"
    kettle.delete()
    wait_for(lambda: kettle_id not in search_ids("zephyrix"), "the deleted product to disappear")
    assert len(search_ids("zephyrix")) == 1
