"""The scenario families, one module per rule family (SEL in two).

Each module has ``scenarios()``, returning its scenarios expanded; they build on
:mod:`..build`, :mod:`..matrix` and :mod:`..model` only, never on each other.
"""
