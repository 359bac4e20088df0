"""The trade office's CBAM page without a browser (SQLite and PostgreSQL): results by line and
importer, the price scenario applied through the portfolio use case, CSV and XLSX downloads, the
PDF as a job, bad prices named. Expected costs are recomputed from the page's own certificates
column: cost = certificates x price (tariffs/eu.py), by hand, not by the code under test."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from api.usecases import cbam_scenarios
from api.usecases.jobs import Worker
from tests.conftest import REPO_ROOT
from tests.web.test_auth import add_person, csrf_of, sign_in

LINES = REPO_ROOT / "examples" / "cbam" / "portfolio.csv"


def first_lines(count: int) -> bytes:
    return "".join(LINES.read_text(encoding="utf-8").splitlines(keepends=True)[: count + 1]).encode()


def _officer(app, client) -> str:  # type: ignore[no-untyped-def]
    officer = add_person(app, "trade_office", "Guangdong Trade Office", name="Officer Huang")
    assert sign_in(client, officer).status_code == 303
    return csrf_of(client.get("/app/cbam").text)


def _post(client, token: str, output: str = "page", price: str = "in_force", custom: str = "",  # type: ignore[no-untyped-def]
          raw: bytes | None = None):
    return client.post("/app/cbam", data={"csrf_token": token, "output": output, "price": price,
                                          "custom_price": custom},
                       files={"file": ("lines.csv", raw or first_lines(8), "text/csv")})


def _total_eur(html: str) -> Decimal:
    found = re.search(r"EU CBAM EUR ([\d,]+)", html)
    assert found, html[:2000]
    return Decimal(found.group(1).replace(",", ""))


def test_results_by_line_and_importer_and_a_price_scenario(app, client) -> None:  # type: ignore[no-untyped-def]
    token = _officer(app, client)
    in_force = _post(client, token)
    assert in_force.status_code == 200, in_force.text[:3000]
    for table in ('id="by-line"', 'id="by-importer"', 'id="by-cn"', 'id="by-sector"', 'id="by-year"'):
        assert table in in_force.text
    assert "DE-IMPORTER-LONGNAME-1" in in_force.text and 'id="scenario-form"' in in_force.text
    # the price scenario form sends the file back (no second upload) with EUR 100 per t
    upload = re.search(r'name="upload" value="([^"]+)"', in_force.text)
    assert upload
    hundred = client.post("/app/cbam", data={"csrf_token": token, "upload": upload.group(1), "filename": "lines.csv",
                                             "price": "custom", "custom_price": "100", "output": "csv"})
    assert hundred.status_code == 200 and hundred.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(hundred.text)))
    eu = [r for r in rows if r["regime"] == "EU" and r["cost_eur"]]
    assert eu and all(Decimal(r["price_eur"]) == 100 for r in eu)
    # by hand: every EU line costs its certificates x EUR 100 (rounded to the cent)
    for row in eu:
        assert abs(Decimal(row["cost_eur"]) - Decimal(row["certificates"]) * 100) <= Decimal("0.01"), row
    page_100 = client.post("/app/cbam", data={"csrf_token": token, "upload": upload.group(1), "filename": "lines.csv",
                                              "price": "custom", "custom_price": "100", "output": "page"})
    assert page_100.status_code == 200 and 'id="price-used"' in page_100.text
    expected = sum((Decimal(r["cost_eur"]) for r in eu), Decimal(0))
    assert abs(_total_eur(page_100.text) - expected) <= 1  # the page shows whole euros
    assert _total_eur(page_100.text) != _total_eur(in_force.text)


def test_scenario_prices_come_from_the_data_and_bad_prices_are_named(app, client) -> None:  # type: ignore[no-untyped-def]
    options = cbam_scenarios.price_options(date(2026, 6, 1))
    assert options.scenarios == [Decimal(60), Decimal(75), Decimal(100), Decimal(130)]  # scenarios.yaml
    assert (options.minimum, options.maximum) == (Decimal(1), Decimal(500))
    assert options.in_force[0].year == 2026 and options.in_force[0].eu_eur == (Decimal("75.28"), Decimal("75.36"))
    assert options.in_force[0].uk_gbp is None and options.in_force[1].uk_gbp == (Decimal(46), Decimal(46))
    token = _officer(app, client)
    form = client.get("/app/cbam").text
    assert 'value="130"' in form and 'max="500"' in form
    for custom, why in (("0.5", "outside the allowed range 1-500"), ("9999", "outside the allowed range"),
                        ("abc", "not a number")):
        refused = _post(client, token, price="custom", custom=custom)
        assert refused.status_code == 422 and why in refused.text, custom
    unknown = _post(client, token, price="42")
    assert unknown.status_code == 422 and "not one of the offered scenarios" in unknown.text


def test_pdf_is_a_job_and_xlsx_downloads(app, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    token = _officer(app, client)
    xlsx = _post(client, token, output="xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    queued = client.post("/app/cbam", data={"csrf_token": token, "output": "pdf", "price": "75"},
                         files={"file": ("lines.csv", first_lines(3), "text/csv")}, follow_redirects=False)
    assert queued.status_code == 303 and queued.headers["location"].startswith("/app/jobs/")
    job_url = queued.headers["location"]
    waiting = client.get(job_url)
    assert waiting.status_code == 200 and 'data-status="queued"' in waiting.text and "hx-get" in waiting.text
    assert client.get(job_url + "/result").status_code == 404  # not ready
    service = app.state.service
    assert Worker(service.sessions, service.domain).run_once()
    state = client.get(job_url + "/state").text
    assert 'id="job-download"' in state
    pdf = client.get(job_url + "/result")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # another trade office cannot see the job
    client.cookies.clear()
    other = add_person(app, "trade_office", "Hong Kong Trade Office", name="Officer Chan")
    assert sign_in(client, other).status_code == 303
    assert client.get(job_url).status_code == 404


@pytest.mark.parametrize("role", ["exporter", "certifier"])
def test_trade_pages_are_refused_to_other_roles(app, client, role: str) -> None:  # type: ignore[no-untyped-def]
    person = add_person(app, role, "Foshan Fastener Co")
    assert sign_in(client, person).status_code == 303
    for path in ("/app/cbam", "/app/recognition", "/app/certificates"):
        assert client.get(path).status_code == 404, path


def test_a_pdf_job_of_a_bad_file_names_the_line(app, client) -> None:  # type: ignore[no-untyped-def]
    token = _officer(app, client)
    bad = first_lines(2).replace(b",10.0,", b",ten,")  # line 2's net_mass_t
    queued = client.post("/app/cbam", data={"csrf_token": token, "output": "pdf", "price": "in_force"},
                         files={"file": ("bad.csv", bad, "text/csv")}, follow_redirects=False)
    assert queued.status_code == 303
    service = app.state.service
    assert Worker(service.sessions, service.domain).run_once()
    state = client.get(queued.headers["location"] + "/state").text
    assert 'data-status="failed"' in state and "net_mass_t" in state and "ten" in state
    assert 'id="job-download"' not in state
