import pytest
from django.core.management import CommandError, call_command

from dte.audit.models import AuditEntry
from dte.catalog.models import County, Designation, Institution, Occupation
from dte.catalog.services import reference_load
from dte.policy import parameters


@pytest.fixture
def override_parameters(tmp_path, monkeypatch):
    """Point DTE_PARAMETERS_DIR at a temporary folder and forget cached parameters around the test."""
    monkeypatch.setenv("DTE_PARAMETERS_DIR", str(tmp_path))
    parameters.clear_cache()
    yield tmp_path
    parameters.clear_cache()


def test_loading_creates_the_annex_1_catalogue(db, at):
    report = reference_load(at=at)
    assert Occupation.objects.count() == 10
    assert Institution.objects.count() == 23
    assert Designation.objects.count() == 36
    assert County.objects.count() == 12
    assert len(report.added) > 0
    assert Designation.objects.filter(institution__name="杭州电子科技大学").count() == 8
    assert Occupation.objects.first().code == "2-02-10-15"  # Annex 1 order: 区块链 first


def test_loading_twice_changes_nothing(db, at):
    reference_load(at=at)
    entries = AuditEntry.objects.count()
    report = reference_load(at=at)
    assert report.unchanged
    assert AuditEntry.objects.count() == entries


def test_a_changed_value_is_reported_as_changed(db, at):
    reference_load(at=at)
    Occupation.objects.filter(code="2-02-10-11").update(name="旧名称")
    report = reference_load(at=at)
    assert report.added == []
    assert any("2-02-10-11" in c and "旧名称" in c for c in report.changed)


def test_a_designation_naming_an_unknown_occupation_is_refused_and_nothing_is_written(
    db, at, override_parameters
):
    (override_parameters / "designations.yaml").write_text(
        "values:\n  2024-03-01:\n    reference: test\n    9-99-99-99: [浙江大学]\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match="unknown occupation code '9-99-99-99'"):
        call_command("load_reference")
    assert Occupation.objects.count() == 0


def test_a_county_code_outside_wenzhou_is_refused(db, at, override_parameters):
    (override_parameters / "counties.yaml").write_text(
        "values:\n  2024-03-01:\n    reference: test\n    city: {code: '330300', name: 温州市}\n"
        "    counties: {'110105': 朝阳区}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="'110105' is not a Wenzhou county code"):
        call_command("load_reference")
    assert County.objects.count() == 0


def test_the_command_reports_what_it_added(db, capsys):
    call_command("load_reference")
    out = capsys.readouterr().out
    assert "added 85, changed 0" in out
    call_command("load_reference")
    assert "added 0, changed 0" in capsys.readouterr().out
