"""What an integrator deploys (deploy/): checked statically, since no container runtime runs here.

The compose file, the Kubernetes manifests and the containers' endpoints.yml must start the same
services as ``make cluster`` (bot/tools/cluster.py), on the same ports, with every secret that
bot/settings.py requires in production and every variable the configuration refers to.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Iterator, List, Set

import pytest
import yaml

from bot.settings import PROJECT_ROOT, SECRET_VARIABLES
from bot.tools.cluster import LOCK_LIFETIME_SECONDS, Cluster

DEPLOY = PROJECT_ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
RASA_PORT, CONSOLE_PORT = 5005, 5080
#: Secrets beyond SECRET_VARIABLES: the shop's API token and the database password (also inside
#: the two database URLs).
OTHER_SECRETS = {"SHOP_API_TOKEN", "DB_PASSWORD", "HANDOFF_DB_URL", "TRACKER_STORE_URL"}


def documents() -> List[Dict[str, Any]]:
    found = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        found += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def of_kind(kind: str) -> List[Dict[str, Any]]:
    return [doc for doc in documents() if doc["kind"] == kind]


def deployment(component: str) -> Dict[str, Any]:
    (found,) = [doc for doc in of_kind("Deployment")
                if doc["metadata"]["labels"]["app.kubernetes.io/component"] == component]
    return found


def container(component: str) -> Dict[str, Any]:
    (only,) = deployment(component)["spec"]["template"]["spec"]["containers"]
    return only


def pod_env(component: str) -> Set[str]:
    """Every variable the pod gets: its own, the ConfigMap's and the Secret's."""
    spec = container(component)
    names = {item["name"] for item in spec.get("env", [])}
    for source in spec.get("envFrom", []):
        ref = source.get("configMapRef") or source.get("secretRef")
        (doc,) = [d for d in documents() if d["metadata"]["name"] == ref["name"]]
        names |= set((doc.get("data") or {}) | (doc.get("stringData") or {}))
    return names


def cluster_endpoints() -> Dict[str, dict]:
    """The endpoints make cluster generates (ports of its local servers left aside)."""
    cluster = Cluster(postgres=SimpleNamespace(port=5432, user="assistant"),
                      redis=SimpleNamespace(port=6379))
    return cluster.endpoints()


def variables_in(text: str) -> Iterator[str]:
    return iter(re.findall(r"\$\{([A-Z_]+)", text))


@pytest.fixture(scope="module")
def compose() -> Dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_runs_the_services_of_make_cluster(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "rasa", "console", "nginx"}
    assert services["rasa"]["deploy"]["replicas"] == Cluster.rasa_replicas
    assert services["console"]["deploy"]["replicas"] == Cluster.console_replicas
    assert services["rasa"]["expose"] == [str(RASA_PORT)]
    assert services["console"]["expose"] == [str(CONSOLE_PORT)]
    assert "--port" in services["console"]["command"]
    assert services["console"]["command"][services["console"]["command"].index("--port") + 1] \
        == str(CONSOLE_PORT)
    # Published on the loopback only: TLS and the outside world come in front.
    assert all(port.startswith("127.0.0.1:") for port in services["nginx"]["ports"])


def test_compose_gives_every_server_every_secret_from_the_environment(compose):
    for name in ("rasa", "console"):
        env = compose["services"][name]["environment"]
        assert set(SECRET_VARIABLES) | OTHER_SECRETS <= set(env), name
        for secret in SECRET_VARIABLES:
            assert env[secret] == f"${{{secret}:?}}", secret  # required, never a default
        assert env["ASSISTANT_ENV"] == "production"
        assert {"DB_HOST", "DB_USER", "DB_PASSWORD", "REDIS_HOST"} <= set(env)


def test_nginx_of_compose_balances_like_make_clusters():
    from bot.tools.localservers import NginxServer

    ours = (DEPLOY / "nginx.conf").read_text()
    local = NginxServer.__new__(NginxServer)
    local.upstreams, local.ports, local.root = {"rasa": [1], "console": [2]}, \
        {"rasa": 3, "console": 4}, Path("/x")
    generated = local.config()
    for rule in ("proxy_next_upstream error timeout", "proxy_set_header Upgrade $http_upgrade",
                 "proxy_set_header Connection $connection_upgrade", "location /socket.io/",
                 "client_max_body_size 1m"):
        assert rule in ours and rule in generated, rule
    assert f"server rasa:{RASA_PORT}" in ours and f"server console:{CONSOLE_PORT}" in ours


def test_container_endpoints_match_the_cluster_target():
    from bot.tools.cluster import container_endpoints

    text = container_endpoints()
    ours = yaml.safe_load(text)
    repository = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    assert set(ours) == set(repository)  # every section, none invented
    for section, values in cluster_endpoints().items():
        for key in ("type", "dialect", "db", "store", "cached_conversations"):
            if key in values:
                assert ours[section][key] == values[key], (section, key)
    assert ours["action_endpoint"]["actions_module"] == "actions"
    assert ours["shop"]["type"] == "http" and "path" not in ours["shop"]
    assert "--container-endpoints" in (DEPLOY / "Dockerfile").read_text()
    compose_env = set(yaml.safe_load((DEPLOY / "compose.yaml").read_text())
                      ["services"]["rasa"]["environment"])
    needed = set(variables_in(text)) | {"SHOP_API_URL", "SHOP_API_TOKEN", "HANDOFF_DB_URL"}
    for variable in needed:
        assert variable in compose_env and variable in pod_env("rasa"), variable


def test_container_credentials_share_the_widgets_rooms_through_redis():
    from bot.tools.cluster import SOCKETIO_CHANNEL, container_credentials

    ours = yaml.safe_load(container_credentials())
    repository = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    assert set(ours) == set(repository)
    assert ours[SOCKETIO_CHANNEL]["redis_url"] == "redis://${REDIS_HOST}:6379/0"
    assert "--container-credentials" in (DEPLOY / "Dockerfile").read_text()


def test_kubernetes_secret_holds_every_secret_the_settings_require():
    (secret,) = of_kind("Secret")
    assert set(SECRET_VARIABLES) | OTHER_SECRETS == set(secret["stringData"])
    (config,) = of_kind("ConfigMap")
    assert not set(config["data"]) & (set(SECRET_VARIABLES) | OTHER_SECRETS)
    assert config["data"]["ASSISTANT_ENV"] == "production"
    assert config["data"]["TICKET_LOCK_LIFETIME"] == str(LOCK_LIFETIME_SECONDS)
    for component in ("rasa", "console"):
        assert set(SECRET_VARIABLES) <= pod_env(component), component


@pytest.mark.parametrize("component, port, health", [("rasa", RASA_PORT, "/"),
                                                      ("console", CONSOLE_PORT, "/health")])
def test_deployments_probe_the_health_endpoints(component, port, health):
    spec = container(component)
    assert [p["containerPort"] for p in spec["ports"]] == [port]
    for probe in ("readinessProbe", "livenessProbe"):
        assert spec[probe]["httpGet"]["path"] == health, probe
    assert spec["command"][spec["command"].index("--port") + 1] == str(port)
    pod = deployment(component)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    (service,) = [doc for doc in of_kind("Service")
                  if doc["spec"]["selector"] == deployment(component)["spec"]["selector"][
                      "matchLabels"]]
    assert service["spec"]["ports"][0]["port"] == port


def test_the_replicas_run_the_same_command_as_make_cluster():
    command = container("rasa")["command"]
    assert command[:5] == ["python", "-m", "bot.runtime.server", "run", "--enable-api"]
    assert "--jwt-secret" not in command  # from the environment, inside the process
    assert deployment("rasa")["spec"]["replicas"] == Cluster.rasa_replicas
    assert deployment("console")["spec"]["replicas"] == Cluster.console_replicas


def test_ingress_routes_chat_with_websockets_and_console_and_hides_rasas_api():
    (ingress,) = of_kind("Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert annotations["nginx.ingress.kubernetes.io/proxy-next-upstream"] == "error timeout"
    routes = {(rule["host"], path["path"]): path["backend"]["service"]["name"]
              for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}
    rasa = [path for (_, path), service in routes.items() if service.endswith("-rasa")]
    assert sorted(rasa) == ["/socket.io", "/webhooks"]  # not /conversations, not /model
    assert "/" in [path for (_, path), service in routes.items()
                   if service.endswith("-console")]
    assert ingress["spec"]["tls"]


def test_the_rasa_deployment_scales_on_cpu():
    targets = {doc["spec"]["scaleTargetRef"]["name"]: doc
               for doc in of_kind("HorizontalPodAutoscaler")}
    hpa = targets[deployment("rasa")["metadata"]["name"]]
    assert hpa["spec"]["minReplicas"] >= 2
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"


def test_the_image_runs_unprivileged_with_a_health_check():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)", dockerfile, re.M)
    assert len(stages) >= 2
    final = dockerfile.split(f"AS {stages[-1]}", 1)[1]
    assert re.search(r"^USER 10001$", final, re.M)
    assert "HEALTHCHECK" in final
    assert re.search(rf"^EXPOSE {RASA_PORT} {CONSOLE_PORT}$", final, re.M)
    assert "models/current.tar.gz" in final
    for secret in SECRET_VARIABLES:
        assert secret not in dockerfile  # secrets never baked into the image
