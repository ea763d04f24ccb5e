"""`sam local invoke --env-vars events/env.local.json`, resolved by SAM CLI's own code.

SAM CLI builds a function's environment in `LocalLambdaRunner._make_env_vars`
(samcli/commands/local/lib/local_lambda.py) and `EnvironmentVariables.resolve`
(samcli/local/lambdafn/env_vars.py): it walks the variables the template declares for
the function and, for each one, takes the --env-vars value, else the shell's, else the
template's. A variable the template does not declare is dropped without a word. AWS
documents the same rule: "Locally invoke Lambda functions with AWS SAM", section
"Environment variable file" (https://docs.aws.amazon.com/serverless-application-model/
latest/developerguide/serverless-sam-cli-using-invoke.html): the file overrides "values
defined in your templates". So everything local invocation needs is declared, empty, in
template.yaml's Globals, and these tests resolve it with the samcli package, no Docker.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

from adsync.config import load_database_settings, load_partner_credentials, load_settings
from local.simulator import SimulatorSettings
from tests.template.cfn import FUNCTIONS, REGION, ROOT, TEMPLATE_PATH

ENV_FILE = ROOT / "events" / "env.local.json"
LOCAL_ONLY = ("DATABASE_URL", "SHOPEE_PARTNER_ID", "SHOPEE_PARTNER_KEY", "AWS_ENDPOINT_URL_SQS")


def env_file() -> dict[str, dict[str, str]]:
    loaded: dict[str, dict[str, str]] = json.loads(ENV_FILE.read_text("utf-8"))
    return loaded


def resolve_environments(
    env_vars: dict[str, Any], template: Path = TEMPLATE_PATH
) -> dict[str, dict[str, str]]:
    """Each function's environment as `sam local invoke --env-vars FILE` hands it to the
    container (InvokeContext builds the same stack, provider and runner)."""
    with warnings.catch_warnings():  # samcli calls samtranslator APIs it deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        stacks, _ = SamLocalStackProvider.get_stacks(
            str(template), global_parameter_overrides={"AWS::Region": REGION}
        )
        provider = SamFunctionProvider(stacks)
    runner = LocalLambdaRunner(
        local_runtime=None,  # never invoked: no Docker here
        function_provider=provider,
        cwd=str(template.parent),
        real_path=str(template.parent),
        aws_region=REGION,
        env_vars_values=env_vars,
    )
    return {f.name: runner._make_env_vars(f).resolve() for f in provider.get_all()}


def overrides_for(function_id: str, env_vars: dict[str, dict[str, str]]) -> dict[str, str]:
    """What the file sets for one function: Parameters, then its own section on top."""
    return {**env_vars.get("Parameters", {}), **env_vars.get(function_id, {})}


@pytest.fixture(scope="module", autouse=True)
def no_real_aws() -> Iterator[None]:
    """SAM copies the caller's credentials into the container: keep the machine's out."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            patch.delenv(name, raising=False)
        patch.delenv("AWS_SESSION_TOKEN", raising=False)
        patch.setenv("AWS_CONFIG_FILE", "/nonexistent")
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        yield


@pytest.fixture(scope="module")
def local_envs() -> dict[str, dict[str, str]]:
    return resolve_environments(env_file())


def test_env_file_is_in_sam_s_format() -> None:
    """{"Parameters": {...}} for every function, or {"<LogicalId>": {...}}: strings only."""
    loaded = env_file()
    assert set(loaded) <= {"Parameters", *FUNCTIONS}
    for section in loaded.values():
        assert all(isinstance(v, str) for v in section.values())


def test_sam_resolves_every_function_of_the_template(local_envs: dict[str, dict[str, str]]) -> None:
    assert set(local_envs) == set(FUNCTIONS)


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_every_override_reaches_the_function(
    local_envs: dict[str, dict[str, str]], function_id: str
) -> None:
    resolved = local_envs[function_id]
    for name, value in overrides_for(function_id, env_file()).items():
        assert name in resolved, f"{name} is not declared for {function_id}: SAM drops it"
        assert resolved[name] == value, name


