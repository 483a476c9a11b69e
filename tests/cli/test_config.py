"""A wrong or missing setting stops the server with one line naming the key
and the file; `run.py check-config` says the same without starting."""

import pytest

from messenger.config import ConfigError, load
from tests.support.processes import run_py

STRONG = {"MESSENGER_JWT_SECRET": "j" * 40, "MESSENGER_SERVICE_TOKEN": "s" * 40,
          "MESSENGER_PUBLIC_URL": "https://messenger.example.test"}


def written(tmp_path, text: str) -> str:
    path = tmp_path / "messenger.toml"
    path.write_text('[auth]\njwt_secret_file = "j"\nservice_token_file = "s"\n'
                    'create_missing_secret = true\n' + text)
    return str(path)


@pytest.mark.parametrize("text, named", [
    ('[limits]\nmax_conent_chars = 10\n', "[limits] max_conent_chars is not a setting"),
    ('[limits]\nrequests_per_s = -1\n', "[limits] requests_per_s must be above 0"),
    ('[limits]\nmax_page = "many"\n', "[limits] max_page must be int"),
    ('[server]\nport = 70000\n', "[server] port must be 0 to 65535"),
    ('[storage]\ndatabase_url = "mysql://x/y"\n', "[storage] database_url"),
    ('[telegram]\nmode = "carrier pigeon"\n', "[telegram] mode must be"),
])
def test_a_wrong_setting_is_named_with_its_file(tmp_path, monkeypatch, text, named):
    monkeypatch.chdir(tmp_path)
    path = written(tmp_path, text)
    with pytest.raises(ConfigError) as refused:
        load(path, environ={})
    assert str(refused.value).startswith(f"{path}: ") and named in str(refused.value)
    assert "\n" not in str(refused.value)


def test_prod_refuses_short_and_development_secrets():
    assert load("configs/prod.toml", environ=STRONG).jwt_secret == "j" * 40
    with pytest.raises(ConfigError, match="MESSENGER_JWT_SECRET must be at least 32"):
        load("configs/prod.toml", environ={**STRONG, "MESSENGER_JWT_SECRET": "short"})
    with pytest.raises(ConfigError, match="set MESSENGER_SERVICE_TOKEN"):
        load("configs/prod.toml", environ={**STRONG, "MESSENGER_SERVICE_TOKEN": ""})
    # What `run.py serve` with configs/dev.toml made lies in var/: not for production.
    load("configs/dev.toml", environ={})
    made = open("var/dev-jwt-secret").read().strip()
    with pytest.raises(ConfigError, match="is a development secret"):
        load("configs/prod.toml", environ={**STRONG, "MESSENGER_JWT_SECRET": made})


def test_check_config_says_ok_or_names_the_problem(database_url):
    # check-config connects: to a database that is there (see test_operator_config.py)
    there = {"MESSENGER_DATABASE_URL": database_url} | _path_env()
    ok = run_py("check-config", "--config", "configs/prod.toml", env=STRONG | there)
    assert ok.returncode == 0 and ok.stdout.startswith("configs/prod.toml: ok"), ok.stderr
    bad = run_py("check-config", "--config", "configs/prod.toml",
                 env={**STRONG, "MESSENGER_JWT_SECRET": "short"} | there)
    assert bad.returncode == 2
    assert bad.stderr.strip() == ("config error: configs/prod.toml: MESSENGER_JWT_SECRET must"
                                  " be at least 32 characters")


def _path_env() -> dict:
    import os
    return {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
