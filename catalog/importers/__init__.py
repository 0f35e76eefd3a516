"""Product imports: sources (chorus, jsonl) yield generic rows, records validates them,
loader upserts them in batches. See data/README.md for the generic format."""
