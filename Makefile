.PHONY: demo test bench lint evaluate

demo:  ## install, load the Chorus catalog, generate media, index, serve on 127.0.0.1:8000
	scripts/demo.sh

test:  ## the whole test suite against real PostgreSQL, Redis, Celery worker and model
	scripts/test.sh

bench:  ## latency / throughput / memory figures on the loaded catalog (run `make demo` first)
	HF_HUB_OFFLINE=1 .venv/bin/python manage.py bench_search --index

evaluate:  ## NDCG@10, recall@100, MRR on the dev judgments for bm25, dense and hybrid
	for p in bm25 dense hybrid; do HF_HUB_OFFLINE=1 .venv/bin/python manage.py evaluate \
	  --judgments data/chorus/judgments-dev.csv --pipeline $$p; done

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
