from tests.people.conftest import accounts, quick_user  # noqa: F401 - shared fixtures
