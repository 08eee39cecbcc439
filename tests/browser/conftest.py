import pytest


@pytest.fixture
def login(page, live_server):
    """Log a user in through the real login form."""

    def do_login(username, password):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

    return do_login
