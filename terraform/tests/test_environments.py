"""Environments: one root (terraform/envs) with a backend file and a variable
file per environment; the account layout (state account, S3 backend with
locking, deploy roles assumed per account), default tags, and data residency:
the region validation accepts only Japan and the EU (NFR-DATA-001)."""

import json
import re
from pathlib import Path

import pytest

import infra_model as m

ENVS = m.TERRAFORM / "envs"
ENV_NAMES = ["sandbox", "nonprod", "prod"]


def backend_file(env: str) -> Path:
    return ENVS / f"{env}.backend.hcl"


def tfvars_file(env: str) -> Path:
    return ENVS / f"{env}.tfvars"


def region_validations() -> list[tuple[Path, str]]:
    found = []
    for path in m.tf_files():
        for name, body in m.named(m.load_file(path), "variable").items():
            if name == "region":
                for validation in body.get("validation", []):
                    found.append((path, validation["condition"]))
    return found


def test_every_configuration_validates_its_region():
    paths = {p.parent for p, _ in region_validations()}
    for directory in [m.TERRAFORM / "control-plane", m.TERRAFORM / "bootstrap" / "state", m.TERRAFORM / "bootstrap" / "account", ENVS]:
        assert directory in paths, f"{directory}: variable region without the residency validation"
    conditions = {m.expr(c) for _, c in region_validations()}
    assert len(conditions) == 1, "every region validation must allow the same regions"


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2", "eu-west-2", "eu-central-2", "ap-southeast-1", "ap-northeast-2", "ca-central-1", ""])
def test_nfr_data_001_region_outside_japan_and_the_eu_is_rejected(region):
    for path, condition in region_validations():
        assert not m.eval_contains_condition(condition, "region", region), f"{path} accepts {region!r}"


@pytest.mark.parametrize("region", ["ap-northeast-1", "ap-northeast-3", "eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2"])
def test_nfr_data_001_japan_and_eu_regions_are_accepted(region):
    for path, condition in region_validations():
        assert m.eval_contains_condition(condition, "region", region), f"{path} rejects {region!r}"


def test_the_environments_are_one_root_with_a_backend_and_a_variable_file_each():
    # One copy of the code: no environment has a directory (or .tf files) of
    # its own, and nothing but its two files differs between environments.
    nested = [p for p in ENVS.rglob("*") if p.parent != ENVS and ".terraform" not in p.parts and p.name.endswith((".tf", ".tfvars", ".hcl"))]
    assert not nested, f"terraform/envs is one root; an environment is two files beside it, not a directory: {nested}"
    assert {p.name for p in ENVS.glob("*.tf")} == {"main.tf", "outputs.tf", "providers.tf", "variables.tf", "versions.tf"}
    expected = {f"{env}.backend.hcl" for env in ENV_NAMES} | {f"{env}.tfvars" for env in ENV_NAMES}
    per_env = {p.name for p in ENVS.iterdir() if p.is_file() and (".tfvars" in p.name or (p.name.endswith(".hcl") and p.name != ".terraform.lock.hcl"))}
    assert per_env == expected, f"terraform/envs: expected exactly {sorted(expected)}, found {sorted(per_env)}"
    # terraform.tfvars and *.auto.tfvars would be read for every environment
    # without being asked for; each environment's values are in <env>.tfvars only.
    assert not list(ENVS.glob("terraform.tfvars*")) and not list(ENVS.glob("*.auto.tfvars*"))
    # The environments the files name are exactly those the variable accepts
    # and those the control plane module accepts.
    for path in (ENVS / "variables.tf", m.TERRAFORM / "control-plane" / "variables.tf"):
        condition = m.named(m.load_file(path), "variable")["environment"]["validation"][0]["condition"]
        for env in ENV_NAMES:
            assert m.eval_contains_condition(condition, "environment", env), f"{path}: rejects {env}"
        assert json.loads(re.search(r"\[[^\]]*\]", m.expr(condition)).group(0)) == ENV_NAMES, f"{path}: accepts other environments than {ENV_NAMES}"


