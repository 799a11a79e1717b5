"""Imports: one parser per file format → uniform records; then import batches and lettrage."""
