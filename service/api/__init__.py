"""The HTTP adapter: FastAPI routers that make one call each into the service layer."""
