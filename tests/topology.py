"""What the tests' Redis is, one server or a Redis Cluster, and where the two differ.

The cache and invalidation tests run on fakeredis, on one Redis and on a cluster
(``REDIS_URL=redis+cluster://...``). On a cluster a user's keys name the run_id of the
master serving the user's slot, a multi-key command must stay within one slot, and a
bump of users on several masters sends one pipeline per master. These helpers say so
once; on one server they are exactly what the tests did before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aipal.cache import client, keys

__all__ = ["generations_key", "key_names", "masters_serving", "on_cluster", "set_keys"]


def on_cluster() -> bool:
    """Whether the app's cache is a Redis Cluster."""
    return client.is_cluster(client.redis_client())


def key_names(key: keys.CacheKey) -> keys.KeyNames:
    """The names of ``key`` in the lifetime of the server (or master) holding its user's keys."""
    return key.names(client.server_run_id(key.user_id))


def generations_key(user_id: int) -> str:
    """The name of ``user_id``'s generation hash in the lifetime of the server holding it."""
    return keys.generation_hash(client.server_run_id(user_id), user_id)


def masters_serving(user_ids: Iterable[int]) -> int:
    """How many masters hold these users' keys: the pipelines one bump of all of them
    sends (1 on one server). Asked of redis-py's slot map, not of ``topology.by_master``,
    which the bump itself uses."""
    r = client.redis_client()
    if not client.is_cluster(r):
        return 1
    return len({r.nodes_manager.get_node_from_slot(r.keyslot(keys.user_tag(user_id))).name for user_id in user_ids})


def set_keys(values: Mapping[str, object]) -> None:
    """Write keys of any names: one MSET on one server; on a cluster, which refuses an
    MSET across slots, one per slot."""
    client.guarded(lambda r: r.mset_nonatomic(values) if client.is_cluster(r) else r.mset(values))
