"""The direction rule: a module imports its own domain and the layers below it, never one above.

core <- program, audit <- people <- auth <- notifications <- rotations <- schedule
     <- attendance <- teaching <- reports, feeds <- home <- app (create_app, demo.py)

Read with the standard library's ``ast`` from every ``conferences/**/*.py`` (migrations
excepted): every ``import`` and ``from ... import`` counts, inside a function or under
``TYPE_CHECKING`` too. Two domains on the same layer (program and audit, reports and feeds)
do not import each other either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "conferences"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

# Lowest first; "core" is every module directly in the package but the app-level ones.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("program", "audit"),
    ("people",),
    ("auth",),
    ("notifications",),
    ("rotations",),
    ("schedule",),
    ("attendance",),
    ("teaching",),
    ("materials",),
    ("reports", "feeds"),
    ("home",),
    ("app",),
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}
APP_MODULES = {"conferences", "conferences.demo"}


def part_of(module: str) -> str:
    """The layer part (a domain, "core" or "app") a ``conferences`` module belongs to."""
    if module in APP_MODULES:
        return "app"
    name = module.split(".")[1]
    if (ROOT / name).is_dir():
        if name not in RANK:
            raise AssertionError(f"{module}: domain {name!r} is not placed in LAYERS")
        return name
    return "core"


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, module) for every import of a ``conferences`` module in ``tree``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # ``from conferences import timeutil`` imports the submodule when there is one.
                candidate = f"{source}.{alias.name}"
                is_module = (ROOT.parent / Path(*candidate.split("."))).with_suffix(
                    ".py"
                ).exists() or (ROOT.parent / Path(*candidate.split("."))).is_dir()
                found.append((node.lineno, candidate if is_module else source))
    ours = (pair for pair in found if pair[1] == PACKAGE or pair[1].startswith(PACKAGE + "."))
    return list(dict.fromkeys(ours))  # one entry per line and module


def upward_imports(path: Path, source: str) -> list[str]:
    """The imports in ``source`` (the text of ``path``) that break the direction rule."""
    module = module_name(path)
    own = part_of(module)
    tree = ast.parse(source, filename=str(path))
    problems = []
    for line, name in imported_modules(tree, module, path.name == "__init__.py"):
        target = part_of(name)
        if target == own:
            continue
        if RANK[target] >= RANK[own]:  # above, or a sibling on the same layer
            where = path.relative_to(ROOT.parent)
            problems.append(f"{where}:{line} imports {name} ({own} -> {target})")
    return problems


def package_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.relative_to(ROOT).parts)


def test_no_module_imports_a_layer_above_it():
    problems = []
    for path in package_files():
        problems += upward_imports(path, path.read_text(encoding="utf-8"))
    assert not problems, "imports against the direction rule:\n" + "\n".join(problems)


def test_every_domain_is_placed_in_a_layer():
    domains = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert domains - {"migrations"} <= set(RANK)


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        # The upward imports this rule was written against, as they were.
        (
            "schedule/services.py",
            "def dependencies():\n    from conferences.attendance.models import Attendance\n",
            "conferences/schedule/services.py:2 imports conferences.attendance.models"
            " (schedule -> attendance)",
        ),
        (
            "schedule/services.py",
            "from conferences.teaching.models import Feedback\n",
            "conferences/schedule/services.py:1 imports conferences.teaching.models"
            " (schedule -> teaching)",
        ),
        (
            "auth/policy.py",
            "def rule(user, session):\n"
            "    from conferences.teaching.services import holds_slot_on\n",
            "conferences/auth/policy.py:2 imports conferences.teaching.services (auth -> teaching)",
        ),
        (
            "people/demo.py",
            "from conferences.demo import DEMO_ACCOUNTS\n",
            "conferences/people/demo.py:1 imports conferences.demo (people -> app)",
        ),
        (
            "web.py",
            "from conferences.auth import sessions\n",
            "conferences/web.py:1 imports conferences.auth.sessions (core -> auth)",
        ),
        (
            "people/services.py",
            "from conferences.auth.services import check_password_strength\n",
            "conferences/people/services.py:1 imports conferences.auth.services (people -> auth)",
        ),
        (
            "teaching/record.py",
            "from ..reports import overview\n",
            "conferences/teaching/record.py:1 imports conferences.reports.overview"
            " (teaching -> reports)",
        ),
        (
            "reports/views.py",
            "from conferences.feeds.services import personal_feed\n",
            "conferences/reports/views.py:1 imports conferences.feeds.services (reports -> feeds)",
        ),
        (
            "attendance/views.py",
            "from conferences import create_app\n",
            "conferences/attendance/views.py:1 imports conferences (attendance -> app)",
        ),
    ],
)
def test_the_rule_names_an_upward_import(path, source, expected):
    problems = upward_imports(ROOT / path, source)
    assert problems[:1] == [expected]


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("teaching/record.py", "from conferences.attendance import rules\n"),
        ("teaching/record.py", "from . import models\nfrom .models import TeachingSlot\n"),
        ("people/views.py", "from conferences import timeutil\nimport conferences.extensions\n"),
        ("demo.py", "def loaders():\n    from conferences.teaching import demo\n"),
        ("web.py", "import flask\nfrom sqlalchemy import select\n"),
    ],
)
def test_the_rule_allows_imports_downward_and_within_a_domain(path, source):
    assert upward_imports(ROOT / path, source) == []
