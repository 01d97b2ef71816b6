"""Training tables arrive with the training-office issue; the piccolo app exists already."""

from piccolo.table import Table

TABLES: list[type[Table]] = []
