"""The dashboard: one user's ARI, goals and tasks summed up in one cached response."""
