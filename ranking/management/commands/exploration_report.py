"""What cold-start exploration did: `manage.py exploration_report --days 7 --json out.json`.

Reads the served searches (SearchLog.explored_positions, ImpressionLog) and the shoppers'
events of the last `--days`, against the exploration budget currently configured (the
marketplace settings). The last line printed is the report as JSON.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ranking.exploration import exploration_report, recent_searches
from searchapp.marketplace_settings import load_marketplace_config


def percent(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.1%}"


def rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


class Command(BaseCommand):
    help = "Exploration's exposure against its budget, the explored documents' engagement, graduations."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=float, default=7.0, help="Report on searches of the last N days.")
        parser.add_argument("--json", dest="json_path", help="Also write the report to this JSON file.")
        parser.add_argument(
            "--include-simulated",
            action="store_true",
            help="Count searches made by simulate_traffic too (left out by default).",
        )

    def handle(self, *args, days, json_path, include_simulated, **options):
        if days <= 0:
            raise CommandError("--days must be positive")
        config = load_marketplace_config().exploration
        report = exploration_report(recent_searches(days, include_simulated), config)
        explored, control = report.explored, report.control
        self.stdout.write(
            f"{report.searches} searches, {report.explored_searches} with exploration; "
            f"{report.impressions} impressions"
        )
        self.stdout.write(
            f"exploration share {percent(report.exploration_share)} "
            f"({explored.impressions} impressions) vs budget {percent(report.budget_share)} "
            f"(positions {list(config.positions) or 'off'})"
        )
        self.stdout.write(
            f"clicks per examination: explored {rate(explored.debiased_ctr)} "
            f"({explored.clicks} clicks, {explored.carts} carts, {explored.orders} orders), "
            f"rest of those pages {rate(control.debiased_ctr)} "
            f"({control.clicks} clicks, {control.carts} carts, {control.orders} orders)"
        )
        self.stdout.write(
            f"{report.explored_documents} cold documents explored, {report.graduated_documents} "
            f"now have >= {config.cold_examinations:g} examinations"
        )
        payload = json.dumps({"days": days, "positions": list(config.positions), **report.as_dict()})
        if json_path:
            Path(json_path).write_text(payload + "\n")
        self.stdout.write(payload)
