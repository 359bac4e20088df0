"""CLI command groups; each module has `register(app)` and is listed in api.cli.COMMAND_MODULES."""
