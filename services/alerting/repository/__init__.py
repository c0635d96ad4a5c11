"""SQL for alerting: one module per aggregate. The only alerting code that imports sqlalchemy."""
