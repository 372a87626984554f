"""Redis topologies a run or a test owns: a Redis Cluster and a Sentinel-watched master.

Each starts its servers on free ports of its own, in a temporary directory of its own,
can lose its master (SIGKILL) and wait until Redis has failed over to a replica, and
``stop()`` always removes every process and file it made (also after a failed start).

NOTE: both run with short detection times (a node or master is considered down after
1 s) so that a failover fits in a test; production settings are longer.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.services import RedisProcess, SetupError, tail

__all__ = ["RedisClusterRig", "SentinelRig"]

SLOTS = 16384
DOWN_AFTER_MS = 1000
# A replica's first sync starts at once (Redis waits 5 s by default for more replicas to share it).
_SERVER_OPTIONS = ("--repl-diskless-sync-delay", "0")
_POLL = 0.1


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SetupError(f"{name} is not installed")
    return found


def free_ports(count: int) -> list[int]:
    """Return ``count`` different ports nothing listens on (yet)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _client(port: int) -> redis.Redis:
    return redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=0.5, decode_responses=True)


def _text(client: redis.Redis, *command: str) -> str:
    """Run a command whose reply is text, past redis-py's parsers (``CLUSTER INFO`` and
    ``CLUSTER NODES`` are parsed into dicts whose shape changes between versions)."""
    return str(client.execute_command(*command))


# How long a cluster may take to elect a replica before the rig forces the failover.
ELECTION_STALL_S = 15.0


