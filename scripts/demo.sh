#!/usr/bin/env bash
# The main job on the embedded default (SQLite, eager tasks, local tantivy + usearch index,
# bundled model): install, migrate, load the real catalog, generate media, index, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements.txt
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1
py=.venv/bin/python
$py manage.py migrate --noinput
$py manage.py load_catalog --no-index
$py manage.py generate_media --no-index
$py manage.py rebuild_index
$py manage.py build_query_vocabulary
$py manage.py train_intent
$py manage.py train_ranker --judgments data/chorus/judgments-dev.csv
# Videos have no human judgments: their ranker learns from SIMULATED shoppers' clicks.
$py manage.py simulate_traffic --type video --sessions 800 --seed 7
$py manage.py train_ranker --clicks --doc-type video
# SIMULATED product traffic too: the engagement models (P(engage) from rank and match
# evidence, which the marketplace objective weighs value against) learn from its clicks.
$py manage.py simulate_traffic --type product --sessions 800 --seed 5
$py manage.py fit_engagement
$py manage.py ensure_admin
$py manage.py collectstatic --noinput --verbosity 0
echo "== serving on http://127.0.0.1:8000/api/search?q=bluetooth+speaker (docs: /api/docs/, admin: /admin/)" >&2
exec .venv/bin/gunicorn searchapp.wsgi --bind 127.0.0.1:8000 --workers "${WEB_WORKERS:-2}" --timeout 60 \
  --access-logfile -
