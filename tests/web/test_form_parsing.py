"""Form parsing under arbitrary input (hypothesis): never an exception, messages in Chinese."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.forms import FormReader

fields = st.dictionaries(
    st.sampled_from(["count", "share", "name", "other"]),
    st.text(max_size=40),
    max_size=4,
)


@given(fields)
def test_form_reader_never_raises_and_explains_in_chinese(data: dict[str, str]) -> None:
    form = FormReader(data)
    count = form.integer("count", "人数", required=True)
    share = form.number("share", "比例")
    name = form.text("name")
    assert count is None or isinstance(count, int)
    assert isinstance(share, float)
    assert isinstance(name, str)
    for message in form.problems.values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
    if "count" not in data or not data["count"].strip():
        assert form.problems["count"] == "请填写人数"
