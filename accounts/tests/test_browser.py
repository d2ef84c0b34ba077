import pytest
from django.test import override_settings

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "dubbing-practice-2024"


@override_settings(ACCOUNT_EMAIL_VERIFICATION="none")
def test_browser_sign_up_log_out_log_in_and_switch_to_korean(live_server, page):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", "yuna@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".account-nav__logout button")
    assert User.objects.filter(email="yuna@example.com").exists()

    page.click(".account-nav__logout button")
    page.wait_for_selector(".account-nav >> text=Log in")

    page.click(".account-nav >> text=Log in")
    page.fill("input[name=login]", "yuna@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.auth-form button[type=submit]")
    page.wait_for_selector(".account-nav__logout button")

    page.goto(f"{live_server.url}/accounts/profile/")
    with page.expect_navigation():
        page.select_option("#lang-select", "ko")

    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator(".account-nav__logout button").inner_text() == "로그아웃"
    assert page.locator("h1").inner_text() == "내 계정"
    assert User.objects.get(email="yuna@example.com").ui_language == "ko"
