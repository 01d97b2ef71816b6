"""The layering ARCHITECTURE.md draws, checked on the source (ast, no imports run):

* no import cycle between modules — function-local imports included, so none can hide one;
* the domain (`evaluation/`, `training/`) never imports `app` or litestar;
* controllers never touch the ORM: no tables, no piccolo — they call services;
* no public function returns `dict[str, Any]` (or a list of them) to another package: what
  crosses a package boundary is a msgspec Struct, a dataclass or a polars frame;
* the domain packages import only downwards in the order ARCHITECTURE.md lists (`LAYERS`), and
  the pure ones (analytics and the other computations) touch no storage at all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "evaluation", "training")
DOMAIN = ("evaluation", "training")
ORM_MODULES = (
    "evaluation.tables",
    "evaluation.results.appeal_tables",
    "training.tables",
    "app.accounts.tables",
    "piccolo",
)
STORAGE = (
    "evaluation.tables",
    "evaluation.results.appeal_tables",
    "training.tables",
    "evaluation.infra.bulk",
    "evaluation.infra.group_commit",
    "evaluation.infra.sqlite_reader",
    "evaluation.infra.invalidation",
    "evaluation.infra.ttl_cache",
    "piccolo",
    "aiosqlite",
    "asyncpg",
)

# Bottom to top: a package may import the ones listed before it, never one after it.
LAYERS = (
    "evaluation.errors",
    "evaluation.clock",
    "evaluation.notices",
    "evaluation.groups",
    "evaluation.infra",
    "evaluation.tables",
    "evaluation.results.appeal_tables",
    "evaluation.piccolo_app",
    "evaluation.organisation",
    "evaluation.rubrics",
    "evaluation.cycles",
    "evaluation.evidence",
    "evaluation.responses",
    "evaluation.analytics",
    "evaluation.results",
    "evaluation.scorecard.tables",
    "evaluation.scorecard.piccolo_app",
    "evaluation.scorecard",
    "training.tables",
    "training.piccolo_app",
    "training.effects.effectiveness",
    "training.schemas",
    "training.catalogue",
    "training.insight",
    "training.planning",
    "training.effects",
    "training.enrolment",
    "training.sessions",
)
# Pure computations: values and frames in, values and frames out (files may be read through
# evaluation.infra.spreadsheets; no database).
PURE = (
    "evaluation.analytics",
    "evaluation.cycles.states",
    "evaluation.cycles.assignment",
    "evaluation.cycles.progress",
    "evaluation.responses.forms",
    "evaluation.evidence.mapping",
    "evaluation.organisation.roster",
    "evaluation.organisation.roster_plan",
    "evaluation.scorecard.plan",
    "evaluation.scorecard.scoring",
    "evaluation.scorecard.plausibility",
    "evaluation.scorecard.checks",
    "evaluation.scorecard.attachment_types",
    "evaluation.scorecard.sources",
    "evaluation.scorecard.cards",
    "evaluation.scorecard.tiers",
    "evaluation.scorecard.clusters",
    "training.effects.effectiveness",
    "training.insight.demand",
    "training.insight.exchange",
    "training.catalogue.exchanges",
    "training.planning.optimiser",
    "training.planning.recommend",
)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "piccolo_migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    found["piccolo_conf"] = ROOT / "piccolo_conf.py"  # the engine binding piccolo reads
    return found


def imported(tree: ast.AST, module: str, known: set[str]) -> Iterator[tuple[str, int]]:
    """Every module this one imports (resolved to a known module where it names one)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: -node.level]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in known else base), node.lineno


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    edges: dict[str, set[str]] = {}
    for name, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges[name] = {target for target, _ in imported(tree, name, known) if target in known}
        edges[name].discard(name)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_the_domain_never_imports_the_app_or_the_web_framework() -> None:
    offending = []
    for name, path in modules().items():
        if not name.startswith(DOMAIN):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target, line in imported(tree, name, set()):
            if target.split(".")[0] in ("app", "litestar"):
                offending.append(f"{name}:{line} imports {target}")
    assert offending == []


