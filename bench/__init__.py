"""Benchmarks and checkers that run the service for real (gunicorn, PostgreSQL, Redis).

They live apart from the tests and print figures; ``python -m bench`` lists them.
"""
