"""The HTTP door: the FastAPI app, its routes, request/response bodies, guards."""