def test_the_root_uses_every_variable_it_declares_and_passes_them_through_unchanged():
    # A value in <env>.tfvars must reach something: every declared variable is
    # read by the module call, a provider or a local.
    doc = m.load_dir(ENVS)
    variables = set(m.named(doc, "variable"))
    code = "\n".join(p.read_text() for p in m.tf_files(ENVS, recursive=False) if p.name != "variables.tf")
    referenced = set(re.findall(r"\bvar\.(\w+)", code))
    assert referenced <= variables, f"terraform/envs reads undeclared variables: {sorted(referenced - variables)}"
    assert variables <= referenced, f"terraform/envs declares variables nothing reads: {sorted(variables - referenced)}"
    call = m.named(doc, "module")["control_plane"]
    assert call["source"] == "../control-plane"
    for name, value in call.items():
        if name not in ("source", "providers"):
            assert value == f"${{var.{name}}}", f"module control_plane: {name} should be var.{name}"


@pytest.mark.parametrize("env", ENV_NAMES)
def test_each_environment_sets_only_declared_variables_and_every_required_one(env):
    variables = m.named(m.load_dir(ENVS), "variable")
    tfvars = parse_hcl_file(tfvars_file(env))
    undeclared = set(tfvars) - set(variables)
    assert not undeclared, f"{tfvars_file(env).name} sets variables terraform/envs does not declare: {sorted(undeclared)}"
    # release comes from the pipeline (-var release=<commit>); everything else
    # without a default is the environment's own and lives in its file.
    required = {name for name, body in variables.items() if "default" not in body} - {"release"}
    missing = required - set(tfvars)
    assert not missing, f"{tfvars_file(env).name} leaves required variables unset: {sorted(missing)}"
    assert "release" not in tfvars, "the pipeline passes release; a fixed one in the file would be overridden or forgotten"


def test_the_state_remembers_its_environment_so_mixed_files_fail_the_plan():
    # init with one environment's backend file and plan with another's
    # variables would replace this resource, which prevent_destroy refuses.
    guard = m.resources_of(m.load_dir(ENVS))[("terraform_data", "environment")]
    assert guard["triggers_replace"] == ["${var.environment}", "${var.account_id}"]
    assert guard["lifecycle"][0]["prevent_destroy"] is True


def test_no_two_environments_share_an_account_a_state_or_a_state_role():
    tfvars = {env: parse_hcl_file(tfvars_file(env)) for env in ENV_NAMES}
    backends = {env: parse_hcl_file(backend_file(env)) for env in ENV_NAMES}
    for field, values in (
        ("account_id", [tfvars[e]["account_id"] for e in ENV_NAMES]),
        ("backend bucket/key", [(backends[e]["bucket"], backends[e]["key"]) for e in ENV_NAMES]),
        ("backend assume_role", [backends[e]["assume_role"]["role_arn"] for e in ENV_NAMES]),
    ):
        assert len(set(values)) == len(ENV_NAMES), f"two environments share their {field}: {values}"


def parse_hcl_file(path: Path) -> dict:
    import hcl2
    with open(path) as fh:
        return m.unquote(hcl2.load(fh))


@pytest.mark.parametrize("env", ENV_NAMES)
def test_each_environment_has_state_in_the_state_account_and_its_own_account(env):
    tfvars = parse_hcl_file(tfvars_file(env))
    assert tfvars["environment"] == env
    for _, condition in region_validations():
        assert m.eval_contains_condition(condition, "region", tfvars["region"])
    assert re.fullmatch(r"\d{12}", tfvars["account_id"])
    backend_cfg = parse_hcl_file(backend_file(env))
    assert backend_cfg["key"] == f"control-plane/{env}.tfstate"
    assert backend_cfg["bucket"].startswith("cp-terraform-state-")
    state_account = backend_cfg["bucket"].rsplit("-", 1)[1]
    assert state_account != tfvars["account_id"], "state lives in its own account"
    assert backend_cfg["assume_role"]["role_arn"] == f"arn:aws:iam::{state_account}:role/cp-state-{env}"
    assert tfvars["artifact_bucket"].startswith(f"cp-artifacts-{state_account}-")
    for _, condition in region_validations():
        assert m.eval_contains_condition(condition, "region", backend_cfg["region"]), f"{backend_file(env).name}: state outside Japan and the EU"
    doc = m.load_dir(ENVS)
    backend = doc["terraform"][0]["backend"][0]["s3"]
    assert backend["encrypt"] is True and backend["use_lockfile"] is True


