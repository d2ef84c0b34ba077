import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """The fixture's reference audio goes to each test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
