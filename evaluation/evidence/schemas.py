"""Objective evidence as the pages see it."""

from __future__ import annotations

from typing import Annotated

import msgspec


class EvidenceRow(msgspec.Struct, forbid_unknown_fields=True):
    """One measured value as another system sends it (the JSON API's row)."""

    cadre_id: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    indicator: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    period: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
    value: float


class IndicatorSummary(msgspec.Struct, frozen=True, kw_only=True):
    indicator: str
    cadres: int
    mean_level: float


class CadreEvidence(msgspec.Struct, frozen=True, kw_only=True):
    """One measured value of a cadre, with the behaviour anchor its level stands for."""

    competency: str
    competency_name: str
    indicator: str
    indicator_name: str
    unit: str
    period: str
    value: float
    level: int
    anchor_label: str
    anchor_behaviour: str


class CadreCycleSummary(msgspec.Struct, frozen=True, kw_only=True):
    evidence: list[CadreEvidence]
    responses: dict[str, int]  # counted per rater group, for the office's progress view


class EvidenceCadre(msgspec.Struct, frozen=True, kw_only=True):
    cadre_id: int
    name: str
