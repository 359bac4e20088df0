"""A PACT v3 client: talks to a supplier's host system over HTTPS (docs/pact.md, "Client").

Authentication as the spec says: the OpenID Provider Configuration Document at
`<auth base>/.well-known/openid-configuration` names the token endpoint, else
`<auth base>/auth/token`; client credentials by HTTP Basic, `grant_type=client_credentials`.
Lists follow the `Link: <…>; rel="next"` header, but only to the host the list came from (the
bearer token is never sent elsewhere). Every footprint is read strictly (footprint.pact), so a
partner's document that breaks the spec is refused with the path and the reason.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx

from api.errors import PartnerFailed
from footprint.errors import PactError
from footprint.pact import PactDocument, ProductFootprint, read_pact_document
from footprint.pact_exchange import CLOUDEVENTS_MEDIA_TYPE, FootprintQuery, PactEvent

MAX_PAGES = 1000  # a partner whose next links never end is cut off here, and told so


class PactPartnerError(PartnerFailed):
    """A partner's host refused, failed or answered something that is not PACT. Our caller gets
    424 Failed Dependency with the partner's URL, status and code: the request was fine, the
    partner was not (not a 5xx: nothing failed inside this service)."""

    def __init__(self, url: str, message: str, *, status: int | None = None, code: str | None = None):
        self.url, self.status, self.partner_code = url, status, code
        where = f"{url}" + (f" answered {status}" if status is not None else "")
        super().__init__(f"{where}: {message}", extra={"partner_url": url, "partner_status": status,
                                                         "partner_code": code})


@dataclass
class Fetched:
    footprints: list[ProductFootprint]
    url: str  # the first URL asked
    report: list[str] = field(default_factory=list)  # what the reader converted or ignored
    pages: int = 1


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


class PactClient:
    """One partner host, with the client credentials that host issued to us."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, *, auth_base_url: str | None = None,
                 verify: ssl.SSLContext | bool = True, transport: httpx.BaseTransport | None = None,
                 timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.auth_base_url = (auth_base_url or base_url).rstrip("/")
        self._credentials = (client_id, client_secret)
        self._http = httpx.Client(verify=verify, transport=transport, timeout=timeout, follow_redirects=False)
        self._token: str | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PactClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ authentication
    def token_endpoint(self) -> str:
        discovery = f"{self.auth_base_url}/.well-known/openid-configuration"
        try:
            answer = self._http.get(discovery)
            if answer.status_code == 200:
                endpoint = answer.json().get("token_endpoint")
                # only a token endpoint on the same scheme (never https -> http)
                if isinstance(endpoint, str) and urlsplit(endpoint).scheme == urlsplit(discovery).scheme:
                    return endpoint
        except (httpx.HTTPError, ValueError):
            pass  # no discovery document: the spec's fallback
        return f"{self.auth_base_url}/auth/token"

    def token(self, *, renew: bool = False) -> str:
        if self._token is not None and not renew:
            return self._token
        endpoint = self.token_endpoint()
        try:
            answer = self._http.post(endpoint, auth=self._credentials, data={"grant_type": "client_credentials"},
                                     headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise PactPartnerError(endpoint, f"cannot reach the token endpoint ({exc.__class__.__name__}: {exc})") from None
        body = _json(answer)
        if answer.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            error = body.get("error") if isinstance(body, dict) else None
            raise PactPartnerError(endpoint, f"no access token ({error or answer.text[:200]!r})",
                                   status=answer.status_code, code=error)
        self._token = body["access_token"]
        return self._token

    # ------------------------------------------------------------------ requests
    def _authorised(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request with our bearer token; after a 401 (an expired token) one new token, one more try."""
        headers = dict(kwargs.pop("headers", {}))
        for attempt in (1, 2):
            headers["Authorization"] = f"Bearer {self.token(renew=attempt == 2)}"
            try:
                answer = self._http.request(method, url, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                raise PactPartnerError(url, f"cannot reach the host ({exc.__class__.__name__}: {exc})") from None
            if answer.status_code != 401 or attempt == 2:
                return answer
        raise AssertionError("unreachable")

    def _get(self, url: str) -> httpx.Response:
        return self._authorised("GET", url, headers={"Accept": "application/json"})

    def _check(self, url: str, answer: httpx.Response) -> Any:
        body = _json(answer)
        if answer.status_code != 200:
            code = body.get("code") if isinstance(body, dict) else None
            message = body.get("message") if isinstance(body, dict) else None
            raise PactPartnerError(url, f"{code or 'error'}: {message or answer.text[:200]!r}",
                                   status=answer.status_code, code=code)
        if body is None:
            raise PactPartnerError(url, "the answer is not JSON", status=answer.status_code)
        return body

    def list_footprints(self, query: FootprintQuery | None = None, *, limit: int | None = None) -> Fetched:
        """Every footprint matching `query`, following the next links."""
        params: list[tuple[str, str]] = []
        if query is not None:
            wire = query.wire()
            for name, value in wire.items():
                for item in value if isinstance(value, list) else [value]:
                    params.append((name, str(item)))
        if limit is not None:
            params.append(("limit", str(limit)))
        first = str(httpx.URL(f"{self.base_url}/3/footprints", params=params))
        url: str | None = first
        fetched = Fetched(footprints=[], url=first, pages=0)
        while url is not None:
            if fetched.pages >= MAX_PAGES:
                raise PactPartnerError(first, f"more than {MAX_PAGES} pages of next links; stopped")
            answer, doc = self._document(url, "list-response", "ListFootprints must answer {\"data\": [...]}")
            fetched.footprints.extend(doc.footprints)
            fetched.report.extend(doc.report())
            fetched.pages += 1
            url = self._next_link(url, answer)
        return fetched

    def _document(self, url: str, shape: str, wrong_shape: str) -> tuple[httpx.Response, PactDocument]:
        answer = self._get(url)
        body = self._check(url, answer)
        try:
            doc = read_pact_document(body, url)
        except PactError as exc:
            raise PactPartnerError(url, str(exc), status=answer.status_code) from None
        if doc.shape != shape:
            raise PactPartnerError(url, wrong_shape, status=answer.status_code)
        return answer, doc

    def _next_link(self, url: str, answer: httpx.Response) -> str | None:
        link = answer.links.get("next")
        if not link or not link.get("url"):
            return None
        target = link["url"]
        if not urlsplit(target).scheme:
            raise PactPartnerError(url, f"the next link {target!r} is not absolute, as the spec requires")
        if _origin(target) != _origin(url):
            raise PactPartnerError(url, f"the next link {target!r} leads to another host; not followed "
                                   "(our token is only for this host)")
        return target

    def get_footprint(self, pf_id: UUID | str) -> Fetched:
        url = f"{self.base_url}/3/footprints/{UUID(str(pf_id))}"
        _, doc = self._document(url, "response", "GetFootprint must answer {\"data\": {...}}")
        return Fetched(footprints=doc.footprints, url=url, report=doc.report())

    def footprints_for_product(self, product_id: str) -> Fetched:
        return self.list_footprints(FootprintQuery.model_validate({"productId": [product_id]}))

    def send_event(self, event: PactEvent, url: str | None = None) -> None:
        """POST an event (CloudEvents structured mode); the host answers 200 on acceptance."""
        target = url or f"{self.base_url}/3/events"
        answer = self._authorised("POST", target, json=event.wire(),
                                  headers={"Content-Type": f"{CLOUDEVENTS_MEDIA_TYPE}; charset=UTF-8"})
        if answer.status_code != 200:
            body = _json(answer)
            code = body.get("code") if isinstance(body, dict) else None
            message = body.get("message") if isinstance(body, dict) else answer.text[:200]
            raise PactPartnerError(target, f"event {event.id} refused: {code or ''} {message}".strip(),
                                   status=answer.status_code, code=code)


def _json(answer: httpx.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None
