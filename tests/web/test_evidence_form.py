"""The evidence form of "Apply for a label", over HTTP (no browser): a filled form stores the very
evidence document the same items pasted as JSON store; errors name the field in the page's
language and keep what was typed; the pre-check runs from the form; CSRF is refused; the form is
pre-filled from the footprint and from the product's last application."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import json

from api.storage.models import Application
from api.web.i18n import LANGUAGE_COOKIE
from tests.api.helpers import compute, create_product, upload_bom
from tests.api.standin import SCHEME, sample_bom
from tests.web.test_auth import add_person, csrf_of, sign_in

NEXT_YEAR = date.today().year + 1


def _evidence() -> dict[str, Any]:
    """What an export manager in Foshan would type, as the JSON document (sample_bom's product)."""
    return {
        "product_id": "lamp-1",
        "declared_unit": {"unit": "piece", "amount": 1},
        "product_rule": {"id": "T/GDES 2025-01", "kind": "gd_group"},
        "label_use": "b2b",
        "reference_period": {"start": "2025-01-01", "end": "2025-12-31"},
        "verifier": {"name": "华南核查有限公司", "accreditation_body": "CNAS", "accreditation_standard": "ISO 14065",
                     "accreditation_valid_until": f"{NEXT_YEAR}-06-30", "cnca_approved": False,
                     "on_site_inspection": True, "statement_id": "VS-2026-017"},
        "offsets": {"netted_in_footprint": False,
                    "retired": [{"registry": "CCER", "serial": "CCER-2025-0001-0100", "tco2e": "12.5",
                                 "retired_on": "2025-11-03"}]},
        "applicant": {"legal_entity_name": "佛山灯具有限公司", "registration_id": "91440600MA4W000000",
                      "data_procedure_since": "2024-01-01",
                      "reduction_plan": {"reference": "RP-2025-03", "adopted_on": "2025-03-01"}},
        "electricity_instruments": [{"type": "GEC", "mwh": "120.5", "vintage": 2025, "serial": "GEC-8812"}],
        "own_processes": ["al"],
    }


def _form_of(evidence: dict[str, Any]) -> dict[str, Any]:
    """The same items as the fields a person fills in (written out by hand, not by the code under test)."""
    v, a = evidence["verifier"], evidence["applicant"]
    lot, instrument = evidence["offsets"]["retired"][0], evidence["electricity_instruments"][0]
    return {
        "product_id": "lamp-1", "declared_unit.amount": "1", "declared_unit.unit": "piece",
        "product_rule.id": "T/GDES 2025-01", "product_rule.kind": "gd_group", "label_use": "b2b",
        "reference_period.start": "2025-01-01", "reference_period.end": "2025-12-31",
        "verifier.name": v["name"], "verifier.accreditation_body": "CNAS", "verifier.accreditation_standard": "ISO 14065",
        "verifier.accreditation_valid_until": v["accreditation_valid_until"], "verifier.cnca_approved": "no",
        "verifier.on_site_inspection": "yes", "verifier.statement_id": "VS-2026-017",
        "applicant.legal_entity_name": a["legal_entity_name"], "applicant.registration_id": a["registration_id"],
        "applicant.data_procedure_since": "2024-01-01", "applicant.reduction_plan.reference": "RP-2025-03",
        "applicant.reduction_plan.adopted_on": "2025-03-01", "offsets.netted_in_footprint": "no",
        "offsets.retired.0.registry": lot["registry"], "offsets.retired.0.serial": lot["serial"],
        "offsets.retired.0.tco2e": "12.5", "offsets.retired.0.retired_on": "2025-11-03",
        # the empty row a page always shows is posted too, and left out of the document
        "offsets.retired.1.registry": "", "offsets.retired.1.serial": "", "offsets.retired.1.tco2e": "",
        "offsets.retired.1.retired_on": "",
        "electricity_supply_area": "",
        "electricity_instruments.0.type": "GEC", "electricity_instruments.0.mwh": "120.5",
        "electricity_instruments.0.vintage": "2025", "electricity_instruments.0.serial": instrument["serial"],
        "electricity_instruments.0.project_id": "", "electricity_instruments.0.ccer_project_id": "",
        "own_processes": ["al"],
    }


def _setup(app: Any, client: Any, actors: Any) -> tuple[str, str]:
    """A product with a computed footprint, made by an API client of the organisation a person signs in to."""
    exporter = actors.add("exporter", "exporter", "Foshan Lamp Works")
    product = create_product(client, exporter, "LED desk lamp 台灯")
    bom = sample_bom("LED desk lamp 台灯")
    bom["product"]["product_rule"] = "T/GDES 2025-01"
    bom["lines"][0]["line_id"] = "al"
    footprint = compute(client, exporter, product["id"], upload_bom(client, exporter, product["id"], bom)["id"])
    login = add_person(app, "exporter", "Foshan Lamp Works", name="Chen Jing")
    assert sign_in(client, login).status_code == 303
    return product["id"], footprint["id"]


def _post(client: Any, url: str, fields: dict[str, Any], **extra: Any) -> Any:
    token = csrf_of(client.get(url).text)
    return client.post(url, data={"csrf_token": token, **fields, **extra}, follow_redirects=False)


def _stored(app: Any, response: Any) -> dict[str, Any]:
    assert response.status_code == 303, response.text[:2000]
    with app.state.service.sessions() as session:
        row = session.get(Application, response.headers["location"].rsplit("/", 1)[1])
        assert row is not None
        return dict(row.evidence)


def _value_of(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert found, f"no field {name}"
    return html.unescape(found.group(1))


def test_the_form_stores_the_same_document_as_the_json(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    product_id, footprint_id = _setup(app, client, actors)
    url = f"/app/products/{product_id}/apply"
    common = {"scheme": SCHEME, "footprint": footprint_id, "action": "create"}
    by_form = _stored(app, _post(client, url, {**common, **_form_of(_evidence())}))
    by_json = _stored(app, _post(client, url, {**common, "evidence": json.dumps(_evidence(), ensure_ascii=False)}))
    assert by_form == by_json == _evidence()
    # types as the JSON has them: decimals as strings, the vintage and the amount as numbers, booleans
    assert by_form["offsets"]["retired"][0]["tco2e"] == "12.5" and by_form["electricity_instruments"][0]["vintage"] == 2025
    assert by_form["verifier"]["cnca_approved"] is False and by_form["verifier"]["on_site_inspection"] is True


def test_the_pasted_json_wins_over_the_form(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    product_id, footprint_id = _setup(app, client, actors)
    url = f"/app/products/{product_id}/apply"
    form = {**_form_of(_evidence()), "verifier.name": "Form Verifier"}
    stored = _stored(app, _post(client, url, {"scheme": SCHEME, "footprint": footprint_id, "action": "create",
                                              **form, "evidence": json.dumps(_evidence())}))
    assert stored["verifier"]["name"] == "华南核查有限公司"
    page = client.get(url).text
    assert "When this box is not empty, its JSON is the evidence and the form above is not used." in page
    # the pre-check of pasted JSON says the form was not read (a blank form would have been refused)
    checked = _post(client, url, {"scheme": SCHEME, "footprint": footprint_id, "action": "check",
                                  "evidence": json.dumps(_evidence())})
    assert checked.status_code == 200 and 'id="json-used"' in checked.text and 'id="precheck-ok"' in checked.text


def test_errors_name_the_field_and_keep_what_was_typed(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    product_id, footprint_id = _setup(app, client, actors)
    url = f"/app/products/{product_id}/apply"
    yesterday = date.today() - timedelta(days=1)
    form = {**_form_of(_evidence()), "verifier.accreditation_valid_until": yesterday.isoformat(),
            "applicant.registration_id": "", "offsets.retired.0.tco2e": "12,5", "verifier.statement_id": "VS-保留-1",
            "applicant.data_procedure_since": "1/1/2024"}
    client.cookies.set(LANGUAGE_COOKIE, "zh-Hans")
    answer = _post(client, url, {"scheme": SCHEME, "footprint": footprint_id, "action": "create", **form})
    assert answer.status_code == 422
    page = answer.text
    summary = page[page.index('id="form-errors"'):page.index('id="apply-form"')]
    # each error in Chinese, naming the field by its label, linked to it
    assert "认证有效期至：认证已过期" in summary and 'href="#f-verifier-accreditation_valid_until"' in summary
    assert "注册号（如统一社会信用代码）：此项为必填。" in summary
    assert "已注销批次 1：数量（吨二氧化碳当量）：不是数字" in summary
    assert "碳足迹数据管理程序运行起始日：不是有效日期" in summary
    assert summary.count("<li>") == 4
    # nothing lost: every value typed comes back, the wrong ones included
    assert _value_of(page, "verifier.statement_id") == "VS-保留-1"
    assert _value_of(page, "offsets.retired.0.tco2e") == "12,5"
    assert _value_of(page, "verifier.accreditation_valid_until") == yesterday.isoformat()
    assert _value_of(page, "applicant.legal_entity_name") == "佛山灯具有限公司"
    assert _value_of(page, "applicant.data_procedure_since") == "1/1/2024"
    assert 'name="verifier.on_site_inspection" value="yes" checked' in page
    assert 'name="own_processes" value="al" checked' in page
    with app.state.service.sessions() as session:
        assert session.query(Application).count() == 0
    # a missing item in English, with the field's own label
    client.cookies.set(LANGUAGE_COOKIE, "en")
    answer = _post(client, url, {"scheme": SCHEME, "footprint": footprint_id, "action": "create",
                                 **{**_form_of(_evidence()), "verifier.name": "  "}})
    assert answer.status_code == 422 and "Verifier name: this item is required." in answer.text


def test_the_precheck_runs_from_the_form(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    product_id, footprint_id = _setup(app, client, actors)
    url = f"/app/products/{product_id}/apply"
    answer = _post(client, url, {"scheme": SCHEME, "footprint": footprint_id, "action": "check", **_form_of(_evidence())})
    assert answer.status_code == 200 and 'id="precheck-ok"' in answer.text
    assert _value_of(answer.text, "verifier.statement_id") == "VS-2026-017"  # the form stays filled
    with app.state.service.sessions() as session:
        assert session.query(Application).count() == 0


def test_add_a_row_by_posting_again(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    product_id, footprint_id = _setup(app, client, actors)
    url = f"/app/products/{product_id}/apply"
    answer = _post(client, url, {"scheme": SCHEME, "footprint": footprint_id, "action": "add-row:offsets.retired",
                                 **_form_of(_evidence())})
    assert answer.status_code == 200 and 'id="form-errors"' not in answer.text
    assert _value_of(answer.text, "offsets.retired.0.serial") == "CCER-2025-0001-0100"
    assert _value_of(answer.text, "offsets.retired.2.serial") == ""  # the typed lot and two empty rows
    assert 'name="offsets.retired.3.serial"' not in answer.text


def test_the_form_is_prefilled_from_the_footprint_then_the_last_application(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    product_id, footprint_id = _setup(app, client, actors)
    url = f"/app/products/{product_id}/apply"
    first = client.get(url).text
    # the footprint's own values (sample_bom: 1 piece, 2025, product rule T/GDES 2025-01)
    assert (_value_of(first, "product_id"), _value_of(first, "declared_unit.amount"),
            _value_of(first, "declared_unit.unit")) == ("lamp-1", "1", "piece")
    assert (_value_of(first, "reference_period.start"), _value_of(first, "reference_period.end"),
            _value_of(first, "product_rule.id")) == ("2025-01-01", "2025-12-31", "T/GDES 2025-01")
    assert _value_of(first, "verifier.name") == ""
    assert _value_of(first, "applicant.legal_entity_name") == "Foshan Lamp Works"  # the organisation's name
    evidence = {**_evidence(), "reference_period": {"start": "2024-01-01", "end": "2024-12-31"},
                "sold_units": "5000"}
    _stored(app, _post(client, url, {"scheme": SCHEME, "footprint": footprint_id, "action": "create",
                                     "evidence": json.dumps(evidence)}))
    again = client.get(url).text
    assert _value_of(again, "verifier.name") == "华南核查有限公司"
    assert _value_of(again, "offsets.retired.0.serial") == "CCER-2025-0001-0100"
    assert _value_of(again, "reference_period.start") == "2025-01-01"  # the footprint's period, not the old one
    # an item the form does not show is carried, and said so
    assert 'id="kept-items"' in again and "sold_units" in again
    stored = _stored(app, _post(client, url, {"scheme": SCHEME, "footprint": footprint_id, "action": "create",
                                              "kept": _value_of(again, "kept"), **_form_of(_evidence())}))
    assert stored == {**_evidence(), "sold_units": "5000"}


def test_a_post_without_the_csrf_token_is_refused(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    product_id, footprint_id = _setup(app, client, actors)
    answer = client.post(f"/app/products/{product_id}/apply",
                         data={"scheme": SCHEME, "footprint": footprint_id, "action": "create", **_form_of(_evidence())},
                         follow_redirects=False)
    assert answer.status_code == 403
    forged = client.post(f"/app/products/{product_id}/apply",
                         data={"csrf_token": "x" * 43, "scheme": SCHEME, "footprint": footprint_id, "action": "create",
                               **_form_of(_evidence())}, follow_redirects=False)
    assert forged.status_code == 403
    with app.state.service.sessions() as session:
        assert session.query(Application).count() == 0


def test_a_blank_form_names_each_required_field(app, client, actors) -> None:  # type: ignore[no-untyped-def]
    """A blank verifier is not "verifier: required" but each of its fields, as the form shows them."""
    product_id, footprint_id = _setup(app, client, actors)
    url = f"/app/products/{product_id}/apply"
    answer = _post(client, url, {"scheme": SCHEME, "footprint": footprint_id, "action": "create"})
    assert answer.status_code == 422
    linked = re.findall(r'<li><a href="#f-([^"]+)">', answer.text)
    # nothing posted: every required field of labels.inputs.Evidence (the applicant is optional there)
    assert sorted(linked) == sorted([
        "product_id", "declared_unit-amount", "declared_unit-unit", "product_rule-id", "label_use",
        "reference_period-start", "reference_period-end", "product_rule-kind", "verifier-name", "verifier-accreditation_body", "verifier-accreditation_standard",
        "verifier-accreditation_valid_until", "verifier-cnca_approved", "verifier-on_site_inspection",
        "verifier-statement_id", "offsets-netted_in_footprint"])
    for target in linked:  # every link of the summary lands on a field of the page
        assert f'id="f-{target}"' in answer.text


def test_supply_areas_come_from_the_rules_of_the_site_region() -> None:
    """Hong Kong has two grids in the rule sets (CLP Power, HK Electric: gate.data_age.
    grid_defaults_by_supply_area); Guangdong one, so nothing to choose."""
    from types import SimpleNamespace

    from api.usecases.evidence_form import choices

    hong_kong = SimpleNamespace(result={"site_region": "HK", "lines": [
        {"line_id": "pcb", "name": "PCB", "children": [{"line_id": "solder", "name": "Solder", "children": []}]}]})
    guangdong = SimpleNamespace(result={"site_region": "CN-GD", "lines": []})
    assert choices(hong_kong, date(2026, 6, 1)).supply_areas == ["CLP", "HKE"]  # type: ignore[arg-type]
    # every line may be named an own process, a child too (labels/gate.py finds it at any depth)
    assert choices(hong_kong, date(2026, 6, 1)).lines == [("pcb", "PCB", 0), ("solder", "Solder", 1)]  # type: ignore[arg-type]
    found = choices(guangdong, date(2026, 6, 1))  # type: ignore[arg-type]
    assert found.supply_areas == [] and "CNAS" in found.accreditation_bodies


def test_numbers_the_form_cannot_read_are_refused_by_name() -> None:
    """Digits with a comma, an exponent beyond any quantity (int() of 1e999999999 would take 400 MB),
    a vintage with a fraction: each one an error on its own field, nothing half-read."""
    from api.usecases.evidence_form import evidence_from_form

    fields = {**{k: v for k, v in _form_of(_evidence()).items() if isinstance(v, str)},
              "declared_unit.amount": "1e999999999", "electricity_instruments.0.mwh": "1,5",
              "electricity_instruments.0.vintage": "2025.5"}
    outcome = evidence_from_form(fields, ["al"], today=date(2026, 6, 1))
    assert sorted((e.field, e.code) for e in outcome.errors) == [
        ("declared_unit.amount", "number"), ("electricity_instruments.0.mwh", "number"),
        ("electricity_instruments.0.vintage", "integer")]


def test_hostile_values_are_refused_on_their_field() -> None:
    """NaN, infinities and 1e308 are no quantity (number); zero and negatives are read and refused by
    the model (positive); a lone surrogate cannot be stored (invalid); an overlong text is too long."""
    from api.usecases.evidence_form import MAX_VALUE, evidence_from_form

    base = {k: v for k, v in _form_of(_evidence()).items() if isinstance(v, str)}
    for typed, code in [("nan", "number"), ("Infinity", "number"), ("-1e308", "number"), ("1e308", "number"),
                        ("0", "positive"), ("-5", "positive")]:
        outcome = evidence_from_form({**base, "declared_unit.amount": typed}, ["al"], today=date(2026, 6, 1))
        assert [(e.field, e.code) for e in outcome.errors] == [("declared_unit.amount", code)], typed
    for typed, code in [("Lamp\ud800Co", "invalid"), ("x" * (MAX_VALUE + 1), "too_long")]:
        outcome = evidence_from_form({**base, "verifier.name": typed}, ["al"], today=date(2026, 6, 1))
        assert [(e.field, e.code) for e in outcome.errors] == [("verifier.name", code)], typed[:20]
