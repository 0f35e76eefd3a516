"""Links between the merchandiser tools: from a query to its search preview, to a curation, a boost
rule or a synonym rule started from it (the admin's add forms take initial values from the URL)."""

from urllib.parse import urlencode

from django.urls import reverse


def preview_url(query: str, doc_type: str = "product") -> str:
    return reverse("search_preview") + "?" + urlencode({"q": query, "type": doc_type})


def new_curation_url(query: str) -> str:
    return reverse("admin:searchapp_curation_add") + "?" + urlencode({"queries": query})


def new_boost_rule_url(query: str) -> str:
    return reverse("admin:searchapp_boostrule_add") + "?" + urlencode({"queries": query})


def new_synonym_url(rule: str) -> str:
    return reverse("admin:searchapp_synonym_add") + "?" + urlencode({"rule": rule})
