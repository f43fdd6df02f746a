"""The ClickHouse engine on bad input and failing sources behaves as the Python engine does: a
gzip file cut short, lines that are not records, and sources that cannot be read are reported
in the Python engine's words (or one line naming the source), never as ClickHouse's internals."""

import os
import socket
import subprocess
import sys

import pytest

from conftest import FIXTURES

if os.environ.get("CI") != "true":  # on CI the extra is installed: a skip there would hide a failure
    pytest.importorskip("chdb", reason="the ClickHouse engine's extra is not installed (pip install 'eventcat[clickhouse]')")

CATALOG = FIXTURES / "logs" / "catalog"


def free_port():
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def eventcat(*args):
    """The command in its own process: what a library logs goes to the real stderr there (under
    pytest a logging handler of pytest's own would catch it)."""
    return subprocess.run([sys.executable, "-m", "eventcat", *args], capture_output=True, text=True, timeout=60)


def test_a_server_that_is_not_there_is_one_line_of_ours():
    """clickhouse-connect logged 'Unexpected Http Driver Exception' before our error, and our error
    was the HTTP stack's layers (HTTPConnectionPool, Max retries exceeded, a query id)."""
    pytest.importorskip("clickhouse_connect")
    url = f"http://reader:s3cret@127.0.0.1:{free_port()}/openedx"
    done = eventcat("logs", "check", "--catalog", str(CATALOG), "--clickhouse", url, "--table", "openedx._tracking")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (f"eventcat logs check: {url.replace('s3cret', '***')}: cannot connect "
                           "(Connection refused)\n")
