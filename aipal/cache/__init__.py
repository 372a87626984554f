"""The cache layer every app uses.

``keys`` declares each cached data set (template, TTL), ``events`` the invalidation
table, ``client`` is the only module that talks to Redis, ``aside`` serves reads
(cache-aside with generation stamps) and ``invalidation`` turns model signals into
generation bumps after the transaction commits.
"""