def test_the_file_beats_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shell values come second: an exported DATABASE_URL (make test sets one) must not
    leak into the container when the file names the database."""
    for name in env_file()["Parameters"]:
        monkeypatch.setenv(name, "from-the-shell")
    resolved = resolve_environments(env_file())
    for function_id, env in resolved.items():
        for name, value in overrides_for(function_id, env_file()).items():
            assert env[name] == value


def test_an_undeclared_variable_is_dropped() -> None:
    resolved = resolve_environments({"Parameters": {"NOT_IN_THE_TEMPLATE": "x"}})
    assert all("NOT_IN_THE_TEMPLATE" not in env for env in resolved.values())


def test_without_the_declaration_the_override_would_be_lost(tmp_path: Path) -> None:
    """The check above can fail: drop DATABASE_URL from Globals and SAM loses it."""
    source = TEMPLATE_PATH.read_text("utf-8")
    declaration = '        DATABASE_URL: ""\n'
    assert source.count(declaration) == 1
    template = tmp_path / "template.yaml"
    template.write_text(source.replace(declaration, ""), "utf-8")
    resolved = resolve_environments(env_file(), template=template)
    assert all("DATABASE_URL" not in env for env in resolved.values())
    assert all("SHOPEE_PARTNER_KEY" in env for env in resolved.values())


def test_without_the_file_the_secret_arns_resolve_to_parameter_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Ref to a parameter without a default resolves to the parameter's name locally, so
    SHOPEE_PARTNER_SECRET_ARN would be "ShopeePartnerSecretArn" and the worker would ask
    Secrets Manager for it: the file must empty both ARNs."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    plain = resolve_environments({})["WorkerFunction"]
    assert plain["SHOPEE_PARTNER_SECRET_ARN"] == "ShopeePartnerSecretArn"
    assert plain["DB_SECRET_ARN"] == "DbSecretArn"
    assert all(plain[name] == "" for name in LOCAL_ONLY)
    parameters = env_file()["Parameters"]
    assert parameters["SHOPEE_PARTNER_SECRET_ARN"] == parameters["DB_SECRET_ARN"] == ""


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_the_resolved_environment_configures_the_local_path(
    local_envs: dict[str, dict[str, str]], function_id: str
) -> None:
    """What adsync.config builds inside the container: DATABASE_URL, the simulator's
    partner, the local queues; no secret is read."""
    env = local_envs[function_id]
    database = load_database_settings(env)
    assert (database.host, database.port, database.database) == (
        "host.docker.internal",
        5432,
        "adsync_sam",
    )
    partner = load_partner_credentials(env)
    simulator = SimulatorSettings()
    assert (partner.partner_id, partner.partner_key) == (
        simulator.partner_id,
        simulator.partner_key,
    )
    settings = load_settings(env)
    assert settings.shopee_base_url == "http://host.docker.internal:8765"
    for priority, url in settings.queue_urls.items():
        assert url.startswith(env["AWS_ENDPOINT_URL_SQS"] + "/")
        assert url.endswith(f"/shopee-ads-sync-priority-{priority}")
    assert sorted(settings.queue_urls) == [0, 1, 2, 3]


def test_deployed_values_keep_the_secret_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The declared empties change nothing in AWS: empty = unset, the secrets win."""
    import adsync.config

    secrets = {
        "arn:db": {"username": "adsync", "password": "pw", "host": "rds", "dbname": "ads"},
        "arn:partner": {"partner_id": 7, "partner_key": "from-secrets-manager"},
    }
    monkeypatch.setattr(adsync.config, "_read_secret", lambda arn, fresh=False: secrets[arn])
    deployed = {name: "" for name in LOCAL_ONLY}
    deployed |= {"DB_SECRET_ARN": "arn:db", "SHOPEE_PARTNER_SECRET_ARN": "arn:partner"}
    assert load_database_settings(deployed).host == "rds"
    assert load_partner_credentials(deployed).partner_key == "from-secrets-manager"
