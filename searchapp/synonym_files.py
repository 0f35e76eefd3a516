"""Synonym files in and out of the admin: a Solr / Elasticsearch synonyms file (one rule a
line, "#" comments) imported as `Synonym` rules, and the rules of a locale downloaded as one,
so a team moving from either brings its list along, or keeps a copy under version control.

Importing never loses or half-applies anything: every line is checked as the admin form
checks a rule; a line already present (same rule, same locale) is left as it is; the lines
that cannot be rules are listed with their line numbers and the reason, and the others are
saved in one transaction. It applies to the next search in every process (synonyms.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Synonym
from .query.synonyms import synonym_tables

MAX_FILE_BYTES = 2_000_000  # Solr's largest shipped lists are a few hundred kB


@dataclass
class SynonymImport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line number, line, why)


def rule_lines(text: str) -> list[tuple[int, str]]:
    """(line number, rule) for each line that is neither blank nor a comment."""
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def import_synonyms(text: str, locale: str, weight: float) -> SynonymImport:
    result = SynonymImport()
    existing = set(Synonym.objects.filter(locale=locale).values_list("rule", flat=True))
    new: list[Synonym] = []
    for number, line in rule_lines(text):
        if line in existing:
            result.unchanged.append(line)
            continue
        synonym = Synonym(rule=line, locale=locale, weight=weight)
        try:
            synonym.full_clean()
        except ValidationError as error:
            result.errors.append((number, line, "; ".join(error.messages)))
            continue
        existing.add(line)
        new.append(synonym)
    with transaction.atomic():
        Synonym.objects.bulk_create(new)
        # bulk_create sends no save signal: every process reloads its rules once it commits.
        synonym_tables.invalidate()
    result.created = [synonym.rule for synonym in new]
    return result


def export_synonyms(locale: str) -> str:
    rules = (
        Synonym.objects.filter(locale=locale, enabled=True).order_by("rule").values_list("rule", flat=True)
    )
    header = f"# Synonym rules for locale {locale}, enabled ones (Solr / Elasticsearch format)\n"
    return header + "".join(f"{rule}\n" for rule in rules)
