"""The error pages (403, 404, 500, CSRF failure, lockout) are in Chinese, in the site's layout with
its navigation, and say what to do next; a wrong certificate-check code says the certificate may be
forged."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NAVIGATION = '<nav class="site-nav" aria-label="主导航">'


def test_debug_is_off_so_the_error_pages_are_the_platforms(settings):
    assert settings.DEBUG is False


def test_an_unknown_address_is_a_chinese_404_with_the_navigation(client, reference):
    resp = client.get("/no-such-page/")
    html = resp.content.decode()
    assert resp.status_code == 404
    assert "未找到您要访问的页面" in html and NAVIGATION in html and "您可以" in html
    assert "Not Found" not in html


def test_a_signed_in_404_keeps_the_role_menu_and_links_the_workbench(client_as, county_reviewer):
    html = client_as(county_reviewer).get("/subsidy/claims/999999/").content.decode()
    assert 'class="role-nav"' in html and 'href="/accounts/home/"' in html


@pytest.mark.parametrize("path", ["/training/verify/not-a-code/", "/evaluation/verify/not-a-code/"])
def test_a_wrong_certificate_code_says_the_certificate_may_be_forged(client, reference, path):
    resp = client.get(path)
    assert resp.status_code == 404
    assert "未找到该证书,可能为伪造,请核实" in resp.content.decode()


def test_a_forbidden_page_is_a_chinese_403_that_says_what_to_do(client_as, trainee):
    resp = client_as(trainee).get("/subsidy/queue/")
    html = resp.content.decode()
    assert resp.status_code == 403
    assert "无权访问此页面" in html and "当前账号无权查看审核队列" in html
    assert "我的工作台" in html and NAVIGATION in html and "Forbidden" not in html


@pytest.mark.urls("tests.web.urls_raising")
def test_a_failing_page_is_a_chinese_500_with_the_navigation(client, reference):
    client.raise_request_exception = False
    resp = client.get("/broken/")
    html = resp.content.decode()
    assert resp.status_code == 500
    assert "服务器暂时无法处理您的请求" in html and NAVIGATION in html and "稍后刷新页面再试" in html
    assert "a bug" not in html


def test_a_post_without_its_csrf_token_is_a_chinese_page_asking_to_reload(reference):
    client = Client(enforce_csrf_checks=True)
    resp = client.post("/accounts/login/", {"username": "trainee", "password": "x"})
    html = resp.content.decode()
    assert resp.status_code == 403
    assert "页面已过期,提交未完成" in html and "刷新页面" in html and NAVIGATION in html
    assert "CSRF verification failed" not in html


def test_the_lockout_page_says_when_to_try_again_and_whom_to_ask(client, trainee):
    for _ in range(10):
        client.post("/accounts/login/", {"username": "trainee", "password": "wrong-password"})
    resp = client.post("/accounts/login/", {"username": "trainee", "password": PASSWORD})
    html = resp.content.decode()
    assert resp.status_code == 429
    assert "30分钟后" in html and "重置" in html and NAVIGATION in html
