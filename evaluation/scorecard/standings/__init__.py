"""The scorecard's read model: a plan year's standing as pages read it, stored, recomputed by
the writes that change its inputs and frozen when the year's results are published."""
