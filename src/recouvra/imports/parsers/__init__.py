"""File parsers. Pure Python (no Django): each returns records from recouvra.imports.records."""
