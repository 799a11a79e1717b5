"""Lettrage: matching bank payments to claims (the engine, its decisions, its queue)."""
