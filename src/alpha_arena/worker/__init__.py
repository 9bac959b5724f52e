"""Scale-out: the Celery app, its tasks, the scheduler's season dispatcher, and the client the
API and the CLI use to hand work to the workers (chosen when ``ARENA_BROKER_URL`` is set)."""
