"""manage.py evaluate_models: model-number queries drawn from the catalog, typed three ways."""

import io
import json

from django.core.management import call_command

from searchapp.model_queries import holds_code


def test_a_code_is_held_however_a_title_writes_it():
    assert holds_code("Brother TN-3170 toner", "tn", "3170")
    assert holds_code("Equivalent to Brother TN3170", "tn", "3170")
    assert not holds_code("Brother TN-31700 toner", "tn", "3170")


def test_evaluate_models_finds_each_code_first_however_it_is_typed(brother_toners, tmp_path):
    report = tmp_path / "models.json"

    call_command("evaluate_models", "--json", str(report), stdout=io.StringIO())

    figures = json.loads(report.read_text())
    assert figures["codes"] == 1  # "tn-3170": "TN650" is no hyphenated code
    assert {typing: scores["success@1"] for typing, scores in figures["typings"].items()} == {
        "as written": 1.0,
        "joined": 1.0,
        "apart": 1.0,
    }
