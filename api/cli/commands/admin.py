"""`carbonlabel users ...`, `orgs ...`, `audit ...`, `worker`: run the service's accounts, audit
trail and job worker from the command line, on the database the service uses.

The database is `CARBONLABEL_DATABASE_URL` (else the embedded SQLite under CARBONLABEL_HOME); the
signing key is `CARBONLABEL_SIGNING_KEY` (else the embedded key, created if absent only in embedded
mode), so history rows written here are chained and their heads signed like the server's.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from api.cli.commands.service import users_app

if TYPE_CHECKING:  # SQLAlchemy is imported when a command here runs, not by every `carbonlabel` command
    from api.usecases.service_database import ServiceContext

orgs_app = typer.Typer(help="Manage organisations.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the audit trail (hash-chained history, signed heads).", no_args_is_help=True)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=code)


def _echo(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, default=str))
        return
    for row in rows:
        typer.echo("  ".join(f"{k}={v}" for k, v in row.items()))


def _run(action: Any) -> Any:
    """Run `action(session)` in one transaction; a service error becomes exit code 2 with its message."""
    from api.errors import InsecureConfiguration, ServiceError
    from api.usecases.service_database import service_context

    try:
        with service_context() as context, context.sessions() as session:
            result = action(session, context)
            session.commit()
            return result
    except (ServiceError, InsecureConfiguration) as exc:
        _fail(exc.message)


def _account_row(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "client_id": user.client_id,
        "name": user.name,
        "kind": user.kind,
        "role": user.role,
        "organisation_id": user.organisation_id,
        "active": user.active,
    }


# ---- users (accounts) -----------------------------------------------------------------------
@users_app.command("list")
def list_users(
    organisation: str = typer.Option(None, "--org", help="Organisation id or name."),
    kind: str = typer.Option(None, "--kind", help="client, person or partner."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List accounts (never their secrets)."""
    from api.usecases import accounts

    def action(session: Any, _context: Any) -> list[dict[str, Any]]:
        org_id = accounts.get_organisation_by_id_or_name(session, organisation).id if organisation else None
        users = accounts.list_users(session, organisation_id=org_id, kind=kind, active=None, limit=10_000, offset=0)
        return [_account_row(u) for u in users]

    _echo(_run(action), as_json)


def _lifecycle(reference: str, what: str, reason: str | None) -> dict[str, Any]:
    from api.usecases import accounts

    def action(session: Any, _context: Any) -> dict[str, Any]:
        user = accounts.get_user(session, reference)
        if what == "disable":
            accounts.set_user_active(session, user=user, active=False, actor=None, reason=reason)
        elif what == "enable":
            accounts.set_user_active(session, user=user, active=True, actor=None, reason=reason)
        elif what == "revoke-tokens":
            return {**_account_row(user), "tokens_revoked": accounts.revoke_tokens(session, user=user, actor=None)}
        elif what == "rotate-secret":
            created = accounts.rotate_secret(session, user=user, actor=None, reason=reason)
            return {**_account_row(user), "client_secret": created.client_secret}
        return _account_row(user)

    return _run(action)


REFERENCE = typer.Argument(..., help="Account id or client_id.")
REASON = typer.Option(None, "--reason", help="Why (kept in the history).")


@users_app.command("disable")
def disable_user(reference: str = REFERENCE, reason: str = REASON, as_json: bool = typer.Option(False, "--json")) -> None:
    """Disable an account: no new tokens, its tokens stop working."""
    _echo([_lifecycle(reference, "disable", reason)], as_json)


@users_app.command("enable")
def enable_user(reference: str = REFERENCE, reason: str = REASON, as_json: bool = typer.Option(False, "--json")) -> None:
    """Re-enable a disabled account."""
    _echo([_lifecycle(reference, "enable", reason)], as_json)


@users_app.command("rotate-secret")
def rotate_secret(reference: str = REFERENCE, reason: str = REASON, as_json: bool = typer.Option(False, "--json")) -> None:
    """A new client secret (printed once); the old one and all tokens stop working."""
    _echo([_lifecycle(reference, "rotate-secret", reason)], as_json)


@users_app.command("revoke-tokens")
def revoke_tokens(reference: str = REFERENCE, as_json: bool = typer.Option(False, "--json")) -> None:
    """End every bearer token of the account now."""
    _echo([_lifecycle(reference, "revoke-tokens", None)], as_json)


# ---- organisations --------------------------------------------------------------------------
def _org_row(organisation: Any) -> dict[str, Any]:
    return {"id": organisation.id, "name": organisation.name, "active": organisation.active}


