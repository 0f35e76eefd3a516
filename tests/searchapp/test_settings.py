import json
import os
import subprocess
import sys

from django.conf import settings


def read_setting(name: str, **environment: str):
    """A setting as a fresh process parses it from the environment."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps(settings.{name}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "searchapp.settings", **environment}
    output = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def test_rrf_weights_parse_every_comma_separated_channel():
    # given the documented form, when the settings load, then every channel keeps its weight
    weights = read_setting("SEARCH_RRF_WEIGHTS", SEARCH_RRF_WEIGHTS="lexical=1,lexical_all=0.5,dense=2")
    assert weights == {"lexical": 1.0, "lexical_all": 0.5, "dense": 2.0}
