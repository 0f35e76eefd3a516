"""Which query rules merchandisers switched off (the `QueryRule` admin)."""

from .cached import VersionedValue


def load_disabled_rules() -> frozenset[str]:
    from searchapp.models import QueryRule

    return frozenset(QueryRule.objects.filter(enabled=False).values_list("name", flat=True))


rule_switches = VersionedValue("searchapp:query-rules:version", load_disabled_rules)


def disabled_rules() -> frozenset[str]:
    return rule_switches.get()


def rule_enabled(name: str) -> bool:
    return name not in rule_switches.get()
