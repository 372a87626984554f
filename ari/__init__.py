"""ARI (Agency Retention Index) snapshots and the predictions drawn from them."""
