from django.apps import AppConfig


class SearchappConfig(AppConfig):
    name = "searchapp"
    verbose_name = "Search"

    def ready(self):
        from . import (
            curations,  # noqa: F401  (drops cached curations on admin edits)
            marketplace_signals,  # noqa: F401  (drops cached settings and live statuses)
        )
        from .query import signals  # noqa: F401  (drops cached synonyms and rules on admin edits)
