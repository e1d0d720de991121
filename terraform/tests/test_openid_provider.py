"""The control plane as an OpenID Provider (doc/adr/0042): its own clients
(OAUTH_CLIENTS), and the two upstream directories it brokers people's
sign-in to (UPSTREAM_DIRECTORIES): the workforce tenant (modules/entra) and
the environment's External ID tenant (modules/entra-external, through its
own azuread provider). The client secrets reach the function only as KMS
ciphertext of the data key, under the one encryption context it decrypts
with."""

import re

import pytest

import infra_model as m

CONTROL_PLANE = m.TERRAFORM / "control-plane"
ENVS = m.TERRAFORM / "envs"
ENTRA = m.TERRAFORM / "modules" / "entra"
ENTRA_EXTERNAL = m.TERRAFORM / "modules" / "entra-external"
ENV_NAMES = ["sandbox", "nonprod", "prod"]
CALLBACK_PATH = "/oauth2/callback"
LOGGED_OUT_PATH = "/oauth2/logged-out"


@pytest.fixture(scope="module")
def root():
    return m.load_dir(CONTROL_PLANE)


def rust(path: str) -> str:
    return (m.ROOT / path).read_text()


def rust_const(path: str, name: str) -> str:
    match = re.search(r"pub const " + name + r': &str = "([^"]*)";', rust(path))
    assert match, f"{path} no longer defines {name}"
    return match.group(1)


def literal(value: str) -> str:
    """A template python-hcl2 left quoted (it holds quotes of its own)."""
    return value[1:-1] if value.startswith('"') and value.endswith('"') else value


def readers_of(variable: str) -> dict[str, dict]:
    return {name: f for name, f in m.functions().items() if variable in f["environment"]}


# --- the function's configuration ------------------------------------------------------


def test_the_openid_provider_s_variables_have_their_values(root):
    values = m.locals_of(root)["environment_values"]
    assert readers_of("OAUTH_CLIENTS") and readers_of("UPSTREAM_DIRECTORIES"), "no function reads the OpenID Provider's configuration any more"
    assert m.expr(values["OAUTH_CLIENTS"]) == "jsonencode(local.oauth_clients)"
    assert m.expr(values["UPSTREAM_DIRECTORIES"]) == "jsonencode(local.upstream_directories)"


def test_oauth_clients_are_the_local_stack_s_public_clients_at_the_public_url(root):
    clients = m.locals_of(root)["oauth_clients"]
    console = rust_const("local/src/stack.rs", "CONSOLE_CLIENT_ID")
    cli = rust_const("local/src/stack.rs", "CLI_CLIENT_ID")
    assert set(clients) == {console, cli}
    for client_id, registration in clients.items():
        assert registration["client_type"] == "public", f"{client_id}: the product's own clients are public"
    callback = rust_const("local/src/stack.rs", "CONSOLE_CALLBACK")
    assert clients[console]["redirect_uris"] == ["${local.public_url}" + callback]
    assert clients[console]["post_logout_redirect_uris"] == ["${local.public_url}/"]
    local_clients = re.search(r"fn oauth_clients\(.*?\n\}", rust("local/src/stack.rs"), re.S).group(0)
    for uri in clients[cli]["redirect_uris"]:
        assert f'"{uri}"' in local_clients, f"cpctl redirects to {uri} here but not in the local stack"


