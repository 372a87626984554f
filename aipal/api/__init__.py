"""Pieces every API app shares: rendering, errors, permissions, routing helpers."""
