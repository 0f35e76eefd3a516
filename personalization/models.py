"""What personalisation stores: one interest profile per shopper (or anonymous session)."""

from django.db import models

SHOPPER_PREFIX = "shopper:"
SESSION_PREFIX = "session:"


def profile_key(shopper_id: str = "", session_id: str = "") -> str:
    """The profile an event builds: the shopper's when known, else the anonymous session's
    ("" when the event names neither)."""
    if shopper_id:
        return SHOPPER_PREFIX + shopper_id
    return SESSION_PREFIX + session_id if session_id else ""


class ShopperProfile(models.Model):
    """Affinities as of `updated_at` (time-decayed weights, see profiles.py):
    {"categories": {path: weight}, "brands": {name: weight}, "price_bands": {"<band>": weight}}."""

    # "shopper:<id>" or "session:<id>"; ids are at most 100 characters, as in ranking's Event.
    key = models.CharField(max_length=120, unique=True)
    affinities = models.JSONField(default=dict)
    event_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(help_text="The time the stored weights are decayed to.")

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return self.key

    @property
    def is_session(self) -> bool:
        return self.key.startswith(SESSION_PREFIX)