def test_providers_assume_the_deploy_role_with_default_tags_and_us_east_1_only_for_the_edge():
    doc = m.load_dir(ENVS)
    providers = doc["provider"]
    aws = [p["aws"] for p in providers if "aws" in p]
    assert len(aws) == 2
    for p in aws:
        assert m.first(p, "assume_role")["role_arn"] == "${local.deploy_role_arn}"
        assert m.first(p, "default_tags")["tags"] == "${local.tags}"
        assert p["allowed_account_ids"] == ["${var.account_id}"]
    default = [p for p in aws if "alias" not in p][0]
    assert default["region"] == "${var.region}"
    aliased = [p for p in aws if "alias" in p][0]
    assert aliased["alias"] == "us_east_1" and aliased["region"] == "us-east-1"
    assert any("azuread" in p for p in providers), "Entra ID registrations need the azuread provider"
    tags = m.locals_of(doc)["tags"]
    assert {"product", "environment", "managed-by"} <= set(tags)
    # us-east-1 appears nowhere else ...
    for path in m.tf_files():
        text = path.read_text()
        if "us-east-1" in text or "us_east_1" in text:
            assert path.parent in (ENVS, m.TERRAFORM / "control-plane", m.TERRAFORM / "modules" / "edge"), path
    # ... only the edge module receives that provider, and in it only the WAF uses it
    for path in m.tf_files():
        for name, body in m.named(m.load_file(path), "module").items():
            if "aws.us_east_1" in str(body.get("providers", "")):
                assert body["source"].endswith("modules/edge") or body["source"].endswith("control-plane"), f"{path}: {name}"
    for path, rtype, name, body in m.all_resources():
        if body.get("provider") == "${aws.us_east_1}" or body.get("provider") == "aws.us_east_1":
            assert rtype == "aws_wafv2_web_acl", f"{path}: {rtype}.{name} would live in us-east-1"


def test_entra_app_roles_include_every_platform_role_the_domain_parses():
    roles = m.named(m.load_dir(m.TERRAFORM / "modules" / "entra"), "variable")["app_roles"]["default"]
    assert {"Operator", "Auditor", "Developer"} <= set(roles)
    authz = (m.ROOT / "shared" / "domain" / "src" / "authz.rs").read_text()
    parse = re.search(r"impl PlatformRole \{.*?fn parse.*?match raw \{(.*?)\}", authz, re.S).group(1)
    parsed = set(re.findall(r'"(\w+)" =>', parse))
    assert parsed and parsed <= set(roles), f"app roles the domain reads but Entra ID does not define: {parsed - set(roles)}"


def test_fr_auth_005_the_workforce_id_tokens_carry_the_claims_the_broker_reads():
    # When staff sign in (auth_time) and the verified email of invitation
    # acceptance are optional claims in Entra ID: the broker reads them from
    # the ID tokens it redeems. The API takes no Entra ID token at all.
    api = m.resources_of(m.load_dir(m.TERRAFORM / "modules" / "entra"))[("azuread_application", "api")]
    blocks = api["optional_claims"]
    assert all("access_token" not in block for block in blocks), "the API takes only the control plane's tokens"
    claims = {m.unquote(c["name"]) for block in blocks for c in block["id_token"]}
    upstream_rs = (m.ROOT / "shared" / "auth" / "src" / "upstream.rs").read_text()
    for claim in ("auth_time", "email", "xms_edov"):
        assert f'"{claim}"' in upstream_rs, f"the broker no longer reads {claim}"
        assert claim in claims, f"Entra ID does not put {claim} in the ID tokens the broker redeems"


def test_pipeline_identities_cannot_cross_environments():
    state = m.load_dir(m.TERRAFORM / "bootstrap" / "state")
    local = m.locals_of(state)
    roles = m.expr(local["pipeline_roles"])
    assert 'target_role = "cp-plan"' in roles and 'target_role = "cp-deploy"' in roles
    trust = m.resources_of(state, "data")[("aws_iam_policy_document", "pipeline_trust")]
    subs = [c for c in trust["statement"][0]["condition"] if c["variable"] == "token.actions.githubusercontent.com:sub"]
    assert subs[0]["values"] == ["repo:${var.github_repository}:environment:${each.value.github_environment}"]
    policy = m.resources_of(state, "data")[("aws_iam_policy_document", "pipeline")]
    assert policy["statement"][0]["actions"] == ["sts:AssumeRole", "sts:TagSession"]
    assert len(policy["statement"]) == 1, "a pipeline role may only assume its environment's roles"