@orgs_app.command("list")
def list_orgs(as_json: bool = typer.Option(False, "--json")) -> None:
    from api.usecases import accounts

    _echo(_run(lambda s, _c: [_org_row(o) for o in accounts.list_organisations(s, limit=10_000, offset=0)]), as_json)


@orgs_app.command("create")
def create_org(name: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    from api.usecases import accounts

    def action(session: Any, _context: Any) -> dict[str, Any]:
        accounts.ensure_unique_organisation_name(session, name)
        return _org_row(accounts.get_or_create_organisation(session, name=name))

    _echo([_run(action)], as_json)


def _org_active(reference: str, active: bool, reason: str | None) -> dict[str, Any]:
    from api.usecases import accounts

    def action(session: Any, _context: Any) -> dict[str, Any]:
        organisation = accounts.get_organisation_by_id_or_name(session, reference)
        accounts.set_organisation_active(session, organisation=organisation, active=active, actor=None, reason=reason)
        return _org_row(organisation)

    return _run(action)


@orgs_app.command("disable")
def disable_org(reference: str = typer.Argument(..., help="Organisation id or name."), reason: str = REASON) -> None:
    """Disable an organisation: none of its accounts gets or keeps a token."""
    _echo([_org_active(reference, False, reason)], False)


@orgs_app.command("enable")
def enable_org(reference: str = typer.Argument(..., help="Organisation id or name."), reason: str = REASON) -> None:
    _echo([_org_active(reference, True, reason)], False)


# ---- audit ----------------------------------------------------------------------------------
@audit_app.command("verify")
def audit_verify(
    entity_type: str = typer.Option(None, "--entity-type"),
    entity_id: str = typer.Option(None, "--entity-id"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check every history chain; exit 1 and name the first broken link of each broken chain."""
    from api.usecases import history

    def action(session: Any, context: ServiceContext) -> Any:
        return history.verify_chains(session, context.public_keys, entity_type=entity_type, entity_id=entity_id)

    report = _run(action)
    if as_json:
        typer.echo(
            json.dumps(
                {"intact": report.intact, "chains": report.chains, "rows": report.rows,
                 "broken": [vars(b) for b in report.broken]},
                ensure_ascii=False,
            )
        )
    else:
        typer.echo(f"{report.chains} chains, {report.rows} rows: {'intact' if report.intact else 'BROKEN'}")
        for link in report.broken:
            where = f"seq {link.seq} (history id {link.history_id})" if link.seq is not None else "chain head"
            typer.echo(f"  {link.entity_type} {link.entity_id}: {where}: {link.problem}")
    if not report.intact:
        raise typer.Exit(code=1)


@audit_app.command("seal")
def audit_seal() -> None:
    """Sign the unsigned heads of chains written before migration 0002 (check them first)."""
    from api.usecases import history

    sealed = _run(lambda session, context: history.seal_unsigned_heads(session, context.signing_key))
    typer.echo(f"sealed {sealed} chain heads")


# ---- jobs -----------------------------------------------------------------------------------
def worker(
    once: bool = typer.Option(False, "--once", help="Run the queued jobs, then exit."),
    poll: float = typer.Option(1.0, "--poll", min=0.05, help="Seconds between looks at the queue."),
    dask: str = typer.Option(
        "", "--dask", envvar="CARBONLABEL_DASK_SCHEDULER",
        help="Address of a Dask scheduler (tcp://host:8786): run each job's computation on that cluster.",
    ),
) -> None:
    """Run queued jobs (large CBAM reports and PDFs, long Monte Carlo footprints) outside the
    request workers. Start as many as you like: each job is taken by one."""
    from api.usecases.jobs import engine_worker
    from api.usecases.service_database import service_context

    with service_context() as context:
        runner = engine_worker(context.sessions, poll_seconds=poll, dask_address=dask,
                               webhook_allow_loopback=context.settings.webhook_allow_loopback)
        if dask:
            typer.echo(f"computations run on the Dask cluster at {dask}")
        if once:
            done = 0
            while runner.run_once():
                done += 1
            typer.echo(f"ran {done} jobs")
            return
        typer.echo(f"job worker {runner.name} polling every {poll} s (Ctrl-C stops)")
        try:
            runner.run_forever()
        except KeyboardInterrupt:
            runner.stop.set()


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.add_typer(orgs_app, name="orgs")
    app.add_typer(audit_app, name="audit")