def test_controllers_never_touch_the_orm() -> None:
    offending = []
    for name, path in modules().items():
        if not name.startswith("app.controllers"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target, line in imported(tree, name, set()):
            if target.startswith(ORM_MODULES):
                offending.append(f"{name}:{line} imports {target}")
    assert offending == []


def returns_loose_dicts(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    annotation = ast.unparse(node.returns) if node.returns else ""
    return "dict[str, Any]" in annotation or "dict[str, object]" in annotation


def owner(module: str) -> str:
    """The package a module belongs to: `evaluation.responses.submit` → `evaluation.responses`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else parts[0]


def test_no_loose_dicts_cross_a_package_boundary() -> None:
    found = modules()
    edges = graph()
    public: dict[tuple[str, str], int] = {}
    for name, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and not node.name.startswith("_")
                and returns_loose_dicts(node)
            ):
                public[(name, node.name)] = node.lineno
    crossing = []
    for (module, function), line in sorted(public.items()):
        users = [
            other
            for other, targets in edges.items()
            if module in targets
            and owner(other) != owner(module)
            and f"{function}" in found[other].read_text(encoding="utf-8")
        ]
        if users:
            crossing.append(f"{module}.{function} (line {line}) used by {', '.join(users)}")
    assert crossing == []


def within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def layer(module: str) -> int | None:
    for rank, package in enumerate(LAYERS):
        if module == package or module.startswith(package + "."):
            return rank
    return None


def test_every_domain_module_has_a_layer() -> None:
    unplaced = [
        name
        for name in modules()
        if name.startswith(DOMAIN) and name not in DOMAIN and layer(name) is None
    ]
    assert unplaced == []


def test_the_domain_imports_only_downwards() -> None:
    upward = []
    for name, targets in graph().items():
        if not name.startswith(DOMAIN) or layer(name) is None:
            continue
        for target in targets:
            low, high = layer(target), layer(name)
            if low == high:
                continue
            if low is not None and high is not None and low > high:
                upward.append(f"{name} imports {target}")
    assert upward == []


def test_pure_modules_touch_no_storage() -> None:
    offending = []
    for name, path in modules().items():
        if not within(name, PURE):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target, line in imported(tree, name, set()):
            if within(target, STORAGE):
                offending.append(f"{name}:{line} imports {target}")
    assert PURE and offending == []


CLOCK_MODULES = ("evaluation.clock", "evaluation.infra.now_default")


def clock_bypasses(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Reads of the host's clock: `date.today()`, `datetime.now()`/`utcnow()`/`today()`,
    `time.time()` (or `from time import time`) and piccolo's real-time column default."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "time"
            and any(alias.name == "time" for alias in node.names)
        ):
            yield node.lineno, "from time import time"
        if isinstance(node, ast.Name) and node.id == "TimestamptzNow":
            yield node.lineno, "TimestamptzNow"
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = (
            owner.id
            if isinstance(owner, ast.Name)
            else owner.attr
            if isinstance(owner, ast.Attribute)
            else ""
        )
        call = f"{owner_name}.{node.func.attr}()"
        if owner_name in ("date", "datetime") and node.func.attr in ("today", "now", "utcnow"):
            yield node.lineno, call
        if owner_name == "time" and node.func.attr == "time":
            yield node.lineno, call


def test_every_today_and_now_comes_from_the_one_clock() -> None:
    """Business dates and timestamps come from `evaluation/clock.py` (pinnable, Beijing):
    a host clock read anywhere else would disagree with the rules on a pinned day, or on a
    UTC server between midnight and 08:00 in Beijing."""
    found = modules()
    offenders = [
        f"{name}:{line} {what}"
        for name, path in found.items()
        if name not in CLOCK_MODULES
        for line, what in clock_bypasses(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == [], "read the time through evaluation.clock:\n" + "\n".join(offenders)


def test_the_clock_rule_sees_each_way_of_reading_the_host_clock() -> None:
    """The rule above is only as good as its detector: each planted bypass is caught."""
    plants = {
        "import datetime as dt\ndt.date.today()": "date.today()",
        "from datetime import datetime, UTC\ndatetime.now(UTC)": "datetime.now()",
        "import datetime\ndatetime.datetime.utcnow()": "datetime.utcnow()",
        "import time\ntime.time()": "time.time()",
        "from time import time": "from time import time",
        "x = Timestamptz(default=TimestamptzNow())": "TimestamptzNow",
    }
    for source, expected in plants.items():
        assert [what for _, what in clock_bypasses(ast.parse(source))][:1] == [expected], source
    assert list(clock_bypasses(ast.parse("clock.today(); time.monotonic()"))) == []
