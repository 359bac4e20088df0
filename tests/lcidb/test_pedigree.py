"""Uncertainty on every exchange by the pedigree approach (lcidb.pedigree), computed at build time."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from lcidb.build import build_snapshot
from lcidb.errors import TemplateError
from lcidb.pedigree import pedigree_sigma, whole_score
from lcidb.snapshot import load_snapshot
from lcidb.template import Activity, Exchange, read_template
from lcidb.units import conversion_factor

ACTIVITIES = """activity_id,name,unit,geography,year,category,source,licence,status,dqr_technological,dqr_temporal,dqr_geographical,dqr_completeness
widget,widget,kg,CN,2024,material,test,test,verified,2,2.4,1,2
truck,truck,tkm,CN,2024,transport,test,test,verified,,,,
"""
EXCHANGES = """activity_id,input,amount,unit,kind,uncertainty_sigma,gwp_basis,credit_type
widget,truck,0.5,t·km,technosphere,,,
widget,co2_fossil,1.0,kg,biosphere,0.07,,
widget,ch4_fossil,0.01,kg,biosphere,,,
truck,co2_fossil,0.1,kg,biosphere,0,,
"""


def _template(folder: Path, activities: str = ACTIVITIES, exchanges: str = EXCHANGES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "activities.csv").write_text(activities, encoding="utf-8")
    (folder / "exchanges.csv").write_text(exchanges, encoding="utf-8")
    return folder


def test_sigma_by_hand_for_a_transport_input() -> None:
    """widget <- 0.5 t.km truck. Basic uncertainty of transport services: GSD² 2. Owner scores:
    reliability missing -> 5 -> 1.5; completeness 2 -> 1.02; temporal 2.4 -> rounded up to 3 -> 1.1;
    geographical 1 -> 1.0; technological 2 -> 1.05 (Weidema et al. 2013 factors). So
    sigma = sqrt(ln2² + ln1.5² + ln1.02² + ln1.1² + ln1² + ln1.05²) / 2
          = sqrt(0.480453 + 0.164402 + 0.000392 + 0.009085 + 0 + 0.002380) / 2 = sqrt(0.656712) / 2 = 0.405189."""
    owner = Activity("widget", "w", "kg", "CN", 2024, "material", "s", "l", "verified",
                     dqr_technological=2, dqr_temporal=2.4, dqr_geographical=1, dqr_completeness=2)
    truck = Activity("truck", "t", "tkm", "CN", 2024, "transport", "s", "l", "verified")
    exchange = Exchange("widget", "truck", 0.5, "technosphere", None, None, None)
    expected = math.sqrt(sum(math.log(x) ** 2 for x in (2, 1.5, 1.02, 1.1, 1.0, 1.05))) / 2
    assert expected == pytest.approx(0.405189, abs=1e-6)
    assert pedigree_sigma(exchange, owner, truck) == pytest.approx(expected, rel=1e-12)


def test_scores_missing_count_as_worst_and_fractions_round_up() -> None:
    assert [whole_score(s) for s in (None, 1, 1.0, 1.2, 2.0, 4.01, 5)] == [5, 1, 1, 2, 2, 5, 5]


def test_build_stores_a_sigma_on_every_exchange_given_ones_win(home: Path, tmp_path: Path) -> None:
    """CH4 of the widget: basic GSD² 1.5 (Air CH4, combustion) with the widget's scores:
    sqrt(ln1.5² + ln1.5² + ln1.02² + ln1.1² + ln1² + ln1.05²) / 2. The CO2 row keeps its given 0.07,
    the truck's CO2 its given 0 (known exactly)."""
    build_snapshot([_template(tmp_path / "t")], name="ped")
    snapshot = load_snapshot("ped")
    bio = snapshot.bio
    assert not np.isnan(snapshot.tech.sigmas).any() and not np.isnan(bio.sigmas).any()
    by_key = {(snapshot.flows[r], snapshot.activities[c].id): (s, g)
              for r, c, s, g in zip(bio.rows, bio.cols, bio.sigmas, bio.sigma_given)}
    ch4 = math.sqrt(sum(math.log(x) ** 2 for x in (1.5, 1.5, 1.02, 1.1, 1.0, 1.05))) / 2
    assert by_key[("ch4_fossil", "widget")][0] == pytest.approx(ch4, rel=1e-12)
    assert not by_key[("ch4_fossil", "widget")][1]
    assert by_key[("co2_fossil", "widget")] == (0.07, True)
    assert by_key[("co2_fossil", "truck")] == (0.0, True)
    assert snapshot.manifest["uncertainty"]["version"] == 1


def test_the_shipped_database_has_uncertainty_on_every_exchange(home: Path) -> None:
    build_snapshot([])
    default_snapshot = load_snapshot("default")
    for triplets in (default_snapshot.tech, default_snapshot.bio):
        assert np.isfinite(triplets.sigmas).all()
        assert (triplets.sigmas[triplets.amounts != 0] > 0).any()


def test_t_middle_dot_km_is_a_unit(tmp_path: Path) -> None:
    """The docs write t·km; a template row in t·km converts 1:1 to the truck's tkm."""
    assert conversion_factor("t·km", "tkm") == 1.0
    assert conversion_factor("t⋅km", "kg.km") == pytest.approx(1000.0)
    data = read_template(_template(tmp_path / "t"))
    assert [e.amount for e in data.exchanges if e.input == "truck"] == [0.5]


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("luc_assessed", "maybe", "true, false or empty"),
    ("biogenic_carbon_content", "-0.1", "cannot be negative"),
    ("dqr_reliability", "6", "DQR must be within"),
])
def test_new_activity_columns_are_validated(tmp_path: Path, column: str, value: str, reason: str) -> None:
    activities = ("activity_id,name,unit,geography,year,category,source,licence,status," + column + "\n"
                  "widget,widget,kg,CN,2024,material,test,test,verified," + value + "\n")
    exchanges = "activity_id,input,amount,unit,kind,uncertainty_sigma,gwp_basis,credit_type\n"
    with pytest.raises(TemplateError, match=reason) as caught:
        read_template(_template(tmp_path / "bad", activities, exchanges))
    assert caught.value.row == 2 and caught.value.field == column and caught.value.value == value
