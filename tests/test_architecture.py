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
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "evaluation", "training")
DOMAIN = ("evaluation", "training")
ORM_MODULES = (
    "evaluation.tables",
    "evaluation.appeals.tables",
    "training.tables",
    "app.accounts.tables",
    "piccolo",
)
STORAGE = (
    "evaluation.tables",
    "evaluation.appeals.tables",
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
    "evaluation.rows",
    "evaluation.clock",
    "evaluation.notices",
    "evaluation.groups",
    "evaluation.infra",
    "evaluation.tables",
    "evaluation.organisation",
    "evaluation.outbox",
    "evaluation.appeals",
    "evaluation.rubrics",
    "evaluation.words",
    "evaluation.cycles",
    "evaluation.evidence",
    "evaluation.responses",
    "evaluation.analytics",
    "evaluation.results",
    "evaluation.development",
    "evaluation.piccolo_app",  # the evaluation app's registry of tables, results' included
    "evaluation.scorecard",
    "evaluation.reports",
    "training.tables",
    "training.piccolo_app",
    "training.schemas",
    "training.timing",
    "training.catalogue",
    "training.insight",
    "training.planning",
    "training.effects",
    "training.enrolment",
    "training.seat_store",
    "training.sessions",
)
# The modules that declare piccolo tables. Only a package's stores read or write them (a
# module named store / *_store / repository / *_repository, its piccolo_app registry, or
# another tables module for a foreign key) — every other importer is a stated debt below.
TABLE_MODULES = (
    "evaluation.tables",
    "evaluation.appeals.tables",
    "evaluation.development.tables",
    "evaluation.results.tables",
    "evaluation.scorecard.tables",
    "training.tables",
    "app.accounts.tables",
)
# A store is named for its job: `store`, `repository` (or `*_store`, `*_repository`), or
# `published` — a package's published interface, the store of what it publishes.
STORE_NAMES = ("store", "repository", "published")
_SERVICE = "a use-case module that still queries its package's tables itself (no store yet)"
_ORGANISATION = "reads cadres or towns directly instead of through organisation.directory"
_DEMO = "the demo loader writes its county's rows directly"
# Every module that imports a tables module without being one of its package's stores, with
# why. The list only shrinks: a new importer fails the test until it goes through a store.
TABLE_DEBTS: dict[str, str] = {
    "app.accounts.bulk": _ORGANISATION,
    "app.accounts.api_tokens": _SERVICE,
    "app.accounts.services": _SERVICE,
    "app.accounts.throttle": _SERVICE,
    "app.audit": "the audit log writes its own table (app.accounts.tables)",
    "app.cli": "create-user and unlock touch accounts directly",
    "app.demo.catalogue": _DEMO,
    "app.demo.loader": _DEMO,
    "app.demo.training": _DEMO,
    "evaluation.cycles.reminders": _SERVICE,
    "evaluation.cycles.service": _SERVICE,
    "evaluation.cycles.todos": _SERVICE,
    "evaluation.evidence.service": _SERVICE,
    "evaluation.organisation.directory": "the organisation's read side",
    "evaluation.organisation.upkeep": _SERVICE,
    "evaluation.responses.campaigns": _SERVICE,
    "evaluation.responses.context": _SERVICE,
    "evaluation.responses.raters": _SERVICE,
    "evaluation.responses.review": _SERVICE,
    "evaluation.responses.submit": "the write path of every rating (one transaction)",
    "evaluation.results.case_notes": _SERVICE,
    "evaluation.results.compute": "reads raw responses once per computation",
    "evaluation.results.county": "reads evidence rows for the county view",
    "evaluation.results.feedback": "reads the evidence rows shown beside a competency",
    "evaluation.results.publication": _SERVICE,
    "evaluation.rubrics.drafts": _SERVICE,
    "evaluation.rubrics.versions": _SERVICE,
    "training.effects.scorecard_feed": _SERVICE,
    "training.effects.service": _SERVICE,
    "training.enrolment": _SERVICE,
    "training.planning.jobs": _SERVICE,
    "training.planning.service": _SERVICE,
    "training.sessions": _SERVICE,
}
# The web layer renders what the domain returns: it takes no frame apart (no polars import,
# no `.to_dicts()`); these modules are the stated exceptions.
WEB_FRAME_EXCEPTIONS = {
    "app.exports": "writes the frames the domain returns as formula-safe Excel",
    "app.demo": "generates the demo county's roster, ratings and history as frames",
}
# Pure computations: values and frames in, values and frames out (files may be read through
# evaluation.infra.spreadsheets; no database).
PURE = (
    "evaluation.rows",
    "evaluation.words",
    "evaluation.outbox.messages",
    "evaluation.outbox.transports",
    "evaluation.appeals.publicity",
    "evaluation.organisation.contacts",
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
    "training.timing",
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


def names_used(path: Path) -> set[str]:
    """Every name a module refers to: variables, attributes and imported names."""
    used: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            used.update(alias.name for alias in node.names)
    return used


# Tools that hand a store the rows it asked for (the store's package owns what they mean).
ROW_TOOLS = ("evaluation.infra.lookups",)


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
                and not within(name, ROW_TOOLS)
            ):
                public[(name, node.name)] = node.lineno
    crossing = []
    for (module, function), line in sorted(public.items()):
        users = [
            other
            for other, targets in edges.items()
            if module in targets
            and owner(other) != owner(module)
            and function in names_used(found[other])
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
    assert upward_imports(graph()) == []


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


def sources() -> dict[str, str]:
    return {name: path.read_text(encoding="utf-8") for name, path in modules().items()}


def table_of(target: str) -> str | None:
    return next((t for t in TABLE_MODULES if target == t or target.startswith(t + ".")), None)


def is_store(module: str, table: str) -> bool:
    """A store of the package that owns `table` (evaluation.tables: any evaluation module);
    any tables module (a foreign key) or piccolo_app registry."""
    package = table.rsplit(".", 1)[0]
    last = module.rsplit(".", 1)[-1]
    if last in ("tables", "piccolo_app") or last.endswith("_tables"):
        return True
    return module.startswith(package + ".") and any(
        last == n or last.endswith("_" + n) for n in STORE_NAMES
    )


def table_imports(code: dict[str, str]) -> dict[str, list[str]]:
    """Each module that imports a tables module it is not a store of: the imports."""
    found: dict[str, list[str]] = {}
    for name, text in code.items():
        for target, line in imported(ast.parse(text), name, set(code)):
            table = table_of(target)
            if table and name != table and not is_store(name, table):
                found.setdefault(name, []).append(f"{name}:{line} imports {table}")
    return found


def table_violations(code: dict[str, str]) -> list[str]:
    return [
        line
        for name, lines in sorted(table_imports(code).items())
        if name not in TABLE_DEBTS
        for line in lines
    ]


def test_only_a_packages_stores_import_its_tables() -> None:
    code = sources()
    assert table_violations(code) == []
    # the debts are real and current: an importer that went through a store leaves the list
    stale = sorted(set(TABLE_DEBTS) - set(table_imports(code)))
    assert stale == [], "no longer imports a tables module; remove from TABLE_DEBTS"


def test_every_tables_module_is_covered() -> None:
    declaring = {
        name
        for name, text in sources().items()
        if re.search(r"^class \w+\(Table\b", text, flags=re.MULTILINE)
    }
    assert declaring == set(TABLE_MODULES)


def test_the_table_rule_catches_a_planted_violation() -> None:
    planted = {
        "training.planning.ranking": "from evaluation.tables import Cadre\n",
        "app.controllers.peek": "from evaluation.scorecard import tables\n",
        "evaluation.scorecard.value_store": "from evaluation.scorecard.tables import TownValue\n",
        "evaluation.scorecard.tables": "from evaluation.tables import Town\n",
        "evaluation.scorecard.tables.extra": "",
        "evaluation.tables": "",
    }
    assert table_violations(planted) == [
        "app.controllers.peek:1 imports evaluation.scorecard.tables",
        "training.planning.ranking:1 imports evaluation.tables",
    ]


def web_frame_violations(code: dict[str, str]) -> list[str]:
    """Web modules that take a frame apart: import polars or turn rows into loose dicts."""
    found = []
    for name, text in sorted(code.items()):
        if not name.startswith("app.") or within(name, tuple(WEB_FRAME_EXCEPTIONS)):
            continue
        tree = ast.parse(text)
        found += [
            f"{name}:{line} imports {target}"
            for target, line in imported(tree, name, set())
            if target.split(".")[0] == "polars"
        ]
        found += [
            f"{name}:{node.lineno} calls .to_dicts()"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "to_dicts"
        ]
    return found


def test_the_web_layer_renders_what_the_domain_returns() -> None:
    assert web_frame_violations(sources()) == []


def test_the_web_rule_catches_a_planted_violation() -> None:
    planted = {
        "app.controllers.results": "import polars as pl\n",
        "app.views": "def page(frame):\n    return frame.head(5).to_dicts()\n",
        "app.exports": "import polars as pl\n",
        "app.demo.county": "from polars import DataFrame\nrows = DataFrame().to_dicts()\n",
        "evaluation.results.county": "import polars as pl\nrows = pl.DataFrame().to_dicts()\n",
    }
    assert web_frame_violations(planted) == [
        "app.controllers.results:1 imports polars",
        "app.views:2 calls .to_dicts()",
    ]


# A LAYERS entry below the entry of its own package is an exception to the package's place;
# each needs its reason here (none today: the last two were removed by issue 33).
LAYER_EXCEPTIONS: dict[str, str] = {}


def layer_exceptions(layers: tuple[str, ...]) -> list[str]:
    return [
        f"{entry} is placed below its package {later}"
        for i, entry in enumerate(layers)
        for later in layers[i + 1 :]
        if entry.startswith(later + ".") and entry not in LAYER_EXCEPTIONS
    ]


def test_every_exception_in_the_layers_is_stated() -> None:
    assert layer_exceptions(LAYERS) == []
    planted = ("evaluation.tables", "evaluation.results.appeal_tables", "evaluation.results")
    assert layer_exceptions(planted) == [
        "evaluation.results.appeal_tables is placed below its package evaluation.results"
    ]


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    upward = []
    for name, targets in sorted(edges.items()):
        high = layer(name)
        if not name.startswith(DOMAIN) or high is None:
            continue
        for target in sorted(targets):
            low = layer(target)
            if low is not None and low > high:
                upward.append(f"{name} imports {target}")
    return upward


def test_the_layer_rule_catches_a_planted_upward_import() -> None:
    planted = {
        "evaluation.cycles.todos": {"evaluation.results.appeal_store"},
        "evaluation.results.appeal_store": {"evaluation.tables"},
    }
    assert upward_imports(planted) == [
        "evaluation.cycles.todos imports evaluation.results.appeal_store"
    ]


# Pages, exports and APIs about a published cycle read its snapshot (evaluation.results.
# published) — never a response. Who may read responses: submit and its stores, the review
# queue, progress, and the computation that makes a snapshot.
RESPONSE_TABLES = {"Response", "ResponseItem", "ResponseFlag", "Draft"}
PUBLISHED_READERS = (
    "evaluation.results.feedback",
    "evaluation.results.team",
    "evaluation.results.county",
    "evaluation.results.county_view",
    "evaluation.results.listing",
    "evaluation.results.snapshots",
    "evaluation.results.published",
    "evaluation.reports",
    "training",
    "app.controllers.feedback",
    "app.controllers.results",
    "app.exports",
    "app.pdf_report",
)


def response_reads(code: dict[str, str]) -> list[str]:
    found = []
    for name, text in sorted(code.items()):
        if not within(name, PUBLISHED_READERS):
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("tables"):
                for alias in node.names:
                    if alias.name in RESPONSE_TABLES:
                        found.append(f"{name}:{node.lineno} reads {alias.name}")
    return found


def test_published_pages_read_no_responses() -> None:
    assert response_reads(sources()) == []
    planted = {
        "evaluation.results.feedback": "from evaluation.tables import Evidence, Response\n",
        "training.insight.repository": "from evaluation.tables import ResponseItem as R\n",
        "evaluation.results.compute": "from evaluation.tables import Response\n",  # the writer
    }
    assert response_reads(planted) == [
        "evaluation.results.feedback:1 reads Response",
        "training.insight.repository:1 reads ResponseItem",
    ]


def test_every_part_of_a_snapshot_is_in_the_published_interface() -> None:
    """A table that hangs off a snapshot is declared in `evaluation.results.published` — its
    one writer and reader — or it is not published at all."""
    from piccolo.columns import ForeignKey

    from evaluation import tables
    from evaluation.results import published
    from evaluation.results import tables as snapshot_tables

    hanging = {
        table
        for table in [*vars(tables).values(), *vars(snapshot_tables).values()]
        if isinstance(table, type)
        and issubclass(table, tables.Table)
        and any(
            isinstance(c, ForeignKey)
            and c._foreign_key_meta.resolved_references is tables.ProfileSnapshot
            for c in table._meta.columns
        )
    }
    assert hanging == {part.table for part in published.PARTS}
