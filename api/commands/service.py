"""`carbonlabel serve`, `carbonlabel demo`, `carbonlabel users create`: run and administer the service."""

from __future__ import annotations

import json
import os

import typer

users_app = typer.Typer(help="Manage API clients (users) and their roles.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    dev: bool = typer.Option(
        False, "--dev", help="Embedded development mode: SQLite and a key under CARBONLABEL_HOME."
    ),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="uvicorn worker processes (production)."),
) -> None:
    """Serve the HTTP API. Production needs CARBONLABEL_DATABASE_URL, _PUBLIC_URL and _SIGNING_KEY."""
    import uvicorn

    from api.errors import InsecureConfiguration
    from api.settings import load_settings

    try:
        load_settings(embedded=dev, port=port)  # refuse insecure defaults before binding a port
    except InsecureConfiguration as exc:
        _fail(exc.message)
    os.environ["CARBONLABEL_EMBEDDED"] = "1" if dev else "0"
    os.environ["CARBONLABEL_PORT"] = str(port)
    uvicorn.run("api.asgi:app", host=host, port=port, workers=workers if not dev else 1, log_level="info")


def demo(port: int = typer.Option(8000, "--port", min=1, max=65535)) -> None:
    """Build the default database if needed, create demo users and a product, serve on 127.0.0.1."""
    import uvicorn

    from api.app import create_app
    from api.demo import ensure_default_database, seed
    from api.settings import load_settings

    settings = load_settings(embedded=True, port=port)
    typer.echo(f"factor database: {ensure_default_database()}")
    app = create_app(settings)
    credentials = seed(app.state.service)
    typer.echo(f"state: {settings.home} (SQLite {settings.database_url})")
    typer.echo("demo credentials (OAuth2 client credentials; POST /auth/token):")
    for label in ("exporter", "certifier", "trade_office", "admin"):
        entry = credentials[label]
        typer.echo(f"  {label:13s} client_id={entry['client_id']}  client_secret={entry['client_secret']}")
    product = credentials["sample_product"]
    typer.echo(f"sample product: {product['name']} (id {product['id']}, BOM {product['bom_id']})")
    typer.echo(f"API docs: {settings.public_url}/docs")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")


@users_app.command("create")
def create_user(
    organisation: str = typer.Option(..., "--organisation", "--org", help="Organisation name (created if new)."),
    role: str = typer.Option(..., "--role", help="exporter, certifier, trade_office or admin."),
    name: str = typer.Option(..., "--name", help="Who or what uses this client."),
    kind: str = typer.Option("client", "--kind", help="client (API client), person or partner (PACT)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create an account; prints its client_id and client_secret (shown once)."""
    from api.commands.admin import service_context
    from api.errors import ServiceError
    from api.services import accounts

    try:
        with service_context() as context, context.sessions() as session:
            org = accounts.get_or_create_organisation(session, name=organisation)
            created = accounts.create_user(session, organisation=org, name=name, role=role, actor=None, kind=kind)
            session.commit()
    except ServiceError as exc:
        _fail(exc.message)
        return
    out = {
        "client_id": created.client_id,
        "client_secret": created.client_secret,
        "role": role,
        "kind": kind,
        "organisation": organisation,
        "organisation_id": created.user.organisation_id,
    }
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
    else:
        for key, value in out.items():
            typer.echo(f"{key}: {value}")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("demo")(demo)
    app.add_typer(users_app, name="users")
