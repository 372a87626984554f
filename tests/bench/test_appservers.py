"""The consistency checker's ``--app-servers``: who talks to which server, and what the figures say."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.consistency import appservers
from bench.consistency.cli import parse_args
from bench.consistency.workload import Shared


def test_several_app_servers_default_to_two_workers_each_and_need_three_in_all():
    assert parse_args([]).workers == 3
    assert parse_args(["--app-servers", "2"]).workers == 2
    assert parse_args(["--app-servers", "3", "--workers", "1"]).workers == 1
    with pytest.raises(SystemExit):
        parse_args(["--app-servers", "2", "--workers", "1"])
    with pytest.raises(SystemExit):
        parse_args(["--app-servers", "0"])


def test_writers_use_the_first_server_and_readers_the_others_in_turn(tmp_path: Path):
    servers = appservers.create(3, 2, {}, tmp_path, first_port=9001)
    shared = Shared(port=servers[0].port, token="t", user_id=1, goal_id=1)
    shared.read_ports = appservers.read_ports(servers)

    assert len({server.port for server in servers}) == 3
    assert [shared.read_port(index) for index in range(4)] == [servers[1].port, servers[2].port] * 2
    alone = appservers.create(1, 3, {}, tmp_path)
    assert appservers.read_ports(alone) == (alone[0].port,)


def test_the_figures_say_which_server_did_what(tmp_path: Path):
    writer, reader = appservers.create(2, 2, {}, tmp_path)
    rows = appservers.describe([writer, reader], {reader.port: 40}, writes=7)

    assert [(row["server"], row["writes"], row["reads"], row["role"]) for row in rows] == [
        (1, 7, 0, "writers, logins and logouts"),
        (2, 0, 40, "readers"),
    ]
