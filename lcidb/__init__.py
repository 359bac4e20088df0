"""The local emission-factor / LCI database: template, Brightway project, methods, snapshots."""
