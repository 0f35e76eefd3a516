"""manage.py generate_media: deterministic demo short videos and live streams over the catalog."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from catalog.media import generate_media


class Command(BaseCommand):
    help = (
        "Replace the generated short videos and live streams with new ones tagging real products. "
        "Same --seed and catalog give the same titles, tags and texts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--videos", type=int, default=6000)
        parser.add_argument("--lives", type=int, default=300)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--no-index", action="store_true", help="do not schedule search indexing")

    def handle(self, *args, videos, lives, seed, no_index, **options):
        if videos < 0 or lives < 0:
            raise CommandError("--videos and --lives must be >= 0")
        started = time.monotonic()
        try:
            report = generate_media(
                videos=videos,
                lives=lives,
                seed=seed,
                now=timezone.now(),
                index=not no_index,
                progress=self.stderr.write,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"generated {report.videos:,} videos and {report.lives:,} live streams "
            f"(seed {seed}) in {time.monotonic() - started:.1f}s"
        )
