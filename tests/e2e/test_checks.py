"""The fault suite's checks can fail: after a clean run they find nothing; after tampering with
the database and `alerts.v1` as a faulty pipeline would, they name every broken promise."""

from __future__ import annotations

import orjson
from sqlalchemy import text

from bench.stack import Stack
from shared.kafka.adapter import KafkaProducerAdapter
from shared.kafka.records import Output
from shared.schemas.registry import ALERTS
from tests.e2e.checks import observe_database, read_topic, violations, wait_drained
from tests.e2e.harness import DRAIN_TIMEOUT_S, feed_with_fault


def test_checks_pass_a_clean_run_and_name_each_kind_of_loss_and_duplicate(stack: Stack) -> None:
    shipments = feed_with_fault(stack, lambda: None, "checks", count=200)
    assert violations(stack, shipments, wait_drained(stack, shipments, DRAIN_TIMEOUT_S)) == []

    planted = [s for s in shipments if s.expected_alert_id is not None]
    lost_alert, doubled_alert = planted[0].expected_alert_id, planted[1].expected_alert_id
    lost_shipment = next(s for s in shipments if s.planted is None).key
    with stack.engine.begin() as conn:
        for statement in (
            "DELETE FROM alert_outbox WHERE alert_id = :alert",
            "DELETE FROM alerts WHERE alert_id = :alert",
            "DELETE FROM shipment_parties WHERE shipment_key = :key",
            "DELETE FROM shipments WHERE shipment_key = :key",
        ):
            conn.execute(text(statement), {"alert": lost_alert, "key": lost_shipment})
    raised = next(
        orjson.loads(r.value or b"{}")
        for r in read_topic(stack, ALERTS.name)
        if r.key is not None and r.key.decode() == doubled_alert
    )
    producer = KafkaProducerAdapter(stack.config.bootstrap_servers, "tradewatch-e2e-tamper")
    try:
        for forged in (raised | {"event_id": "a-second-raise"}, raised | {"event": "updated"}):
            producer.send(Output(stack.topic(ALERTS.name), doubled_alert, orjson.dumps(forged)))
        producer.flush(30.0)
    finally:
        producer.close(30.0)

    problems = "\n".join(violations(stack, shipments, observe_database(stack)))
    assert "1 shipments not stored by alerting" in problems
    assert "1 expected alerts missing" in problems
    assert f"alerts.v1 names an alert not in the database: {lost_alert}" in problems
    assert f"alert {doubled_alert} has 2 distinct 'raised' events" in problems
    assert f"unexpected 'updated' event for {doubled_alert}" in problems
