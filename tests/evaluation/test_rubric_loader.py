"""Rubric files: the shipped rubric loads; every broken rubric gets a located Chinese error."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.errors import Invalid
from evaluation.rubrics.loader import (
    DEFAULT_RUBRIC,
    load_default_rubric,
    load_rubric_document,
    load_rubric_text,
)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_RUBRIC.read_text(encoding="utf-8"))


def test_default_rubric_is_real_bars() -> None:
    rubric = load_default_rubric()
    ids = {c.id for c in rubric.competencies}
    assert {
        "political",
        "responsibility",
        "service",
        "lawful_admin",
        "integrity",
        "teamwork",
        "digital",
        "conflict",
    } <= ids
    assert {c.dimension for c in rubric.competencies} == {"德", "能", "勤", "绩", "廉"}
    assert abs(sum(c.weight for c in rubric.competencies if c.is_common) - 1) < 1e-9
    for competency in rubric.competencies:
        assert [a.level for a in competency.anchors] == [1, 2, 3, 4, 5]
        assert all(a.behaviour for a in competency.anchors)
    assert [c.name for c in rubric.items_for("peer", "agricultural", "staff")][-2:] == [
        "土地流转",
        "特色产业",
    ]
    assert "社区治理创新" in [c.name for c in rubric.items_for("peer", "chengguan", "staff")]
    assert len(rubric.items_for("resident", "chengguan", "staff")) <= 6
    responsibility = rubric.competency("responsibility")
    assert responsibility.indicators[0].name == "急难任务主动承接次数"
    assert rubric.quota is not None


def broken(document: dict[str, Any], change) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(document)
    change(doc)
    return doc


CASES = [
    (
        "missing anchor",
        lambda d: d["competencies"][1]["anchors"].pop(),
        "competencies[2]（responsibility）.anchors",
        "需要 5 个行为锚",
    ),
    (
        "duplicate id",
        lambda d: d["competencies"][3].update(id="political"),
        "competencies[4]（political）",
        "重复",
    ),
    (
        "weights off",
        lambda d: d["competencies"][0].update(weight=0.5),
        "competencies.weight",
        "权重之和应为 1",
    ),
    (
        "unknown group",
        lambda d: d["competencies"][2]["rated_by"].append("neighbours"),
        "competencies[3]（service）.rated_by",
        "未知评价主体“neighbours”",
    ),
    (
        "no behaviour",
        lambda d: d["competencies"][0]["anchors"][2].pop("behaviour"),
        "competencies[1]（political）.anchors[3].behaviour",
        "缺少可观察的行为描述",
    ),
    (
        "level out of range",
        lambda d: d["competencies"][0]["anchors"][4].update(level=9),
        "competencies[1]（political）.anchors[5].level",
        "等级应为 1 到 5",
    ),
    (
        "resident wording",
        lambda d: d["competencies"][2].pop("resident"),
        "competencies[3]（service）.resident",
        "通俗问题",
    ),
    (
        "thresholds",
        lambda d: d["competencies"][1]["indicators"][0].update(thresholds=[5, 3, 2, 1]),
        "competencies[2]（responsibility）.indicators[1].thresholds",
        "严格递增",
    ),
    (
        "peer anonymity",
        lambda d: d["groups"]["peer"].update(min_responses=1),
        "groups.peer.min_responses",
        "至少 3 人",
    ),
    ("lights", lambda d: d["lights"].update(green_from=2.0), "lights", "red_below < green_from"),
    (
        "unknown town type",
        lambda d: d["competencies"][8]["applies_to"].update(town_types=["lunar"]),
        "competencies[9]（land_transfer）.applies_to.town_types",
        "未知乡镇类型",
    ),
    ("unknown field", lambda d: d.update(colour="red"), "colour", "未知字段"),
]


@pytest.mark.parametrize(("name", "change", "where", "message"), CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_located(
    document: dict[str, Any], name: str, change, where: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as caught:
        load_rubric_document(broken(document, change))
    assert where in caught.value.problems, caught.value.problems
    assert message in caught.value.problems[where]


def test_all_problems_are_reported_at_once(document: dict[str, Any]) -> None:
    def many(d: dict[str, Any]) -> None:
        for change in (CASES[0][1], CASES[3][1], CASES[4][1], CASES[9][1]):
            change(d)

    with pytest.raises(Invalid) as caught:
        load_rubric_document(broken(document, many))
    assert len(caught.value.problems) >= 4
    assert caught.value.message.startswith("量表有")


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return found


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_mutation_gives_a_located_error_or_a_valid_rubric(
    document: dict[str, Any], data: st.DataObject
) -> None:
    """Replace or delete anything anywhere: the loader answers with Invalid naming where, or
    (when the change happened to be harmless) a rubric — never another exception."""
    doc = copy.deepcopy(document)
    all_paths = paths(doc)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(all_paths))
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            if data.draw(st.booleans()):
                parent[path[-1]] = data.draw(JUNK)
            elif isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif isinstance(parent, list) and path[-1] < len(parent):
                parent.pop(path[-1])
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    try:
        load_rubric_document(doc)
    except Invalid as exc:
        assert exc.problems
        assert all(isinstance(k, str) and k and v for k, v in exc.problems.items())


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=400))
def test_arbitrary_text_never_crashes(text: str) -> None:
    with pytest.raises(Invalid):
        load_rubric_text(text)
