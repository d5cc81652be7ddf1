"""The production recipe in deploy/ holds together: docker compose accepts its file, systemd its
units, nginx its site (upload size = MAX_CONTENT_LENGTH, timeouts above gunicorn's, X-Forwarded-*
replaced), the image runs as a non-root user, and every setting in the env example is one the app
reads. The tool checks skip with one line where the tool is absent; .ci/run installs them."""
from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from config import BASE_DIR, Config

DEPLOY = BASE_DIR / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
UNITS = sorted((DEPLOY / "systemd").iterdir())
NGINX_SITE = DEPLOY / "nginx" / "satupintu.conf"
COMPOSE_ENV = {"SECRET_KEY": "s" * 40, "ADMIN_PASSWORD": "Str0ng-and-private", "POSTGRES_PASSWORD": "pg-secret",
               "PORTAL_BASE_URL": "https://layanan.example.go.id", "MAIL_SERVER": "smtp.example.go.id"}


def compose_command() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in COMPOSE_ENV}
    env.update(extra)
    return env


def test_compose_file_has_the_services_a_deployment_needs():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "rq"} <= set(services)
    assert services["web"]["command"][:3] == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
    assert services["worker"]["command"] == ["flask", "worker"]
    assert services["rq"]["command"] == ["flask", "worker", "--rq"]
    for name in ("web", "worker", "rq", "migrate"):
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        env = services[name]["environment"]
        assert env["SATUPINTU_CONFIG"] == "config.ProductionConfig"
        assert env["REDIS_URL"].startswith("redis://") and env["RATELIMIT_STORAGE_URI"].startswith("redis://")
        assert env["PROXY_FIX_X_FOR"] == "1"
    for name in ("web", "worker", "rq"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.skipif(compose_command() is None,
                    reason="docker compose / docker-compose not found: `compose config` not checked (apt-get install -y docker-compose)")
def test_docker_compose_config_validates_and_demands_the_secrets():
    command = compose_command() + ["-f", str(COMPOSE), "config", "-q"]
    ok = subprocess.run(command, capture_output=True, text=True, env=clean_env(**COMPOSE_ENV))
    assert ok.returncode == 0, ok.stderr
    for missing in COMPOSE_ENV:
        env = clean_env(**{k: v for k, v in COMPOSE_ENV.items() if k != missing})
        refused = subprocess.run(command, capture_output=True, text=True, env=env)
        assert refused.returncode != 0 and missing in refused.stderr, (missing, refused.stderr)


def test_the_image_runs_as_a_non_root_user_and_fetches_nothing_but_packages():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert not re.search(r"\b(curl|wget|git clone|ADD\s+https?://)", dockerfile)
    assert "deploy/gunicorn.conf.py" in dockerfile
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".venv", "instance", ".git"} <= set(ignored)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze not found: the units are not verified (apt-get install -y systemd)")
def test_systemd_units_verify(tmp_path):
    # the units name the install folder /opt/satupintu; here it is this checkout (its .venv has the binaries)
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/satupintu", str(BASE_DIR)))
    names = [u.name.replace("@.service", "@1.service") for u in UNITS]
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_units_run_the_deployment_commands_as_the_service_user():
    units = {u.name: u.read_text() for u in UNITS}
    assert "gunicorn -c deploy/gunicorn.conf.py run:app" in units["satupintu-web.service"]
    assert units["satupintu-worker.service"].count("flask --app run worker\n") == 1
    assert "flask --app run worker --rq" in units["satupintu-rq@.service"]
    for name, text in units.items():
        if name.endswith(".service"):
            assert "User=satupintu" in text and "EnvironmentFile=/etc/satupintu/satupintu.env" in text, name


def nginx_values(name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", NGINX_SITE.read_text(), re.M)


def to_bytes(size: str) -> int:
    units = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
    return int(size[:-1]) * units[size[-1].lower()] if size[-1].lower() in units else int(size)


def test_nginx_upload_size_timeouts_and_forwarded_headers_match_the_app():
    assert [to_bytes(v) for v in nginx_values("client_max_body_size")] == [Config.MAX_CONTENT_LENGTH]
    gunicorn = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    read_timeout = int(nginx_values("proxy_read_timeout")[0].rstrip("s"))
    assert read_timeout > gunicorn["timeout"]           # gunicorn ends a stuck request, not nginx
    headers = dict(v.split(None, 1) for v in nginx_values("proxy_set_header"))
    assert headers["X-Forwarded-For"] == "$remote_addr"  # replaced, never appended to the client's
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert "443 ssl" in NGINX_SITE.read_text() and "return 301 https://" in NGINX_SITE.read_text()


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx not found: the site file is not checked with `nginx -t` (apt-get install -y nginx-light)")
def test_nginx_accepts_the_site(tmp_path):
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "layanan.example.go.id")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (tmp_path / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "privkey.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                             serialization.PrivateFormat.PKCS8,
                                                             serialization.NoEncryption()))
    site = NGINX_SITE.read_text().replace("/etc/letsencrypt/live/layanan.example.go.id", str(tmp_path))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
                                         f"events {{}}\nhttp {{\n include {tmp_path}/site.conf;\n}}\n")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run([nginx, "-t", "-q", "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "err.log")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def env_example_keys(path: Path) -> list[str]:
    return [line.split("=", 1)[0] for line in path.read_text().splitlines()
            if line and not line.startswith("#")]


@pytest.mark.parametrize("example", ["satupintu.env.example", "compose.env.example"])
def test_every_setting_in_the_env_examples_is_read_somewhere(example):
    read = (BASE_DIR / "config.py").read_text() + (DEPLOY / "gunicorn.conf.py").read_text() \
        + COMPOSE.read_text() + (BASE_DIR / "run.py").read_text()
    for key in env_example_keys(DEPLOY / example):
        assert key == "FLASK_APP" or f'"{key}"' in read or "${" + key in read, f"{example}: {key} is read nowhere"


def test_the_env_file_reads_the_same_in_a_shell_as_in_systemd():
    """docs/deploy.md sources it in bash for `flask` commands; systemd reads it as EnvironmentFile."""
    example = DEPLOY / "satupintu.env.example"
    shown = subprocess.run(["bash", "-c", f'set -a; . "{example}"; set +a; '
                            'printf "%s\\n" "$MAIL_DEFAULT_SENDER" "$SATUPINTU_CONFIG" "$PROXY_FIX_X_FOR"'],
                           capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    assert shown.returncode == 0 and not shown.stderr, shown.stderr
    assert shown.stdout.splitlines() == ["PTSP <no-reply@example.go.id>", "config.ProductionConfig", "1"]
