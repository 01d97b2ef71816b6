"""The plausibility checks, one module each; `scorecard.plausibility` runs them together."""
