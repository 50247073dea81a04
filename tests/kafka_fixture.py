"""Pytest plugin: a real local Kafka broker (scripts/kafka.sh) for tests.

Enable with ``pytest_plugins = ["tests.kafka_fixture"]`` in a conftest.
The broker is started once per session and left running; ``make test``
(or ``scripts/kafka.sh down``) stops it.
"""
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def kafka_bootstrap():
    """Start the broker if needed and return its "127.0.0.1:PORT"."""
    port = os.environ.get("KAFKA_PORT", "9092")
    env = {**os.environ, "KAFKA_PORT": port, "KAFKA_PYTHON": sys.executable}
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "kafka.sh"), "up"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600,
    )
    if proc.returncode != 0:
        pytest.fail(f"scripts/kafka.sh up failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return f"127.0.0.1:{port}"


@pytest.fixture
def kafka_topic(kafka_bootstrap, request):
    """A fresh, uniquely named topic with 2 partitions; deleted afterwards."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "-", request.node.name)[:60]
    name = f"test-{stem}-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="pytest-kafka-topic")
    try:
        admin.create_topics({name: {"num_partitions": 2, "replication_factor": 1}},
                            wait_for_metadata=True)
        yield name
        admin.delete_topics([name], raise_errors=False)
    finally:
        admin.close()
