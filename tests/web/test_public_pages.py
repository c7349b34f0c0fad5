import pytest

from dte.catalog.models import Institution


@pytest.fixture
def loaded(reference):
    return reference


def test_the_home_page_lists_the_ten_occupations_and_all_36_designations(client, loaded):
    html = client.get("/").content.decode()
    assert html.count('class="card"') == 10
    assert html.count('<li><a href="/institutions/') == 36
    assert "1000+" in html and "2030年末" in html


def test_the_home_page_shows_the_subsidy_standard_where_one_exists(client, loaded):
    html = client.get("/").content.decode()
    assert "初级 3,300元" in html  # 大数据 [A2.2]
    assert "补贴标准尚未制订出台" in html  # e.g. 人工智能


def test_each_institution_has_a_page_with_its_designations(client, loaded):
    inst = Institution.objects.get(name="温州职业技术学院")
    html = client.get(f"/institutions/{inst.pk}/").content.decode()
    assert "虚拟现实工程技术人员" in html and "2-02-10-14" in html


def test_an_unknown_institution_is_404(client, loaded):
    assert client.get("/institutions/99999/").status_code == 404


def test_static_assets_are_served_locally(client, loaded):
    html = client.get("/").content.decode()
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html
    assert "/static/vendor/htmx.min.js" in html


def test_the_openapi_document_is_published(client, loaded):
    doc = client.get("/api/openapi.json").json()
    assert "/api/catalog/occupations" in doc["paths"]


def test_the_api_lists_occupations_with_their_institutions(client, loaded):
    data = client.get("/api/catalog/occupations").json()
    assert len(data) == 10
    assert sum(len(o["institutions"]) for o in data) == 36
