"""recouvra: debt collection for France."""

__version__ = "0.1.0"
