from tests.rotations.conftest import make_block, make_rotation  # noqa: F401 - shared fixtures
