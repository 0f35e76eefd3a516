"""Delete the logs older than the retention window: `manage.py prune_logs [--days N] [--dry-run]`
(searchapp/log_retention.py). Schedule it daily (cron, or beat with the `searchapp.prune_logs`
task)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from searchapp.log_retention import expired, prune_logs


class Command(BaseCommand):
    help = "Delete served searches, events and searches that found nothing older than the retention window."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=float,
            default=settings.SEARCH_LOG_RETENTION_DAYS,
            help="Keep this many days (default SEARCH_LOG_RETENTION_DAYS).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; delete nothing.")

    def handle(self, *args, days, dry_run, **options):
        if days <= 0:
            raise CommandError("--days must be positive: a window of nothing would delete every log")
        if dry_run:
            for what, rows in expired(days).items():
                self.stdout.write(f"{what}: {rows.count()} older than {days:g} days")
            return
        deleted = prune_logs(days, progress=lambda what, done: self.stdout.write(f"{what}: {done} deleted"))
        summary = ", ".join(f"{model} {count}" for model, count in sorted(deleted.items())) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"deleted (older than {days:g} days): {summary}"))
