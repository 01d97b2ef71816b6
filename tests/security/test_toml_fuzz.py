"""Generated rubric and plan files (TOML), hostile shapes included — nesting thousands deep,
integers past any column, valid files with one value swapped for either — are either loaded
or refused in words (`Invalid`), never an unhandled error. Bounded for `make test`;
`make fuzz` runs more (FUZZ_EXAMPLES)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.errors import Invalid
from evaluation.rubrics.loader import DEFAULT_RUBRIC, load_rubric_text
from evaluation.scorecard.plan import PLANS_DIR, load_plan_text

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
RUBRIC = DEFAULT_RUBRIC.read_text(encoding="utf-8")
PLAN = (PLANS_DIR / "towns_2026.toml").read_text(encoding="utf-8")
HOSTILE_VALUE = st.one_of(
    st.integers(2**31, 2**80).map(str),
    st.integers(-(2**80), -(2**31)).map(str),
    st.integers(1, 4_000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 2_000).map(lambda n: "{ a = " * n + "1" + " }" * n),
    st.just('"乐川\\"; filename=x"'),
    st.text(max_size=20).map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"'),
)


@st.composite
def documents(draw: st.DrawFn, source: str) -> str:
    lines = source.splitlines()
    assignments = [i for i, line in enumerate(lines) if " = " in line and not line.startswith("#")]
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.sampled_from(assignments))
        key = lines[at].split(" = ")[0]
        lines[at] = f"{key} = {draw(HOSTILE_VALUE)}"
    return "\n".join(lines)


SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize="FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@SETTINGS
@given(text=documents(RUBRIC))
def test_generated_rubrics_load_or_are_refused_in_words(text: str) -> None:
    try:
        load_rubric_text(text)
    except Invalid as refused:
        assert refused.message and refused.problems


@SETTINGS
@given(text=documents(PLAN))
def test_generated_plans_load_or_are_refused_in_words(text: str) -> None:
    try:
        load_plan_text(text)
    except Invalid as refused:
        assert refused.message