def test_upstream_directories_are_the_two_the_domain_knows_each_as_the_function_reads_it(root):
    directories = m.locals_of(root)["upstream_directories"]
    enum = re.search(r"pub enum Upstream \{(.*?)\}", rust("shared/domain/src/oauth/authorize.rs"), re.S).group(1)
    upstreams = {re.sub(r"(?<!^)([A-Z])", r"_\1", v).lower() for v in re.findall(r"^\s*([A-Z]\w*),", enum, re.M)}
    assert set(directories) == upstreams == {"workforce", "customer"}
    config = re.search(r"struct DirectoryConfig \{(.*?)\}", rust("shared/auth/src/upstream.rs"), re.S).group(1)
    fields = set(re.findall(r"^\s*(?:pub )?(\w+): String,", config, re.M))
    for name, directory in directories.items():
        assert set(directory) == fields, f"{name}: the functions read {sorted(fields)}"
    assert m.expr(directories["workforce"]["issuer"]) == "module.entra.issuer"
    assert m.expr(directories["workforce"]["client_id"]) == "module.entra.broker_client_id"
    assert m.expr(directories["customer"]["issuer"]) == "module.entra_external.issuer"
    assert m.expr(directories["customer"]["client_id"]) == "module.entra_external.client_id"
    # The secret is never in the clear in the function's configuration.
    for name, directory in directories.items():
        assert re.fullmatch(r"aws_kms_ciphertext\.\w+\.ciphertext_blob", m.expr(directory["client_secret"])), (
            f"{name}: the client secret must be an aws_kms_ciphertext's ciphertext_blob"
        )


# --- sealing the client secrets ------------------------------------------------------------


def test_client_secrets_are_sealed_with_the_data_key_under_the_function_s_encryption_context(root):
    key = rust_const("shared/aws/src/config_secret.rs", "CONTEXT_KEY")
    value = rust_const("shared/aws/src/config_secret.rs", "CONTEXT_VALUE")
    assert (key, value) == ("purpose", "upstream-client-secret")
    ciphertexts = {(path, name): body for path, rtype, name, body in m.all_resources() if rtype == "aws_kms_ciphertext"}
    assert ciphertexts, "no aws_kms_ciphertext left"
    for (path, name), body in ciphertexts.items():
        assert path.parent == CONTROL_PLANE, f"{path}: {name}"
        assert m.expr(body["key_id"]) == "local.data_key_arn", f"{name}: seal with the data key"
        assert body["context"] == {key: value}, f"{name}: the encryption context must be exactly {{{key} = {value!r}}}"
    # ... which is the data key of resources.json ...
    permissions = m.locals_of(m.load_file(CONTROL_PLANE / "permissions.tf"))
    assert m.expr(permissions["data_key_arn"]) == "module.keys.arns[local.resources.table.encryption_key]"
    # ... each directory's secret its own ciphertext, of that directory's password ...
    directories = m.locals_of(root)["upstream_directories"]
    sealed = {name: m.expr(d["client_secret"]).split(".")[1] for name, d in directories.items()}
    assert len(set(sealed.values())) == len(sealed) and set(sealed.values()) == {n for _, n in ciphertexts}
    resources = m.resources_of(root)
    assert m.expr(resources[("aws_kms_ciphertext", sealed["workforce"])]["plaintext"]) == "module.entra.broker_client_secret"
    assert m.expr(resources[("aws_kms_ciphertext", sealed["customer"])]["plaintext"]) == "module.entra_external.client_secret"
    # ... and of the functions that read the directories, those that open
    # the secrets (the broker) may decrypt with that key; those that only
    # verify the directories' tokens (token exchange) hold no such right.
    data_key = m.resources()["table"]["encryption_key"]
    for name, f in readers_of("UPSTREAM_DIRECTORIES").items():
        granted = f["permissions"].get(f"keys.{data_key}", [])
        opens = any("open_config_secret" in p.read_text() for p in (m.ROOT / "functions" / name / "src").glob("*.rs"))
        assert ("kms:Decrypt" in granted) == opens, (
            f"functions.json: {name} {'opens' if opens else 'does not open'} the client secrets of UPSTREAM_DIRECTORIES; kms:Decrypt with keys.{data_key}: {granted}"
        )


