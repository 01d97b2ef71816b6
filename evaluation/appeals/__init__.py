"""申诉/复核, one concept for every kind of published result: an appeal names its kind, the
period (a 360 cycle, a town plan year), the subject (a cadre, a town) and the item objected
to ("" for the result as a whole); the office upholds it with a correction or rejects it, in
writing. The flow, the store and 公示 are here; what an upheld appeal changes is the kind's
policy (`results/appeals.py`, `scorecard/town_appeals.py`) — a new kind is one policy."""
