"""What every app's API shares: one error shape, strict request bodies, pagination,
rate limits and the OpenAPI additions. Apps import these; nothing here imports an app."""