def test_the_passwords_are_outputs_marked_sensitive_and_replaced_new_before_old():
    for module, password, output in ((ENTRA, "broker", "broker_client_secret"), (ENTRA_EXTERNAL, "control_plane", "client_secret")):
        doc = m.load_dir(module)
        body = m.resources_of(doc)[("azuread_application_password", password)]
        assert "plantimestamp()" in m.expr(body["end_date"]), f"modules/{module.name}: the password ends a set time after it is made"
        lifecycle = body["lifecycle"][0]
        assert lifecycle["create_before_destroy"] is True
        assert lifecycle["ignore_changes"] == ["end_date"], "only its creation sets the end date; later plans must not replace it"
        out = m.named(doc, "output")[output]
        assert out.get("sensitive") is True, f"modules/{module.name}: output {output} must be sensitive"
        assert m.expr(out["value"]) == f"azuread_application_password.{password}.value"
        assert "replace" in (module / "README.md").read_text(), f"modules/{module.name}/README.md: how to rotate"


# --- the two directories ---------------------------------------------------------------------


def test_both_directories_redirect_to_the_callback_oauth_authorize_serves(root):
    local = m.locals_of(root)
    uri = literal(m.expr(local["broker_redirect_uri"]))
    assert uri.endswith(CALLBACK_PATH)
    # oauth-authorize sends <TOKEN_ISSUER>/oauth2/callback to the directory ...
    assert m.expr(local["environment_values"]["TOKEN_ISSUER"]) == "local.token_issuer"
    assert uri == '${trimsuffix(local.token_issuer, "/")}' + CALLBACK_PATH
    lib = rust("functions/oauth-authorize/src/lib.rs")
    assert f'format!("{{}}{CALLBACK_PATH}", self.issuer)' in lib
    logout = rust("functions/oauth-authorize/src/logout.rs")
    assert f'format!("{{}}{LOGGED_OUT_PATH}", self.issuer)' in logout
    assert rust_const("functions/oauth-authorize/src/lib.rs", "LOGGED_OUT") == f"GET {LOGGED_OUT_PATH}"
    assert rust_const("functions/oauth-authorize/src/lib.rs", "CALLBACK") == f"GET {CALLBACK_PATH}"
    # ... a route of the definition, without a token ...
    callbacks = [r for r in m.routes() if r["method"] == "GET" and r["path"] == CALLBACK_PATH]
    assert len(callbacks) == 1 and callbacks[0]["authorizer"] == "none"
    assert "UPSTREAM_DIRECTORIES" in m.functions()[callbacks[0]["function"]]["environment"]
    # ... and both registrations name exactly that.
    calls = m.named(root, "module")
    assert m.expr(calls["entra"]["broker_redirect_uri"]) == "local.broker_redirect_uri"
    assert m.expr(calls["entra_external"]["redirect_uri"]) == "local.broker_redirect_uri"
    for module, app, variable in ((ENTRA, "api", "broker_redirect_uri"), (ENTRA_EXTERNAL, "control_plane", "redirect_uri")):
        doc = m.load_dir(module)
        body = m.resources_of(doc)[("azuread_application", app)]
        assert m.first(body, "web")["redirect_uris"] == [
            f"${{var.{variable}}}",
            f'${{replace(var.{variable}, "{CALLBACK_PATH}", "{LOGGED_OUT_PATH}")}}',
        ], f"modules/{module.name}: a web (confidential) client at the callback, returning to the logged-out page after a logout"
        validation = m.named(doc, "variable")[variable]["validation"][0]["condition"]
        assert f'endswith(var.{variable}, "{CALLBACK_PATH}")' in validation


@pytest.mark.parametrize("module,app", [(ENTRA, "api"), (ENTRA_EXTERNAL, "control_plane")], ids=["workforce", "customer"])
def test_id_tokens_carry_what_the_broker_reads(module, app):
    body = m.resources_of(m.load_dir(module))[("azuread_application", app)]
    claims = {c["name"] for block in body["optional_claims"] for c in block.get("id_token", [])}
    upstream = rust("shared/auth/src/upstream.rs")
    for claim in ("email", "xms_edov", "auth_time"):
        assert f'"{claim}"' in upstream, f"the broker no longer reads {claim}"
        assert claim in claims, f"modules/{module.name}: ID tokens lack {claim}"
    assert body["sign_in_audience"] == "AzureADMyOrg"


