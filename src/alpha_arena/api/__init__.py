"""The HTTP API: REST under /api/v1, a WebSocket for live updates, /health and /metrics."""
