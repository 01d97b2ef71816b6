"""The rubric file schema (BARS): msgspec Structs, also used as the API's rubric schema.

A rubric is versioned; a cycle pins one version, so weights can change yearly without
rewriting history.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from evaluation.groups import RaterGroup

DIMENSIONS: tuple[str, ...] = ("德", "能", "勤", "绩", "廉")
LEVELS = (1, 2, 3, 4, 5)


class Anchor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    level: int
    label: str
    behaviour: str
    examples: list[str] = []


class ResidentWording(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Plain-language wording for residents: a question and five options, worst first."""

    question: str
    options: list[str]


class Indicator(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An objective measure mapped onto anchor levels: four ascending cut points split
    values into levels 1..5 (`higher_is_better=false` reverses the direction)."""

    id: str
    name: str
    unit: str = ""
    thresholds: list[float] = []
    higher_is_better: bool = True


class AppliesTo(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Empty means everyone (共性); otherwise the town types and/or position classes (个性)."""

    town_types: list[str] = []
    position_classes: list[str] = []


class Competency(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    name: str
    dimension: str
    definition: str
    weight: float
    rated_by: list[RaterGroup]
    anchors: list[Anchor]
    applies_to: AppliesTo = AppliesTo()
    resident: ResidentWording | None = None
    indicators: list[Indicator] = []

    @property
    def is_common(self) -> bool:
        return not (self.applies_to.town_types or self.applies_to.position_classes)

    def anchor(self, level: int) -> Anchor:
        return next(a for a in self.anchors if a.level == level)


class GroupRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Anonymity: a group's breakdown shows only from `min_responses` responses."""

    min_responses: int = 3


class Lights(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A cadre's score (1–5) at or above `green_from` is green; below `red_below` red; else
    yellow. Towns (`towns`): "norm" lights a town's competency by its 90% interval against
    the county norm — red when it lies wholly below (lagging) or the mean is below
    `red_below`, green when wholly above or at/above `green_from`, else yellow; "thresholds"
    uses the cadres' thresholds on the town mean."""

    green_from: float = 3.5
    red_below: float = 2.5
    explanation: str = ""
    towns: Literal["norm", "thresholds"] = "norm"
    towns_explanation: str = ""


class Quota(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """At most `top_level_share` of one rater's item ratings in a cycle may be the top level."""

    top_level_share: float


class Rubric(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str
    version: str
    name: str
    competencies: list[Competency]
    groups: dict[str, GroupRule] = {}
    lights: Lights = Lights()
    quota: Quota | None = None
    description: str = ""

    def competency(self, competency_id: str) -> Competency:
        return next(c for c in self.competencies if c.id == competency_id)

    def min_responses(self, group: str) -> int:
        rule = self.groups.get(group)
        return rule.min_responses if rule else 3

    def items_for(self, group: str, town_type: str, position_class: str) -> list[Competency]:
        """The competencies this rater group rates for a cadre of this town type and position."""
        return [
            c
            for c in self.competencies
            if group in c.rated_by
            and (not c.applies_to.town_types or town_type in c.applies_to.town_types)
            and (
                not c.applies_to.position_classes or position_class in c.applies_to.position_classes
            )
        ]
