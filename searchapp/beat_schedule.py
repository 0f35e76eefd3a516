"""The periodic work production runs with `celery -A searchapp beat` (one beat process per
deployment): refresh the engagement statistics, stop a canary ranker that is clearly behind,
retrain the rankers from logged traffic, and delete logs past their retention window.

Each entry's time is a crontab(5) line ("minute hour day-of-month month day-of-week") read
from its environment variable; "off" leaves the entry out. A line that does not parse stops
the process at start-up with the variable's name, rather than a beat that silently never runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from celery.schedules import ParseException, crontab
from django.core.exceptions import ImproperlyConfigured

OFF = "off"


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    task: str
    variable: str
    default: str  # crontab(5)


PERIODIC_TASKS = (
    # Engagement rates and the learned engagement models feed the ranker and the blend; they
    # change only when this runs (a full re-aggregation of the events: hourly, not per event).
    PeriodicTask("refresh-engagement", "ranking.refresh_engagement", "SCHEDULE_REFRESH_ENGAGEMENT", "15 * * * *"),
    # The canary interval holds however often it is read (ranking/canary.py), so checking
    # hourly costs no false stops.
    PeriodicTask("guard-canaries", "ranking.guard_canaries", "SCHEDULE_GUARD_CANARIES", "45 * * * *"),
    # Nightly, off-peak: training takes the worker's cores for minutes.
    PeriodicTask("retrain-ranker", "ranking.retrain_ranker", "SCHEDULE_RETRAIN_RANKER", "0 3 * * *"),
    PeriodicTask("prune-logs", "searchapp.prune_logs", "SCHEDULE_PRUNE_LOGS", "30 4 * * *"),
)  # fmt: skip


def parse_crontab(line: str, variable: str) -> crontab:
    fields = line.split()
    if len(fields) != 5:
        raise ImproperlyConfigured(
            f'{variable}="{line}": a crontab line has 5 fields (minute hour day-of-month month '
            f'day-of-week), or is "{OFF}"'
        )
    try:
        return crontab.from_string(" ".join(fields))  # it splits on single spaces
    except (ParseException, ValueError) as error:
        raise ImproperlyConfigured(f'{variable}="{line}": {error}') from error


def beat_schedule(environ) -> dict[str, dict]:
    """CELERY_BEAT_SCHEDULE from `environ` (a mapping of environment variables)."""
    schedule = {}
    for entry in PERIODIC_TASKS:
        line = environ.get(entry.variable, entry.default).strip()
        if line.casefold() != OFF:
            schedule[entry.name] = {"task": entry.task, "schedule": parse_crontab(line, entry.variable)}
    return schedule
