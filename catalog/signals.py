"""Model signals that keep the search index in step with the catalog (see indexing/tasks.py)."""
