"""Train the LightGBM ranker, or cross-validate it.

manage.py train_ranker --judgments data/chorus/judgments-dev.csv --cv 5
manage.py train_ranker --judgments data/chorus/judgments-dev.csv      # train, gate, register
manage.py train_ranker --clicks --evaluate-on data/chorus/judgments-dev.csv
manage.py train_ranker --clicks --canary 0.1   # if it passes the gate, 10% of shoppers first
"""

import argparse
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indexing.schema import DOC_TYPES
from ranking.candidates import FirstStage
from ranking.datasets import click_groups, judged_groups
from ranking.features import FEATURE_GROUPS, first_stage_prior
from ranking.judgments import load_ratings_by_doc_id
from ranking.models import RankerModel
from ranking.registry import CV_METRIC, FIRST_STAGE_CV_METRIC, MAX_CANARY_SHARE, load_ranker
from ranking.training import (
    CLICK_PARAMS,
    cross_validate,
    evaluate,
    feature_group_gains,
    train_and_register,
)


def canary_share(text: str) -> float:
    try:
        share = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < share <= MAX_CANARY_SHARE:
        raise argparse.ArgumentTypeError(f"a share of shoppers above 0 and at most {MAX_CANARY_SHARE}")
    return share


def outcome(report: dict) -> str:
    if report["promoted"]:
        return "PROMOTED"
    if report["canary_share"]:
        return f"CANARY ({report['canary_share']:.0%} of shoppers; promote or stop it in the admin)"
    return "rejected"


class Command(BaseCommand):
    help = "Train (or cross-validate) the lambdarank ranker from judgments and/or logged clicks."

    def add_arguments(self, parser):
        parser.add_argument("--judgments", help="Train on these judgments (query,docid,rating CSV).")
        parser.add_argument("--clicks", action="store_true", help="Train on logged impressions and clicks.")
        parser.add_argument(
            "--doc-type",
            choices=DOC_TYPES,
            default="product",
            help="The ranker to train; judgments are product judgments, so videos and live "
            "streams train from --clicks only.",
        )
        parser.add_argument("--cv", type=int, metavar="FOLDS", help="Cross-validate by query on --judgments.")
        parser.add_argument("--no-ablation", action="store_true", help="With --cv: skip the per-group gains.")
        parser.add_argument(
            "--evaluate-on", metavar="JUDGMENTS", help="Score the trained model on judgments."
        )
        parser.add_argument(
            "--canary",
            type=canary_share,
            default=0.0,
            metavar="SHARE",
            help="If the version passes the gate, serve it to this share of shoppers (up to 0.5) "
            "beside the promoted one instead of promoting it; promote or stop it in the admin.",
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", dest="json_path", help="Also write the report as JSON here.")

    def handle(self, *args, **options):
        if not options["judgments"] and not options["clicks"]:
            raise CommandError("give --judgments PATH and/or --clicks")
        if options["doc_type"] != "product" and options["judgments"]:
            raise CommandError("judgments rate products: train video and live rankers with --clicks")
        if options["cv"] is not None and (options["cv"] < 2 or not options["judgments"]):
            raise CommandError("--cv needs at least 2 folds and --judgments")
        first_stage = FirstStage()
        groups, sources = [], []
        if options["judgments"]:
            groups += self.judged(options["judgments"], first_stage)
            sources.append("judgments")
        if options["clicks"]:
            groups += click_groups(doc_type=options["doc_type"])
            sources.append("logged clicks")
        if not groups:
            raise CommandError("no training data: no judged query had candidates and no traffic is logged")

        if options["cv"]:
            report = self.cross_validate(groups, options["cv"], options["seed"], not options["no_ablation"])
        else:
            # Clicks alone: many noisy rows per query, bigger trees (training.CLICK_PARAMS).
            params = CLICK_PARAMS if sources == ["logged clicks"] else None
            report = train_and_register(
                groups,
                source=" + ".join(sources),
                seed=options["seed"],
                params=params,
                doc_type=options["doc_type"],
                canary_share=options["canary"],
            )
            self.stdout.write(f"version {report['version']}: {outcome(report)}")
            for name in (
                "validation_ndcg@10",
                "incumbent_validation_ndcg@10",
                "incumbent",
                CV_METRIC,
                FIRST_STAGE_CV_METRIC,
                "train_queries",
            ):
                if name in report:
                    self.stdout.write(f"  {name}: {report[name]}")
            if options["evaluate_on"]:
                report["evaluation"] = self.evaluate_version(
                    options["evaluate_on"], first_stage, report["version"]
                )
        if options["json_path"]:
            Path(options["json_path"]).write_text(json.dumps(report, indent=2))

    def judged(self, path, first_stage):
        if not Path(path).is_file():
            raise CommandError(f"no judgments file at {path}")
        return judged_groups(load_ratings_by_doc_id(path), first_stage)

    def cross_validate(self, groups, folds, seed, ablation) -> dict:
        result = cross_validate(groups, folds, seed=seed)
        self.stdout.write(f"{folds}-fold cross-validation by query over {len(groups)} judged queries")
        self.stdout.write(
            f"  first stage  ndcg@10 {result.first_stage.ndcg:.4f}  condensed {result.first_stage.ndcg_condensed:.4f}"
        )
        self.stdout.write(
            f"  lambdarank   ndcg@10 {result.model.ndcg:.4f}  condensed {result.model.ndcg_condensed:.4f}"
        )
        report = {
            "folds": folds,
            "queries": len(groups),
            "ndcg@10": result.model.ndcg,
            "ndcg@10_condensed": result.model.ndcg_condensed,
            "first_stage_ndcg@10": result.first_stage.ndcg,
            "first_stage_ndcg@10_condensed": result.first_stage.ndcg_condensed,
            "per_query": result.model.per_query,
        }
        if ablation:
            gains = feature_group_gains(groups, folds, seed=seed)
            self.stdout.write("  NDCG@10 lost without each feature group:")
            for group in FEATURE_GROUPS:
                self.stdout.write(f"    {group:<16} {gains[group]:+.4f}")
            report["group_gains"] = gains
        return report

    def evaluate_version(self, path, first_stage, version) -> dict:
        """The model just trained (promoted or not) against the first-stage order, on judgments."""
        groups = self.judged(path, first_stage)
        ranker = load_ranker(RankerModel.objects.get(version=version))
        baseline = evaluate(groups, first_stage_prior)
        model = evaluate(groups, ranker.predict)
        self.stdout.write(f"on {path} ({len(groups)} queries):")
        self.stdout.write(
            f"  first stage  ndcg@10 {baseline.ndcg:.4f}  condensed {baseline.ndcg_condensed:.4f}"
        )
        self.stdout.write(f"  {version}  ndcg@10 {model.ndcg:.4f}  condensed {model.ndcg_condensed:.4f}")
        return {
            "first_stage_ndcg@10": baseline.ndcg,
            "first_stage_ndcg@10_condensed": baseline.ndcg_condensed,
            "ndcg@10": model.ndcg,
            "ndcg@10_condensed": model.ndcg_condensed,
        }
