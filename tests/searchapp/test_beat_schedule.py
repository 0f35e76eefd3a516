"""The periodic work production runs under `celery -A searchapp beat` (searchapp/beat_schedule.py)."""

from datetime import UTC, datetime

import pytest
from celery.beat import Scheduler
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from searchapp.beat_schedule import PERIODIC_TASKS, beat_schedule
from searchapp.celery import app


def test_beat_runs_every_periodic_task_and_each_names_a_registered_task():
    app.loader.import_default_modules()
    scheduler = Scheduler(app=app)  # what `celery beat` builds from the app's configuration
    for entry in PERIODIC_TASKS:
        assert scheduler.schedule[entry.name].task == entry.task
        assert entry.task in app.tasks, f"{entry.name} names {entry.task}, which no module defines"
    assert set(settings.CELERY_BEAT_SCHEDULE) == {entry.name for entry in PERIODIC_TASKS}


def test_a_time_is_read_from_its_variable_in_crontab_order_and_off_leaves_the_entry_out():
    schedule = beat_schedule({"SCHEDULE_RETRAIN_RANKER": " 30  2 * *  1 ", "SCHEDULE_PRUNE_LOGS": "OFF"})

    assert "prune-logs" not in schedule
    retrain = schedule["retrain-ranker"]["schedule"]
    # minute hour day-of-month month day-of-week: Mondays at 02:30
    assert (retrain.minute, retrain.hour, retrain.day_of_week) == ({30}, {2}, {1})
    assert retrain.day_of_month == set(range(1, 32))
    guard = schedule["guard-canaries"]["schedule"]  # untouched entries keep their default
    assert (guard.minute, len(guard.hour)) == ({45}, 24)


def test_the_nightly_retrain_is_due_once_its_hour_has_come():
    retrain = beat_schedule({})["retrain-ranker"]["schedule"]
    last_run = datetime(2026, 12, 6, 3, 0, 5, tzinfo=UTC)

    retrain.nowfun = lambda: datetime(2026, 12, 7, 2, 59, tzinfo=UTC)
    assert not retrain.is_due(last_run).is_due
    retrain.nowfun = lambda: datetime(2026, 12, 7, 3, 0, 30, tzinfo=UTC)
    assert retrain.is_due(last_run).is_due


@pytest.mark.parametrize("line", ["0 25 * * *", "hourly", "0 3 * *", "*/15 * * * * *"])
def test_a_line_that_does_not_parse_stops_start_up_naming_its_variable(line):
    with pytest.raises(ImproperlyConfigured, match=r'SCHEDULE_GUARD_CANARIES="'):
        beat_schedule({"SCHEDULE_GUARD_CANARIES": line})
