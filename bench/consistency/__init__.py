"""Consistency checker: stale reads of the cached API under concurrent writes.

``python -m bench.consistency`` creates a database of its own on the PostgreSQL
server of ``--database-url``, starts a private ``redis-server`` (RDB snapshots every
second) and gunicorn with 3 or more sync workers, then runs one writer per resource
(goal, task list, ARI snapshot) and several readers of the goal, the task list, the
latest ARI snapshot and the dashboard. A read that started after write k's response
returned but saw a version older than k is a stale read. ``--restarts`` crashes
Redis (SIGKILL) and starts it again from its snapshot mid-run, ``--pauses`` freezes
it (SIGSTOP/SIGCONT). ``--app-servers N`` runs N gunicorns on the one Redis and
PostgreSQL: writers on the first, readers on the others (``appservers``).
``--redis cluster`` (3 masters, a replica each) or ``--redis sentinel`` (a master, a
replica, 3 sentinels) runs on a topology of ``bench.topologies`` instead, where
``--failovers N`` kills the master holding the user's keys until a replica took over
(``failovers``). Exit status 0 only with no stale read and no error.
"""