def _wait(condition, timeout: float, what: str):  # type: ignore[no-untyped-def]
    """Poll ``condition`` until it returns a true value (returned); Redis errors count as not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = condition()
        except (redis.RedisError, OSError):
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise SetupError(f"{what} within {timeout:.0f} s")
        time.sleep(_POLL)


@dataclass(frozen=True)
class ClusterNode:
    """One line of ``CLUSTER NODES``."""

    node_id: str
    port: int
    flags: frozenset[str]
    master_id: str
    slots: tuple[tuple[int, int], ...]

    @property
    def failed(self) -> bool:
        return "fail" in self.flags or "fail?" in self.flags

    @property
    def is_master(self) -> bool:
        return "master" in self.flags


def _slot_ranges(fields: list[str]) -> tuple[tuple[int, int], ...]:
    ranges = []
    for field in fields:
        if field.startswith("["):  # a slot being migrated or imported
            continue
        first, _, last = field.partition("-")
        ranges.append((int(first), int(last or first)))
    return tuple(ranges)


def parse_cluster_nodes(text: str) -> list[ClusterNode]:
    """Parse ``CLUSTER NODES``: ``id ip:port@cport flags master ping pong epoch link slots...``."""
    nodes = []
    for line in text.strip().splitlines():
        fields = line.split()
        address = fields[1].split("@")[0]
        nodes.append(
            ClusterNode(
                node_id=fields[0],
                port=int(address.rsplit(":", 1)[1]),
                flags=frozenset(fields[2].split(",")),
                master_id=fields[3],
                slots=_slot_ranges(fields[8:]),
            )
        )
    return nodes


class RedisClusterRig:
    """A Redis Cluster of ``masters`` masters with ``replicas`` replicas each, on 127.0.0.1.

    The app reaches it through ``url`` (its first ``masters`` nodes are the startup
    nodes). A replica may always fail over (``cluster-replica-validity-factor 0``), and a
    node refuses reads while the cluster is down, so no test reads an orphaned slot.
    """

    def __init__(self, *, masters: int = 3, replicas: int = 1) -> None:
        self.masters_wanted = masters
        self.replicas_per_master = replicas
        self.directory = Path(tempfile.mkdtemp(prefix="aipal-cluster-"))
        self.nodes: dict[int, RedisProcess] = {}
        self._killed_slots: dict[int, tuple[tuple[int, int], ...]] = {}

    @property
    def url(self) -> str:
        startup = list(self.nodes)[: self.masters_wanted]
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in startup)

    def _node(self, port: int, bus_port: int) -> RedisProcess:
        directory = self.directory / str(port)
        directory.mkdir(exist_ok=True)
        extra = ("--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf")
        extra += ("--cluster-port", str(bus_port))  # not port + 10000: that may be taken, or past 65535
        extra += ("--cluster-node-timeout", str(DOWN_AFTER_MS), "--cluster-replica-validity-factor", "0")
        extra += ("--cluster-allow-reads-when-down", "no", "--cluster-require-full-coverage", "yes")
        return RedisProcess(port, directory, snapshots=False, extra=(*_SERVER_OPTIONS, *extra))

    def start(self, timeout: float = 60) -> None:
        """Start the nodes, create the cluster and wait until every node says it is ok."""
        try:
            count = self.masters_wanted * (1 + self.replicas_per_master)
            ports = free_ports(2 * count)
            for port, bus_port in zip(ports[:count], ports[count:], strict=True):
                node = self._node(port, bus_port)
                self.nodes[node.port] = node
                node.start()
            create = [_binary("redis-cli"), "--cluster", "create"]
            create += [f"127.0.0.1:{port}" for port in self.nodes]
            create += ["--cluster-replicas", str(self.replicas_per_master), "--cluster-yes"]
            done = subprocess.run(create, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
            if done.returncode != 0:
                raise SetupError(f"redis-cli --cluster create failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
            self.wait_until_healthy(timeout)
        except BaseException:
            self.stop()
            raise

    def live_ports(self) -> list[int]:
        return [port for port, node in self.nodes.items() if node.process is not None]

    def cluster_nodes(self) -> list[ClusterNode]:
        """The cluster as the first live node that answers sees it."""
        for port in self.live_ports():
            try:
                return parse_cluster_nodes(_text(_client(port), "CLUSTER", "NODES"))
            except redis.RedisError:
                continue
        raise SetupError("no node of the cluster answers")

    def masters(self) -> list[int]:
        """Ports of the masters that serve slots and are not failed."""
        return sorted(n.port for n in self.cluster_nodes() if n.is_master and n.slots and not n.failed)

    def replicas(self) -> list[int]:
        """Ports of the live replicas."""
        return sorted(n.port for n in self.cluster_nodes() if "slave" in n.flags and not n.failed)

    def slot_of(self, key: str) -> int:
        return int(_client(self.live_ports()[0]).execute_command("CLUSTER", "KEYSLOT", key))

    def master_of_slot(self, slot: int) -> int:
        for node in self.cluster_nodes():
            if node.is_master and not node.failed and any(a <= slot <= b for a, b in node.slots):
                return node.port
        raise SetupError(f"no live master serves slot {slot}")

    def master_of_key(self, key: str) -> int:
        """The port of the master that holds ``key`` (``{u:<id>}`` hash tags honoured)."""
        return self.master_of_slot(self.slot_of(key))

    def _healthy(self) -> bool:
        live = self.live_ports()
        for port in live:
            info = _text(_client(port), "CLUSTER", "INFO")
            fields = dict(line.split(":", 1) for line in info.split() if ":" in line)
            if fields.get("cluster_state") != "ok" or fields.get("cluster_slots_ok") != str(SLOTS):
                return False
        nodes = [n for n in self.cluster_nodes() if n.port in live]
        covered = sum(b - a + 1 for n in nodes if n.is_master and not n.failed for a, b in n.slots)
        if covered != SLOTS or any(n.failed for n in nodes):
            return False
        for replica in (n.port for n in nodes if "slave" in n.flags):  # replicas in sync
            if _client(replica).info("replication").get("master_link_status") != "up":
                return False
        return True

    def wait_until_healthy(self, timeout: float = 30) -> None:
        """Wait until every live node reports cluster_state:ok with all slots, and every
        live replica is linked to its master."""
        _wait(self._healthy, timeout, "the cluster was not ok on every node")

    def kill_master(self, port: int) -> None:
        """SIGKILL the master on ``port`` (remembering its slots for ``wait_for_failover``)."""
        node = next((n for n in self.cluster_nodes() if n.port == port), None)
        if node is None or not node.is_master or not node.slots:
            raise SetupError(f"port {port} is not a master that serves slots")
        self._killed_slots[port] = node.slots
        self.nodes[port].crash()

    def wait_for_failover(self, old_port: int, timeout: float = 30) -> int:
        """Wait until a replica of the killed master serves its slots and the cluster is ok
        again on every live node; return the new master's port."""
        first_slot = self._killed_slots[old_port][0][0]

        def promoted() -> int | None:
            try:
                port = self.master_of_slot(first_slot)
            except SetupError:  # the old master is failed and no replica has taken over yet
                return None
            return port if port != old_port and self._healthy() else None

        what = f"no replica took over from the master on port {old_port}"
        try:
            return int(_wait(promoted, min(ELECTION_STALL_S, timeout), what))
        except SetupError:
            pass
        # NOTE: an election the cluster had not held after ELECTION_STALL_S (seen rarely, on a
        # loaded 2-core machine): the killed master's replica takes over as an operator would
        # (CLUSTER FAILOVER FORCE), so the run still measures the app through a failover.
        old_id = next(node.node_id for node in self.cluster_nodes() if node.port == old_port)
        for node in self.cluster_nodes():
            if node.master_id == old_id and node.port in self.live_ports():
                _client(node.port).execute_command("CLUSTER", "FAILOVER", "FORCE")
        try:
            return int(_wait(promoted, max(timeout - ELECTION_STALL_S, 1), what))
        except SetupError as exc:
            nodes = "\n".join(map(str, self.cluster_nodes()))
            raise SetupError(f"{exc}, even forced; the cluster's nodes:\n{nodes}") from None

    def restart(self, port: int, timeout: float = 30) -> None:
        """Start a killed node again: it rejoins (from its nodes file) as a replica."""
        self.nodes[port].start()
        _wait(
            lambda: "slave" in next(n for n in self.cluster_nodes() if n.port == port).flags and self._healthy(),
            timeout,
            f"the node on port {port} did not rejoin as a replica",
        )

    def log(self, port: int) -> str:
        return tail(self.nodes[port].log)

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class SentinelProcess:
    """One ``redis-server <conf> --sentinel`` (it rewrites its conf file as it learns)."""

    def __init__(self, port: int, directory: Path, service: str, master_port: int) -> None:
        self.port = port
        self.conf = directory / f"sentinel-{port}.conf"
        self.log = directory / f"sentinel-{port}.log"
        self.conf.write_text(
            f"port {port}\nbind 127.0.0.1\ndir {directory}\nsentinel resolve-hostnames no\n"
            f"sentinel monitor {service} 127.0.0.1 {master_port} 2\n"
            f"sentinel down-after-milliseconds {service} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {service} 5000\nsentinel parallel-syncs {service} 1\n"
        )
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 15) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [_binary("redis-server"), str(self.conf), "--sentinel"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait(lambda: _client(self.port).ping(), timeout, f"sentinel on port {self.port} did not answer")

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None


class SentinelRig:
    """A master, ``replicas`` replicas and three sentinels (quorum 2) watching service ``service``."""

    def __init__(self, *, service: str = "aipal", replicas: int = 1, sentinels: int = 3) -> None:
        self.service = service
        self.replicas_wanted = replicas
        self.sentinels_wanted = sentinels
        self.directory = Path(tempfile.mkdtemp(prefix="aipal-sentinel-"))
        self.servers: dict[int, RedisProcess] = {}
        self.sentinels: list[SentinelProcess] = []

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{self.service}/0"

    def _server(self, port: int, *extra: str) -> RedisProcess:
        directory = self.directory / str(port)
        directory.mkdir(exist_ok=True)
        return RedisProcess(port, directory, snapshots=False, extra=(*_SERVER_OPTIONS, *extra))

    def start(self, timeout: float = 60) -> None:
        """Start master, replicas and sentinels; wait until every sentinel knows the
        replicas and the other sentinels (a failover needs them)."""
        try:
            ports = free_ports(1 + self.replicas_wanted + self.sentinels_wanted)
            master = self._server(ports.pop())
            self.servers[master.port] = master
            master.start()
            for _ in range(self.replicas_wanted):
                replica = self._server(ports.pop(), "--replicaof", "127.0.0.1", str(master.port))
                self.servers[replica.port] = replica
                replica.start()
            for _ in range(self.sentinels_wanted):
                sentinel = SentinelProcess(ports.pop(), self.directory, self.service, master.port)
                self.sentinels.append(sentinel)
                sentinel.start()
            self.wait_until_healthy(timeout)
        except BaseException:
            self.stop()
            raise

    def _sentinel_clients(self) -> list[redis.Redis]:
        return [_client(s.port) for s in self.sentinels if s.process is not None]

    def master_port(self) -> int:
        """The master's port, as the first sentinel that answers reports it."""
        for sentinel in self._sentinel_clients():
            try:
                _, port = sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.service)
                return int(port)
            except (redis.RedisError, TypeError, ValueError):
                continue
        raise SetupError("no sentinel answers")

    def master_of_key(self, key: str) -> int:
        """One master holds every key."""
        return self.master_port()

    def _healthy(self, master: int) -> bool:
        """Every sentinel names ``master``, sees its replicas up and the other sentinels;
        the master says so itself and its replicas are linked."""
        for sentinel in self._sentinel_clients():
            _, port = sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.service)
            if int(port) != master:
                return False
            replicas = sentinel.execute_command("SENTINEL", "REPLICAS", self.service)
            up = [r for r in replicas if "s_down" not in str(r) and "o_down" not in str(r)]
            others = sentinel.execute_command("SENTINEL", "SENTINELS", self.service)
            if len(up) < self.replicas_wanted or len(others) < self.sentinels_wanted - 1:
                return False
        replication = _client(master).info("replication")
        if replication.get("role") != "master" or replication.get("connected_slaves", 0) < self.replicas_wanted:
            return False
        linked = (_client(p).info("replication") for p in self.live_ports() if p != master)
        return all(r.get("master_link_status") == "up" for r in linked)

    def wait_until_healthy(self, timeout: float = 30) -> int:
        """Wait until the master, its replicas and every sentinel agree; return the master's port."""

        def agreed() -> int | None:
            master = self.master_port()
            return master if self._healthy(master) else None

        return int(_wait(agreed, timeout, "the sentinels did not agree on a master with its replicas"))

    def live_ports(self) -> list[int]:
        return [port for port, server in self.servers.items() if server.process is not None]

    def kill_master(self, port: int | None = None) -> int:
        """SIGKILL the master (the one the sentinels name, unless ``port`` says); return its port."""
        port = port or self.master_port()
        self.servers[port].crash()
        return port

    def wait_for_failover(self, old_port: int, timeout: float = 30) -> int:
        """Wait until every sentinel names a promoted replica as the master and it says it is
        one; return its port."""

        def promoted() -> int | None:
            ports = {self.master_port()}
            for sentinel in self._sentinel_clients():
                ports.add(int(sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.service)[1]))
            (port,) = ports if len(ports) == 1 else (None,)
            if port is None or port == old_port:
                return None
            return port if _client(port).info("replication").get("role") == "master" else None

        return int(_wait(promoted, timeout, f"the sentinels did not fail over from port {old_port}"))

    def restart(self, port: int, timeout: float = 30) -> None:
        """Start a killed server again; the sentinels turn it into a replica of the master."""
        self.servers[port].start()
        master = self.master_port()
        _wait(lambda: self._healthy(master), timeout, f"the server on port {port} did not rejoin as a replica")

    def stop(self) -> None:
        for sentinel in self.sentinels:
            sentinel.stop()
        for server in self.servers.values():
            server.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
