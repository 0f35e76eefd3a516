import json
from io import StringIO

import pytest
from django.core.management import call_command

from personalization.models import ShopperProfile
from ranking.models import Event
from ranking.tasks import ingest_events

from .conftest import event

pytestmark = pytest.mark.django_db


def test_bench_events_times_ingestion_then_deletes_what_its_shoppers_wrote(catalog):
    # Given a real shopper's click, stored with its profile
    ingest_events.delay([event(catalog["headset"], shopper_id="ann")])
    events_before = set(Event.objects.values_list("event_id", flat=True))
    profiles_before = set(ShopperProfile.objects.values_list("key", flat=True))

    # When the benchmark ingests and replays its synthetic batches
    out = StringIO()
    call_command("bench_events", events=600, batch=100, stdout=out)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])

    # Then it measured a rate, replays stored nothing, and its own rows (events about the
    # catalog's products and the profiles they built) are gone, the shopper's untouched
    assert figures["events_per_s"] > 0
    assert figures["replayed_rows"] == 0
    assert figures["removed_events"] == 600
    assert figures["removed_profiles"] > 0
    assert set(Event.objects.values_list("event_id", flat=True)) == events_before
    assert set(ShopperProfile.objects.values_list("key", flat=True)) == profiles_before == {"shopper:ann"}
