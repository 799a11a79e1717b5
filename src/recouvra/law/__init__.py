"""French law and money arithmetic for recouvra.

Pure Python: this package must never import Django, so that a jurist can read it
and its tests alone. Dates and rates are arguments; nothing here reads a clock.
"""
