"""Redis adapters: the task queue on saq, the cache, quota counters and idempotency keys."""
