"""The apps depend one way, cwsw <- pupils <- pep <- reporting: a lower app never names a higher one.

A lower app learns of a higher one only through a signal or a registry it offers.
The project's wiring (settings, the root URLconf, the Celery app) names every app by design.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ORDER = ["cwsw", "pupils", "pep", "reporting"]
WIRING = {"cwsw/settings.py", "cwsw/urls.py", "cwsw/celery.py", "cwsw/wsgi.py"}
# DESIGN.md fixes cwsw.AccessLog.pupil as a key to the pupil (kept without a database constraint).
NAMED_BY_DESIGN = {("cwsw/models.py", "pupils.Pupil")}
# Service-module functions that only read.
READS_ONLY: set[str] = set()
# A module longer than this says at its top why it is one module (a line starting "Long because").
LONG_MODULE = 400


def _modules(app: str) -> list[Path]:
    root = Path(settings.BASE_DIR)
    return sorted(
        path for path in (root / app).rglob("*.py")
        if not {"tests", "migrations"} & set(path.relative_to(root).parts)
        and str(path.relative_to(root)) not in WIRING
    )


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every absolute import in the module, anywhere in it (functions included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _dotted_strings(path: Path) -> list[tuple[int, str]]:
    """String constants that name a module or model by its app ("pep.PepMeeting", "reporting.tasks.x")."""
    return [
        (node.lineno, node.value) for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "." in node.value
        and " " not in node.value
    ]


def _higher(app: str) -> set[str]:
    return set(ORDER[ORDER.index(app) + 1:])


@pytest.mark.parametrize("app", ORDER[:-1])
def test_it_finds_no_import_of_a_higher_app(app):
    wrong = [
        f"{path.relative_to(settings.BASE_DIR)}:{line} imports {module}"
        for path in _modules(app) for line, module in _imports(path)
        if module.split(".")[0] in _higher(app)
    ]
    assert wrong == []


@pytest.mark.parametrize("app", ORDER[:-1])
def test_it_finds_no_higher_app_named_in_a_string(app):
    wrong = [
        f"{path.relative_to(settings.BASE_DIR)}:{line} names {text}"
        for path in _modules(app) for line, text in _dotted_strings(path)
        if text.split(".")[0] in _higher(app)
        and (str(path.relative_to(settings.BASE_DIR)), text) not in NAMED_BY_DESIGN
    ]
    assert wrong == []


def test_it_reads_every_app_module():
    # A guard on the guard: the walk above must see the modules it is meant to check.
    names = {str(p.relative_to(settings.BASE_DIR)) for app in ORDER for p in _modules(app)}
    assert {"pupils/history.py", "pupils/retention.py", "cwsw/models.py", "pep/services/meetings.py"} <= names
    assert not any("/tests/" in n or "/migrations/" in n for n in names)


def _service_modules(app: str) -> list[Path]:
    root = Path(settings.BASE_DIR) / app
    if (root / "services").is_dir():
        return sorted(p for p in (root / "services").glob("*.py") if p.name not in ("__init__.py", "common.py"))
    return [root / "services.py"]


@pytest.mark.parametrize("app", ORDER)
def test_it_finds_every_service_is_one_transaction(app):
    """Requests are not wrapped in a transaction (reads take no lock), so each write service must be one."""
    loose = [
        f"{path.name}:{node.name}" for path in _service_modules(app) for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
        and "transaction.atomic" not in {ast.unparse(d) for d in node.decorator_list}
        and node.name not in READS_ONLY
    ]
    assert not settings.DATABASES["default"]["ATOMIC_REQUESTS"]
    assert loose == []


def test_it_finds_no_long_module_without_its_reason():
    """A newcomer finds things by name: a module over ~400 lines says at its top why it is one module."""
    long = [
        f"{path.relative_to(settings.BASE_DIR)} ({lines} lines)" for app in ORDER for path in _modules(app)
        if (lines := len(path.read_text().splitlines())) > LONG_MODULE
        and "Long because" not in (ast.get_docstring(ast.parse(path.read_text())) or "")
    ]
    assert long == []
