"""The pages that gather the apps: dashboard, section pages, reports, settings."""
