"""Round trip through the real local broker: produce 20, consume 20 in a group."""
import uuid

import pytest

from kafka import KafkaConsumer, KafkaProducer

pytestmark = pytest.mark.kafka


def test_produce_and_consume_in_group(kafka_bootstrap, kafka_topic):
    sent = [(f"key-{i % 4}".encode(), f"incident #{i}: café ✓".encode()) for i in range(20)]

    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    try:
        for key, value in sent:
            producer.send(kafka_topic, key=key, value=value)
        producer.flush(timeout=30)
    finally:
        producer.close()

    consumer = KafkaConsumer(
        kafka_topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"test-group-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=30_000,  # stop iterating if nothing arrives for 30 s
    )
    received = []
    try:
        for record in consumer:
            received.append(record)
            if len(received) >= len(sent):
                break
        consumer.commit()
    finally:
        consumer.close()

    assert sorted((r.key, r.value) for r in received) == sorted(sent)
    assert {r.partition for r in received} == {0, 1}  # both partitions of the fresh topic used
    # per-key order is preserved (same key -> same partition)
    for key in {k for k, _ in sent}:
        assert [r.value for r in received if r.key == key] == [v for k, v in sent if k == key]
