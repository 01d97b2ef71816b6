"""Pages that read both the cadre results and the township scorecard (above both)."""