def test_the_workforce_broker_is_the_api_app_whose_id_tokens_carry_its_roles():
    doc = m.load_dir(ENTRA)
    api = m.resources_of(doc)[("azuread_application", "api")]
    assert api.get("dynamic") and any("app_role" in d for d in api["dynamic"]), "the roles the ID tokens carry are the API app's"
    outputs = m.named(doc, "output")
    assert m.expr(outputs["broker_client_id"]["value"]) == "azuread_application.api.client_id"
    password = m.resources_of(doc)[("azuread_application_password", "broker")]
    assert m.expr(password["application_id"]) == "azuread_application.api.id"


def test_the_external_issuer_is_the_one_its_tokens_carry():
    outputs = m.named(m.load_dir(ENTRA_EXTERNAL), "output")
    assert outputs["issuer"]["value"] == "https://${var.tenant_id}.ciamlogin.com/${var.tenant_id}/v2.0"


# --- the External ID tenant's provider ----------------------------------------------------------


def test_the_external_module_gets_the_external_tenant_s_provider_and_checks_it(root):
    calls = m.named(root, "module")
    assert calls["entra_external"]["source"] == "../modules/entra-external"
    assert calls["entra_external"]["providers"] == {"azuread": "${azuread.external}"}
    assert "providers" not in calls["entra"], "the workforce registrations use the default azuread provider"
    # Nothing else is made in the External ID tenant.
    for path in m.tf_files():
        text = path.read_text()
        if "azuread.external" in text:
            assert path.parent in (ENVS, CONTROL_PLANE, ENTRA_EXTERNAL), f"{path} uses azuread.external"
    for path, rtype, name, body in m.all_resources() + m.all_resources("data"):
        assert "azuread.external" not in str(body.get("provider", "")), f"{path}: {rtype}.{name} picks the External ID tenant's provider itself"
    # control-plane declares the alias; envs configures and passes it
    versions = m.load_file(CONTROL_PLANE / "versions.tf")["terraform"][0]["required_providers"][0]
    assert versions["azuread"]["configuration_aliases"] == ["${azuread.external}"]
    envs = m.load_dir(ENVS)
    external = [p["azuread"] for p in envs["provider"] if "azuread" in p and p["azuread"].get("alias") == "external"]
    assert external == [{"alias": "external", "tenant_id": "${var.external_id_tenant_id}"}]
    workforce = [p["azuread"] for p in envs["provider"] if "azuread" in p and "alias" not in p["azuread"]]
    assert workforce == [{"tenant_id": "${var.entra_tenant_id}"}]
    providers = m.named(envs, "module")["control_plane"]["providers"]
    assert providers.get("${azuread.external}") == "${azuread.external}"
    # The module is tenant-agnostic: no provider of its own, and it refuses
    # a provider of another tenant than the one it is told.
    ext = m.load_dir(ENTRA_EXTERNAL)
    assert "provider" not in ext
    assert "configuration_aliases" not in str(ext["terraform"])
    app = m.resources_of(ext)[("azuread_application", "control_plane")]
    conditions = [m.expr(p["condition"]) for p in app["lifecycle"][0]["precondition"]]
    assert "data.azuread_client_config.current.tenant_id == var.tenant_id" in conditions
    assert m.expr(calls["entra_external"]["tenant_id"]) == "var.external_id_tenant_id"
    assert m.expr(calls["entra_external"]["subdomain"]) == "var.external_id_subdomain"


# --- the environments' values ----------------------------------------------------------------------


def validation_regex(path, variable: str) -> str:
    condition = m.named(m.load_file(path), "variable")[variable]["validation"][0]["condition"]
    match = re.fullmatch(r'can\(regex\("([^"]+)", var\.' + variable + r"\)\)", m.expr(condition))
    assert match, f"{path}: {variable} must be validated with can(regex(\"...\", var.{variable}))"
    return match.group(1)


