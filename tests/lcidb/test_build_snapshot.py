"""Template -> Brightway + snapshot: hand-computed systems, hashing, resolution, failure safety."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from lcidb.build import build_snapshot
from lcidb.errors import AmbiguousSnapshot, LcidbError, SingularTechnosphere, SnapshotNotFound, TemplateError
from lcidb.search import show
from lcidb.snapshot import list_published, load_snapshot, resolve
from lcidb.solve import FactorizedSnapshot

FIXTURES = Path(__file__).parent / "fixtures"


def _score(snapshot_ref: str, activity_id: str, amount: float, method: str = "AR6") -> float:
    snap = load_snapshot(snapshot_ref)
    return amount * float(FactorizedSnapshot(snap).scores(method)[snap.index[activity_id]])


def test_heijungs_two_process_system_gives_120_kg(home: Path) -> None:
    build_snapshot([FIXTURES / "heijungs"], name="hs")
    assert abs(_score("hs", "electricity", 1000.0) - 120.0) <= 1e-12 * 120


def test_heijungs_loop_variant_gives_12000_over_99(home: Path) -> None:
    build_snapshot([FIXTURES / "heijungs_loop"], name="hsloop")
    assert abs(_score("hsloop", "electricity", 1000.0) - 12000 / 99) <= 1e-12 * 12000 / 99


def test_factor_show_gives_cradle_to_gate_per_gas(home: Path) -> None:
    build_snapshot([FIXTURES / "heijungs"], name="hs")
    record = show(load_snapshot("hs"), "electricity")
    # per kWh: 0.1 kg own + 0.2 L x 0.1 kg/L = 0.12 kg CO2
    assert record["cradle_to_gate_kg_by_gas"] == pytest.approx({"co2_fossil": 0.12}, rel=1e-12)
    assert record["cradle_to_gate"]["AR5"]["total_kgco2e"] == pytest.approx(0.12, rel=1e-12)


def test_same_inputs_give_the_same_hash_in_two_fresh_homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hashes = []
    for label in ("one", "two"):
        monkeypatch.setenv("CARBONLABEL_HOME", str(tmp_path / label))
        # a copy at another path: paths must not enter the hash
        source = tmp_path / f"src-{label}" / "heijungs"
        shutil.copytree(FIXTURES / "heijungs", source)
        hashes.append(build_snapshot([source], name="hs").hash)
    assert hashes[0] == hashes[1]
    assert len(hashes[0]) == 64 and all(c in "0123456789abcdef" for c in hashes[0])


def test_identical_rebuild_publishes_nothing_new(home: Path) -> None:
    first = build_snapshot([FIXTURES / "heijungs"], name="hs")
    second = build_snapshot([FIXTURES / "heijungs"], name="hs")
    assert first.published and not second.published
    assert second.hash == first.hash
    assert len(list_published()) == 1


def test_a_value_change_changes_the_hash_and_latest(home: Path, tmp_path: Path) -> None:
    first = build_snapshot([FIXTURES / "heijungs"], name="hs")
    changed = tmp_path / "changed"
    shutil.copytree(FIXTURES / "heijungs", changed)
    text = (changed / "exchanges.csv").read_text().replace("electricity,co2_fossil,0.1,", "electricity,co2_fossil,0.2,")
    (changed / "exchanges.csv").write_text(text)
    second = build_snapshot([changed], name="hs")
    assert second.hash != first.hash
    assert resolve("hs")["hash"] == second.hash
    assert resolve(f"hs@{first.hash[:8]}")["hash"] == first.hash
    assert resolve(first.hash)["hash"] == first.hash
    with pytest.raises(SnapshotNotFound):
        resolve("hs@0000000000")
    with pytest.raises(SnapshotNotFound):
        resolve("nope")


def test_ambiguous_prefix_is_refused(home: Path) -> None:
    from lcidb.snapshot import write_index

    write_index([
        {"name": "x", "hash": "ab" * 32, "created": "2026-01-01T00:00:00+00:00", "seq": 1},
        {"name": "x", "hash": "abababab" + "cd" * 28, "created": "2026-01-02T00:00:00+00:00", "seq": 2},
    ])
    with pytest.raises(AmbiguousSnapshot):
        resolve("x@abababab")


def test_singular_loop_is_refused_and_the_previous_snapshot_stays(home: Path, tmp_path: Path) -> None:
    good = build_snapshot([FIXTURES / "heijungs"], name="hs")
    bad = tmp_path / "bad"
    shutil.copytree(FIXTURES / "heijungs", bad)
    # electricity needs 0.2 L fuel per kWh and fuel needs 5 kWh per L: 0.2 x 5 = 1, nothing net
    with (bad / "exchanges.csv").open("a") as handle:
        handle.write("fuel,electricity,5,kWh,technosphere,,,\n")
    with pytest.raises(SingularTechnosphere) as caught:
        build_snapshot([bad], name="hs")
    message = str(caught.value)
    # the error names the loop and the template rows that close it
    assert "electricity <-> fuel" in message or "fuel <-> electricity" in message
    assert "exchanges.csv:2" in message and "exchanges.csv:5" in message
    assert resolve("hs")["hash"] == good.hash


def test_name_is_required_with_source(home: Path) -> None:
    with pytest.raises(LcidbError, match="--name"):
        build_snapshot([FIXTURES / "heijungs"])


def _write_template(folder: Path, activities: str, exchanges: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "activities.csv").write_text(
        "activity_id,name,unit,geography,year,category,source,licence,status\n" + activities
    )
    (folder / "exchanges.csv").write_text(
        "activity_id,input,amount,unit,kind,uncertainty_sigma,gwp_basis,credit_type\n" + exchanges
    )
    return folder


GOOD_ACTIVITY = "a,thing,kg,CN,2024,material,test,cited-fact,verified\n"


@pytest.mark.parametrize(
    ("activities", "exchanges", "field", "row"),
    [
        (GOOD_ACTIVITY, "a,co2_fossil,nan,kg,biosphere,,,\n", "amount", 2),
        (GOOD_ACTIVITY, "a,co2_fossil,1,5,kg,biosphere,,,\n", None, 2),  # comma decimal splits the row
        (GOOD_ACTIVITY, "a,co2_fossil,-1,kg,biosphere,,,\n", "amount", 2),
        (GOOD_ACTIVITY, "a,co2_fossil,1,furlong,biosphere,,,\n", "unit", 2),
        (GOOD_ACTIVITY, "a,co2_fosil,1,kg,biosphere,,,\n", "input", 2),
        (GOOD_ACTIVITY, "a,b,1,kg,technosphere,,,\n", "input", 2),
        (GOOD_ACTIVITY, "a,co2e_unsplit,1,kg,biosphere,,,\n", "gwp_basis", 2),
        (GOOD_ACTIVITY, "a,co2_fossil,1,kWh,biosphere,,,\n", "unit", 2),
        (GOOD_ACTIVITY + GOOD_ACTIVITY, "", "activity_id", 3),
        ("a,thing,kg,CN,20x4,material,test,cited-fact,verified\n", "", "year", 2),
        ("a,thing,kg,CN,2024,material,test,cited-fact,maybe\n", "", "status", 2),
        (GOOD_ACTIVITY, "a,co2_fossil,1,kg,biosphere,,,\na,co2_fossil,2,kg,biosphere,,,\n", "input", 3),
        (GOOD_ACTIVITY, "zz,co2_fossil,1,kg,biosphere,,,\n", "activity_id", 2),
    ],
)
def test_bad_rows_name_file_row_and_field(
    home: Path, tmp_path: Path, activities: str, exchanges: str, field: str | None, row: int
) -> None:
    folder = _write_template(tmp_path / "t", activities, exchanges)
    with pytest.raises(TemplateError) as caught:
        build_snapshot([folder], name="bad")
    assert caught.value.row == row
    assert caught.value.field == field
    assert caught.value.file.endswith(".csv")
    assert list_published() == []  # nothing half-written


def test_negative_amount_is_accepted_as_an_explicit_credit(home: Path, tmp_path: Path) -> None:
    folder = _write_template(
        tmp_path / "t",
        GOOD_ACTIVITY + "r,recycled,kg,CN,2024,end_of_life,test,cited-fact,verified\n",
        "a,co2_fossil,2,kg,biosphere,,,\nr,a,-0.5,kg,technosphere,,,recycling_credit\n",
    )
    build_snapshot([folder], name="credit")
    assert _score("credit", "r", 1.0) == pytest.approx(-1.0, rel=1e-12)


def test_units_are_converted_to_the_input_activity_unit(home: Path, tmp_path: Path) -> None:
    folder = _write_template(
        tmp_path / "t",
        GOOD_ACTIVITY + "b,user,piece,CN,2024,product,test,cited-fact,verified\n",
        "a,co2_fossil,2,kg,biosphere,,,\nb,a,0.003,t,technosphere,,,\nb,n2o,5,g,biosphere,,,\n",
    )
    build_snapshot([folder], name="units")
    # 3 kg of a at 2 kg CO2/kg + 0.005 kg N2O x 273 = 6 + 1.365
    assert _score("units", "b", 1.0) == pytest.approx(7.365, rel=1e-12)


def test_with_default_layering_reports_replaced_activity(home: Path, tmp_path: Path) -> None:
    base = _write_template(tmp_path / "base", GOOD_ACTIVITY, "a,co2_fossil,2,kg,biosphere,,,\n")
    user = _write_template(tmp_path / "user", GOOD_ACTIVITY, "a,co2_fossil,3,kg,biosphere,,,\n")
    from lcidb.template import read_layers

    data = read_layers([base, user])
    assert data.replaced == ["a"]
    assert [e.amount for e in data.exchanges] == [3.0]


def test_scenario_overlay_replaces_the_named_exchange(home: Path, tmp_path: Path) -> None:
    folder = _write_template(
        tmp_path / "t",
        GOOD_ACTIVITY + "b,user,piece,CN,2024,product,test,cited-fact,verified\n",
        "a,co2_fossil,2,kg,biosphere,,,\nb,a,3,kg,technosphere,,,\n",
    )
    _write_template(folder / "scenarios" / "low", "", "")
    (folder / "scenarios" / "low" / "activities.csv").unlink()
    (folder / "scenarios" / "low" / "exchanges.csv").write_text(
        "activity_id,input,amount,unit,kind,uncertainty_sigma,gwp_basis,credit_type\na,co2_fossil,1,kg,biosphere,,,\n"
    )
    build_snapshot([folder], name="sc")
    snap = load_snapshot("sc")
    assert snap.scenarios.keys() == {"low"}
    base = FactorizedSnapshot(snap).scores("AR6")[snap.index["b"]]
    low = FactorizedSnapshot(snap, "low").scores("AR6")[snap.index["b"]]
    assert (base, low) == (pytest.approx(6.0, rel=1e-12), pytest.approx(3.0, rel=1e-12))


def test_build_writes_no_brightway_project(home: Path) -> None:
    """The engine reads snapshots only: a build leaves no Brightway folder behind."""
    build_snapshot([FIXTURES / "heijungs_loop"], name="hsloop")
    assert not (home / "brightway").exists()


def test_brightway_export_agrees_with_the_snapshot(home: Path) -> None:
    """`db export-brightway`, then plain bw2data + bw2calc on the export (float32 inside: rtol 1e-6).
    heijungs_loop: 1000 kWh of electricity through the loop gives 12000/99 kg CO2e (hand solved)."""
    import bw2calc as bc

    from lcidb.brightway import method_key, open_project

    build_snapshot([FIXTURES / "heijungs_loop"], name="hsloop")
    exported = CliRunner().invoke(app, ["db", "export-brightway", "--snapshot", "hsloop"])
    assert exported.exit_code == 0, exported.output
    database = exported.output.strip().splitlines()[-1]
    bd = open_project()
    assert database in bd.databases and len(bd.Database(database)) == 2
    node = bd.get_node(database=database, code="electricity")
    lca = bc.LCA({node: 1000}, method_key("AR6"))
    lca.lci()
    lca.lcia()
    assert lca.score == pytest.approx(12000 / 99, rel=1e-6)


def test_cli_build_list_search_show(home: Path) -> None:
    runner = CliRunner()
    built = runner.invoke(app, ["db", "build", "--source", str(FIXTURES / "heijungs"), "--name", "hs"])
    assert built.exit_code == 0, built.output
    digest = built.output.strip().splitlines()[-1]
    again = runner.invoke(app, ["db", "build", "--source", str(FIXTURES / "heijungs"), "--name", "hs"])
    assert "unchanged" in again.output and again.output.strip().splitlines()[-1] == digest
    listed = json.loads(runner.invoke(app, ["db", "list", "--json"]).output)
    assert [(r["name"], r["hash"], r["latest"]) for r in listed] == [("hs", digest, True)]
    found = json.loads(runner.invoke(app, ["factors", "search", "fuel", "--snapshot", "hs", "--json"]).output)
    assert [h["id"] for h in found] == ["fuel"]
    shown = runner.invoke(app, ["factors", "show", "electricity", "--snapshot", f"hs@{digest[:8]}", "--json"])
    assert json.loads(shown.output)["cradle_to_gate"]["AR6"]["total_kgco2e"] == pytest.approx(0.12, rel=1e-12)
    missing = runner.invoke(app, ["factors", "show", "nothing", "--snapshot", "hs"])
    assert missing.exit_code == 2 and "nothing" in missing.output


def test_snapshot_at_refuses_another_hash(home: Path) -> None:
    """What a Dask worker or forked process loads by folder must be the snapshot the client meant."""
    from lcidb.errors import SnapshotNotFound
    from lcidb.snapshot import snapshot_at

    outcome = build_snapshot([FIXTURES / "heijungs_loop"], name="hsloop")
    assert snapshot_at(str(outcome.path), outcome.hash).hash == outcome.hash
    with pytest.raises(SnapshotNotFound, match="expected 000000000000"):
        snapshot_at(str(outcome.path), "0" * 64)
