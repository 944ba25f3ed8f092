"""The deploy files say what the bot reads: no Docker here, so their contents are checked.

Every variable the Dockerfile and compose.yaml set is a setting the bot reads, the command
they run exists, the ports and paths agree with the settings and the code, Valkey keeps
its data on a volume with append-only persistence, and the image installs the same
package CI does.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import build_parser
from bot.core.config import Settings

ROOT = Path(__file__).resolve().parent.parent.parent
SETTINGS = Settings.env_names()
PYTHON_RUNTIME = {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_NO_CACHE_DIR"}
PYTHON_RUNTIME |= {"PIP_DISABLE_PIP_VERSION_CHECK"}


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) per Dockerfile instruction, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n\s*", " ", text)
    found = []
    for raw in joined.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            found.append((instruction.upper(), arguments.strip()))
    return found


def instructions(name: str) -> list[str]:
    return [arguments for instruction, arguments in dockerfile() if instruction == name]


def docker_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for arguments in instructions("ENV"):
        for pair in shlex.split(arguments):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def bot_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose()["services"].items() if s.get("build") == "."}


def test_every_variable_set_is_a_setting_the_bot_reads() -> None:
    assert set(docker_env()) - PYTHON_RUNTIME <= SETTINGS
    for name, service in bot_services().items():
        assert set(service["environment"]) <= SETTINGS, name
    assert bot_services()  # the check covered something


def test_the_command_exists() -> None:
    [command] = instructions("CMD")
    assert json.loads(command) == ["rallybot", "run"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert scripts["scripts"]["rallybot"] == "bot.cli:main"
    assert build_parser().parse_args(["run"]).command == "run"


def test_ports_and_paths_agree_with_the_settings_and_the_code() -> None:
    env = docker_env()
    exposed = {int(port) for line in instructions("EXPOSE") for port in line.split()}
    metrics = int(env["RALLYBOT_METRICS_PORT"])
    assert metrics in exposed
    [check] = instructions("HEALTHCHECK")
    assert f"http://127.0.0.1:{metrics}/healthz" in check
    assert env["RALLYBOT_METRICS_LISTEN"] == "0.0.0.0"  # reachable from outside the container
    for name, service in bot_services().items():
        port = int(service["environment"]["RALLYBOT_METRICS_PORT"])
        assert port == metrics, name
        published = [str(entry) for entry in service.get("ports", [])]
        assert published, f"{name}: /healthz and /metrics reachable from the host"
        for entry in published:
            assert int(entry.split(":")[-1]) == port, name
            # A fixed host port would stop a second replica (--scale, deploy.replicas).
            assert ":" not in entry, f"{name} publishes {entry}: replicas would clash"

    webhook = bot_services()["bot-webhook"]["environment"]
    assert int(webhook["WEBHOOK_PORT"]) in exposed
    assert webhook["WEBHOOK_LISTEN"] == "0.0.0.0"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert f"server bot-webhook:{webhook['WEBHOOK_PORT']};" in nginx
    assert "location /telegram" in nginx  # run_until_stopped serves url_path="telegram"
    app = (ROOT / "bot" / "telegram" / "app.py").read_text(encoding="utf-8")
    assert 'url_path="telegram"' in app


def test_valkey_keeps_its_data_append_only_on_a_volume() -> None:
    valkey = compose()["services"]["valkey"]
    assert "--appendonly" in valkey["command"]
    assert valkey["command"][valkey["command"].index("--appendonly") + 1] == "yes"
    assert "valkey-data:/data" in valkey["volumes"]
    assert "valkey-data" in compose()["volumes"]
    for service in bot_services().values():
        assert service["environment"]["REDIS_URL"].startswith("redis://valkey:")


def test_the_image_installs_the_package_ci_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {
        p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = {shlex.split(line)[0] for line in instructions("COPY")}
    assert packages <= copied
    assert {"pyproject.toml", project["project"]["readme"]} <= {
        source for line in instructions("COPY") for source in shlex.split(line)[:-1]
    }
    assert "pip install ." in instructions("RUN")
    run = (ROOT / "run").read_text(encoding="utf-8")
    assert 'pip install --quiet -e ".[dev]"' in run  # what .ci/run gets through ./run
    assert "./run" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    [user] = instructions("USER")
    assert user != "root"


@pytest.mark.parametrize("kept_out", [".env", ".venv", ".git"])
def test_secrets_and_local_clutter_stay_out_of_the_image(kept_out: str) -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert kept_out in ignored
