#!/usr/bin/env bash
# The test suite: real PostgreSQL and Redis (started when down), a real Celery worker for the
# indexing path and the real embedding model. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
scripts/services.sh || [ "${REQUIRE_SERVICES:-0}" != 1 ]
export HF_HUB_OFFLINE=1
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/pytest "$@"
