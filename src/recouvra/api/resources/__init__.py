"""The API's resources, one module per area. Each module gives `routes`, a list of
(prefix, viewset, basename) for the router, and may give `paths` (plain URL patterns)."""
