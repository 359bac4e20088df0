"""`carbonlabel serve`, `carbonlabel demo`, `carbonlabel users create`: run and administer the service."""

from __future__ import annotations

import json
import os
from typing import Any

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
    ssl_certfile: str = typer.Option("", "--ssl-certfile", envvar="CARBONLABEL_TLS_CERT",
                                     help="Serve HTTPS with this certificate chain (PEM); PACT partners need HTTPS."),
    ssl_keyfile: str = typer.Option("", "--ssl-keyfile", envvar="CARBONLABEL_TLS_KEY",
                                    help="The private key (PEM) of --ssl-certfile."),
) -> None:
    """Serve the HTTP API. Production needs CARBONLABEL_DATABASE_URL, _PUBLIC_URL and _SIGNING_KEY."""
    import uvicorn

    from api.errors import InsecureConfiguration
    from api.usecases.verification import preflight
    from api.settings import load_settings

    try:
        settings = load_settings(embedded=dev, port=port)  # refuse insecure defaults before binding a port
        preflight(settings)  # and certificates whose signing key this service cannot verify
    except InsecureConfiguration as exc:
        _fail(exc.message)
    tls = _tls_options(ssl_certfile, ssl_keyfile)
    os.environ["CARBONLABEL_EMBEDDED"] = "1" if dev else "0"
    os.environ["CARBONLABEL_PORT"] = str(port)
    # our own JSON access line (api/http/middleware.py) replaces uvicorn's
    uvicorn.run("api.http.asgi:app", host=host, port=port, workers=workers if not dev else 1, log_level="info",
                access_log=False, **tls)


def _tls_options(certfile: str, keyfile: str) -> dict[str, Any]:
    """uvicorn's ssl options, after checking that the pair loads (a bad pair fails here, named,
    rather than as a TLS handshake error for every client)."""
    import ssl

    if not certfile and not keyfile:
        return {}
    if not certfile or not keyfile:
        _fail("HTTPS needs both --ssl-certfile and --ssl-keyfile (CARBONLABEL_TLS_CERT, CARBONLABEL_TLS_KEY)")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        _fail(f"--ssl-certfile {certfile} / --ssl-keyfile {keyfile}: cannot load the certificate and key ({exc})")
    return {"ssl_certfile": certfile, "ssl_keyfile": keyfile}


def demo(port: int = typer.Option(8000, "--port", min=1, max=65535)) -> None:
    """Build the default database if needed, create demo users and a product, serve on 127.0.0.1."""
    import uvicorn

    from api.http.app import create_app
    from api.demo import ensure_default_database, seed, seed_people
    from api.settings import load_settings

    from api.errors import InsecureConfiguration

    settings = load_settings(embedded=True, port=port)
    typer.echo(f"factor database: {ensure_default_database()}")
    try:
        app = create_app(settings)
    except InsecureConfiguration as exc:  # e.g. certificates signed by a key that is gone
        _fail(exc.message)
        return
    credentials = seed(app.state.service)
    typer.echo(f"state: {settings.home} (SQLite {settings.database_url})")
    typer.echo("demo credentials (OAuth2 client credentials; POST /auth/token):")
    for label in ("exporter", "certifier", "trade_office", "admin"):
        entry = credentials[label]
        typer.echo(f"  {label:13s} client_id={entry['client_id']}  client_secret={entry['client_secret']}")
    product = credentials["sample_product"]
    typer.echo(f"sample product: {product['name']} (id {product['id']}, BOM {product['bom_id']})")
    typer.echo(f"API docs: {settings.public_url}/docs")
    people = seed_people(app.state.service)
    typer.echo(f"web pages: open {settings.public_url}/ and sign in as")
    for label in ("exporter", "certifier", "trade_office", "admin"):
        entry = people[label]
        typer.echo(f"  {label:13s} login={entry['login']}  password={entry['password']}")
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
    from api.errors import ServiceError
    from api.usecases import accounts
    from api.usecases.service_database import service_context

    for option, value in (("--organisation", organisation), ("--name", name)):
        problem = accounts.name_problem(value)  # the same rule as the API: these names appear on certificates
        if problem is not None:
            _fail(f"{option} {value!r}: {problem}")

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
