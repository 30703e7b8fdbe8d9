"""lsr: living systematic reviews for the Nationaal Programma Heerlen-Noord.

The package root holds only the version. The core (protocols, database, updates, ranking, reports) is a
library usable without a terminal; `lsr.cli` and `lsr.tui` are thin layers over it.
"""

__version__ = "0.1.0"
