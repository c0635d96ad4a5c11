"""docker-compose.yml and deploy/Dockerfile agree with the settings, the services and each other.

No Docker engine runs here: the files are parsed and checked for what would break at run time.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from sqlalchemy.engine import make_url

from shared.config import PROJECT_ROOT, Settings

SERVICES = ("ingest", "enrichment", "alerting")
EXPECTED = {"kafka", "postgres", "init", *SERVICES, "prometheus", "grafana"}
ENV_PREFIX = "TRADEWATCH_"


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def published(service: dict[str, Any]) -> dict[int, int]:
    """Container port -> host port."""
    ports: dict[int, int] = {}
    for spec in service.get("ports", []):
        parts = str(spec).split(":")  # [ip:]host:container
        ports[int(parts[-1])] = int(parts[-2] if len(parts) > 1 else parts[-1])
    return ports


def default_port(name: str) -> int:
    port = Settings.model_fields[f"{name}_port"].default
    assert isinstance(port, int)
    return port


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def test_the_stack_has_every_service(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == EXPECTED


def test_every_tradewatch_variable_is_a_setting(compose: dict[str, Any]) -> None:
    fields = set(Settings.model_fields)
    for name, service in compose["services"].items():
        for variable in environment(service):
            if variable.startswith(ENV_PREFIX):
                field = variable.removeprefix(ENV_PREFIX).lower()
                assert field in fields, f"{name}: {variable} is not a field of Settings"


def test_the_settings_that_compose_sets_validate(compose: dict[str, Any]) -> None:
    for name in ("init", *SERVICES):
        env = environment(compose["services"][name])
        values = {
            k.removeprefix(ENV_PREFIX).lower(): v
            for k, v in env.items()
            if k.startswith(ENV_PREFIX)
        }
        settings = Settings.model_validate(values)
        assert settings.kafka_bootstrap_servers == "kafka:9092", name
        assert settings.sanctions_data_dir == Path("/data"), name


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_its_module_from_the_image(compose: dict[str, Any], name: str) -> None:
    service = compose["services"][name]
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (PROJECT_ROOT / service["build"]["context"] / "deploy/Dockerfile").is_file()
    assert service["command"] == ["python", "-m", f"services.{name}"]
    assert (PROJECT_ROOT / "services" / name / "__main__.py").is_file(), (
        f"compose runs `python -m services.{name}`, which has no __main__.py yet"
    )
    assert service["depends_on"]["init"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_publishes_and_checks_its_settings_port(
    compose: dict[str, Any], name: str
) -> None:
    service = compose["services"][name]
    port = default_port(name)
    assert f"{ENV_PREFIX}{name.upper()}_PORT" not in environment(service)
    assert published(service) == {port: port}
    probe = service["healthcheck"]["test"]
    urls = [urlsplit(part) for part in probe if str(part).startswith("http")]
    assert [(u.port, u.path) for u in urls] == [(port, "/healthz")]


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_binds_the_port_setting_compose_publishes(name: str) -> None:
    app = PROJECT_ROOT / "services" / name / "app.py"
    assert app.is_file(), f"services/{name}/app.py is not written yet"
    assert f"settings.{name}_port" in app.read_text(encoding="utf-8")


def test_default_ports_are_distinct() -> None:
    ports = [default_port(name) for name in SERVICES]
    assert ports == [8001, 8002, 8003]


def test_reference_data_is_mounted_read_only(compose: dict[str, Any]) -> None:
    for name in ("init", *SERVICES):
        service = compose["services"][name]
        assert "../shared/data:/data:ro" in service["volumes"], name
        assert environment(service)[f"{ENV_PREFIX}SANCTIONS_DATA_DIR"] == "/data"
    assert (PROJECT_ROOT.parent / "shared" / "data").is_dir()


def test_init_creates_topics_and_migrates_once_the_servers_are_healthy(
    compose: dict[str, Any],
) -> None:
    init = compose["services"]["init"]
    text = command_text(init)
    assert "tradewatch topics create" in text and "tradewatch db migrate" in text
    assert init["restart"] == "no"
    assert init["depends_on"] == {
        "kafka": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
    }


def test_kafka_is_the_official_image_in_kraft_mode(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    image, tag = kafka["image"].split(":")
    assert image == "apache/kafka"
    pom = ElementTree.parse(PROJECT_ROOT / "deploy/kafka/pom.xml")
    versions = [e.text for e in pom.iter() if e.tag.endswith("kafka.version")]
    assert versions == [tag], "compose and `make up` should run the same Kafka version"
    env = environment(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node_id = env["KAFKA_NODE_ID"]
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{node_id}@kafka:9093"
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]
    assert len(base64.urlsafe_b64decode(env["CLUSTER_ID"] + "==")) == 16
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_kafka_advertises_what_the_services_and_the_host_use(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    env = environment(kafka)
    listeners = dict(re.findall(r"(\w+)://[^:]*:(\d+)", env["KAFKA_LISTENERS"]))
    advertised = dict(re.findall(r"(\w+)://([^,]+)", env["KAFKA_ADVERTISED_LISTENERS"]))
    assert advertised[env["KAFKA_INTER_BROKER_LISTENER_NAME"]] == "kafka:9092"
    # The host reaches the broker at the settings' default, as it reaches `make up`'s.
    host_default = Settings.model_fields["kafka_bootstrap_servers"].default
    external = [name for name, address in advertised.items() if address == host_default]
    assert len(external) == 1, f"no listener advertises {host_default}"
    host_port = int(host_default.rsplit(":", 1)[1])
    assert published(kafka) == {int(listeners[external[0]]): host_port}


def test_database_url_matches_the_postgres_service(compose: dict[str, Any]) -> None:
    postgres = environment(compose["services"]["postgres"])
    for name in ("init", *SERVICES):
        url = make_url(environment(compose["services"][name])[f"{ENV_PREFIX}DATABASE_URL"])
        assert url.drivername == "postgresql+psycopg"
        assert (url.host, url.port) == ("postgres", 5432)
        assert url.username == postgres["POSTGRES_USER"]
        assert url.password == postgres["POSTGRES_PASSWORD"]
        assert url.database == postgres["POSTGRES_DB"]
    assert published(compose["services"]["postgres"]) == {5432: 5432}


def test_dependencies_wait_for_health_that_is_checked(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        if name != "init":
            assert "healthcheck" in service, f"{name} has no healthcheck"
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"


def test_mounted_deploy_files_exist(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith("./"):
                assert (PROJECT_ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source.startswith("..") or source in compose["volumes"], volume


def test_dockerfile_builds_a_non_root_image_with_the_pins() -> None:
    text = (PROJECT_ROOT / "deploy/Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)
    assert stages and all(s.startswith("python:3.11-slim") for s in stages)
    assert "libicu-dev" in text and "build-essential" in text and "pkg-config" in text
    assert "-c constraints.txt" in text
    users = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^CMD \[", text, flags=re.MULTILINE)
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, flags=re.MULTILINE):
        *sources, _target = [word for word in line.split() if not word.startswith("--")]
        for source in sources:
            assert (PROJECT_ROOT / source).exists(), f"the Dockerfile copies missing {source}"


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", ".local", "tests"} <= set(ignored)
    copied = {"shared", "services", "tradewatch_cli", "pyproject.toml", "constraints.txt"}
    assert not copied & set(ignored)
