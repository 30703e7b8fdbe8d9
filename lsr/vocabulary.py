"""The fixed words of screening (stages and labels), importable without the database layer."""

STAGES = ("title-abstract", "full-text")
LABELS = ("include", "exclude", "maybe")
