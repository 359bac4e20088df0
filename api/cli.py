"""`carbonlabel` command line. Each command group lives in its own module under api.commands."""

from __future__ import annotations

import importlib

import typer

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
    from api.services.catalogue import set_progress_quiet

    set_progress_quiet(quiet)


# One module per command group; each exposes `register(app: typer.Typer) -> None`.
COMMAND_MODULES: tuple[str, ...] = (
    "api.commands.db",
    "api.commands.footprint",
    "api.commands.importers",
    "api.commands.labels",
    "api.commands.label_artwork",
    "api.commands.screening",
    "api.commands.pact",
    "api.commands.service",
    "api.commands.admin",
    "api.commands.tariffs",
)

for _module_name in COMMAND_MODULES:
    importlib.import_module(_module_name).register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
