"""AI-PAL data service: Django + DRF over PostgreSQL with a Redis read cache."""