@pytest.mark.parametrize("variable,module_variable", [("external_id_tenant_id", "tenant_id"), ("external_id_subdomain", "subdomain")])
def test_the_external_tenant_variables_are_validated_alike_everywhere(variable, module_variable):
    regexes = {
        validation_regex(ENVS / "variables.tf", variable),
        validation_regex(CONTROL_PLANE / "variables.tf", variable),
        validation_regex(ENTRA_EXTERNAL / "variables.tf", module_variable),
    }
    assert len(regexes) == 1, f"{variable} is validated differently: {regexes}"


@pytest.mark.parametrize("value", ["00000000-0000-0000-0000-00000000000A", "not-a-guid", "00000000000000000000000000000000", ""])
def test_a_tenant_id_that_tokens_would_not_match_is_refused(value):
    assert not re.fullmatch(validation_regex(ENVS / "variables.tf", "external_id_tenant_id"), value)


@pytest.mark.parametrize("value", ["Contoso", "contoso.ciamlogin.com", "-contoso", "contoso-", "", "a" * 64])
def test_a_subdomain_that_is_not_one_lowercase_label_is_refused(value):
    assert not re.fullmatch(validation_regex(ENVS / "variables.tf", "external_id_subdomain"), value)


def parse_tfvars(env: str) -> dict:
    import hcl2
    with open(ENVS / f"{env}.tfvars") as fh:
        return m.unquote(hcl2.load(fh))


@pytest.mark.parametrize("env", ENV_NAMES)
def test_each_environment_names_its_external_id_tenant(env):
    tfvars = parse_tfvars(env)
    for variable in ("external_id_tenant_id", "external_id_subdomain"):
        assert variable in tfvars, f"{env}.tfvars: {variable} is not set"
        assert re.fullmatch(validation_regex(ENVS / "variables.tf", variable), tfvars[variable]), f"{env}.tfvars: {variable} is invalid"
    assert tfvars["external_id_tenant_id"] != tfvars["entra_tenant_id"], f"{env}.tfvars: customers sign in at a tenant of their own, not the workforce's"


def test_no_two_environments_share_an_external_id_tenant():
    tfvars = {env: parse_tfvars(env) for env in ENV_NAMES}
    for variable in ("external_id_tenant_id", "external_id_subdomain"):
        values = [tfvars[env][variable] for env in ENV_NAMES]
        assert len(set(values)) == len(values), f"two environments share their {variable}: {values}"


# --- what operators are told ------------------------------------------------------------


def test_cc_log_003_the_authentication_failures_the_functions_count_raise_an_alarm():
    observability = m.load_dir(m.TERRAFORM / "modules" / "observability")
    alarm = m.resources_of(observability)[("aws_cloudwatch_metric_alarm", "auth_failures")]
    metrics = rust("shared/runtime/src/metrics.rs")
    assert rust_const("shared/runtime/src/metrics.rs", "AUTH_FAILURES") == "AuthenticationFailures"
    assert rust_const("shared/runtime/src/metrics.rs", "NAMESPACE") == "SaasControlPlane"
    assert "record_auth_failure" in metrics
    query = m.first(m.first(alarm, "dynamic")["metric_query"], "content")
    metric = m.first(query, "metric")
    assert metric["namespace"] == "SaasControlPlane" and metric["metric_name"] == "AuthenticationFailures"
    counted = set(m.first(alarm, "dynamic")["metric_query"]["for_each"].values())
    # Every function that counts a failure is watched, and only those.
    counting = {
        name for name in m.functions()
        if any("record_auth_failure" in p.read_text() for p in (m.ROOT / "functions" / name / "src").glob("*.rs"))
    }
    assert counted == counting, f"alarm watches {sorted(counted)}, functions counting: {sorted(counting)}"
    assert alarm["alarm_actions"] == "${local.alarm_actions}"
