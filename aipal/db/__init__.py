"""PostgreSQL read replicas: which database a read goes to, and the WAL positions that decide it.

``router`` sends every read to ``default`` except a cached GET's loader that ``wal``
found a replica for: one that has replayed the user's last commit (see README,
"PostgreSQL read replicas").
"""
