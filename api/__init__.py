"""The project's face: the HTTP service and the command line."""
