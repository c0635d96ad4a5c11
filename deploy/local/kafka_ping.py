"""Exit 0 when the broker at argv[1] answers a metadata request: kafka.sh start waits on it."""

import sys

from kafka import KafkaAdminClient


def main(bootstrap_servers: str) -> int:
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
            client_id="tradewatch-kafka-ping",
            request_timeout_ms=5000,
            bootstrap_timeout_ms=3000,
        )
    except Exception as exc:
        print(f"no broker at {bootstrap_servers}: {exc}", file=sys.stderr)
        return 1
    try:
        cluster = admin.describe_cluster()
        return 0 if cluster.get("brokers") else 1
    except Exception as exc:
        print(f"broker at {bootstrap_servers} did not answer: {exc}", file=sys.stderr)
        return 1
    finally:
        admin.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:9092"))
