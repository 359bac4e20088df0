"""`carbonlabel` command line. Each command group lives in its own module under api.cli.commands."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

import typer

from lcidb.errors import CarbonlabelError

app = typer.Typer(
    name="carbonlabel",
    help="Product carbon footprints, Guangdong / GBA carbon labels and carbon-tariff exposure.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def _options(quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars.")) -> None:
    """Progress bars show on a terminal only; --quiet hides them there too."""
    from api.usecases.catalogue import set_progress_quiet

    set_progress_quiet(quiet)


# One module per command group; each exposes `register(app: typer.Typer) -> None`.
COMMAND_MODULES: tuple[str, ...] = (
    "api.cli.commands.db",
    "api.cli.commands.footprint",
    "api.cli.commands.importers",
    "api.cli.commands.labels",
    "api.cli.commands.label_artwork",
    "api.cli.commands.screening",
    "api.cli.commands.pact",
    "api.cli.commands.service",
    "api.cli.commands.admin",
    "api.cli.commands.tariffs",
)

for _module_name in COMMAND_MODULES:
    importlib.import_module(_module_name).register(app)


def _answering_errors(callback: Callable[..., Any]) -> Callable[..., Any]:
    """The CLI's top-level handler: a project error a command did not catch ends the command with the
    message and the exit code of api/errors.py's table (the same table the HTTP answers come from)."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except CarbonlabelError as exc:
            from api.errors import answer_for

            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=answer_for(exc).exit_code) from None

    return run


def _install_error_handler(group: typer.Typer) -> None:
    for command in group.registered_commands:
        if command.callback is not None:
            command.callback = _answering_errors(command.callback)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _install_error_handler(sub.typer_instance)


_install_error_handler(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
