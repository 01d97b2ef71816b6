"""Individual development plans: a cadre turns published feedback into 1–3 goals, their
leader agrees them, a mid-cycle check-in records progress, and the next cycle's feedback
shows each goal beside the new score."""
