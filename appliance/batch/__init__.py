"""Batch jobs: OpenAI's Batch API shape on the appliance's own pipeline.

:mod:`~appliance.batch.store` keeps files, batches and their lines in SQLite under
``state_dir/batch``, each line's request and answer sealed with AES-256-GCM
(:mod:`~appliance.batch.sealing`); :mod:`~appliance.batch.worker` runs the lines at the
lowest priority while interactive work leaves the engines idle, each through the same
pipeline as an interactive request. The HTTP routes are :mod:`appliance.httpapi.batches`.
"""

#: Endpoints a batch may name (OpenAI's names).
ENDPOINTS = ("/v1/chat/completions", "/v1/completions", "/v1/embeddings")
#: A batch's statuses once nothing of it runs any more.
ENDED = ("completed", "failed", "expired", "cancelled")
