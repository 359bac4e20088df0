from typer.testing import CliRunner

from api.cli import app
from lcidb.flows import flow_codes, method_vector


def test_cli_lists_its_command_groups() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "db" in result.output


def test_ar6_one_kg_each_of_co2_fossil_ch4_n2o_is_303_8() -> None:
    cfs = dict(zip(flow_codes(), method_vector("AR6")))
    total = cfs["co2_fossil"] + cfs["ch4_fossil"] + cfs["n2o"]
    assert abs(total - 303.8) <= 1e-12
