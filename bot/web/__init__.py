"""Production serving: Telegram's webhook, health and readiness, Prometheus metrics (Starlette + uvicorn)."""
