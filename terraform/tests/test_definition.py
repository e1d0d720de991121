"""functions/functions.json -> terraform: every function, route, permission,
trigger and environment variable is deployed from the definition, and from
nothing else (NFR-SEC-005, ADR 0004)."""

import re

import pytest

import infra_model as m

CONTROL_PLANE = m.TERRAFORM / "control-plane"
FUNCTION_MODULE = m.TERRAFORM / "modules" / "function"
API_MODULE = m.TERRAFORM / "modules" / "api"


@pytest.fixture(scope="module")
def root():
    return m.load_dir(CONTROL_PLANE)


@pytest.fixture(scope="module")
def fn_module():
    return m.load_dir(FUNCTION_MODULE)


def test_terraform_reads_both_definitions_the_local_stack_reads(root):
    local = m.locals_of(root)
    for name, target in (("definition", m.FUNCTIONS_JSON), ("resources", m.RESOURCES_JSON)):
        match = re.fullmatch(r'jsondecode\(file\("\$\{path\.module\}/([^"]+)"\)\)', m.expr(local[name]))
        assert match, f"local.{name} must be jsondecode(file(...)); it is {local[name]!r}"
        assert (CONTROL_PLANE / match.group(1)).resolve() == target.resolve()
    assert m.expr(local["functions"]) == "local.definition.functions"
    # the Rust local stack compiles the same two files in
    rust = (m.ROOT / "local" / "src" / "definitions.rs").read_text()
    assert 'include_str!("../../functions/functions.json")' in rust
    assert 'include_str!("../../terraform/resources.json")' in rust


def test_every_function_has_exactly_one_module_instance(root):
    calls = m.named(root, "module")
    function_calls = {name: body for name, body in calls.items() if body["source"] == "../modules/function"}
    assert list(function_calls) == ["function"], "one module call, for_each over the definition"
    assert m.expr(function_calls["function"]["for_each"]) == "local.functions"
    # ... so the instances are exactly the definition's keys, each once.
    assert len(m.functions()) == len(set(m.functions()))
    # No Lambda function is created anywhere but in the function module, and
    # no other configuration instantiates it.
    for path, rtype, name, _ in m.all_resources():
        if rtype == "aws_lambda_function":
            assert path.parent == FUNCTION_MODULE, f"{path}: a Lambda function outside the function module"
    for path in m.tf_files():
        for name, body in m.named(m.load_file(path), "module").items():
            if body["source"].endswith("modules/function"):
                assert path.parent == CONTROL_PLANE, f"{path}: module {name} instantiates functions outside the definition"


def test_every_function_is_a_crate_with_a_binary_of_its_name():
    for name in m.functions():
        cargo = m.ROOT / "functions" / name / "Cargo.toml"
        assert cargo.exists(), f"{name}: functions/{name}/Cargo.toml is missing"
        bins = re.findall(r'\[\[bin\]\]\s*\nname\s*=\s*"([^"]+)"', cargo.read_text())
        assert bins == [name], f"{name}: its crate must build one binary named {name!r} (packaging zips it as bootstrap)"


def test_function_module_gets_its_settings_from_the_definition(root):
    call = m.named(root, "module")["function"]
    for arg, source in {
        "description": "each.value.description",
        "memory_mb": "each.value.memory_mb",
        "timeout_s": "each.value.timeout_s",
        "trigger": "each.value.trigger",
        "permissions": "each.value.permissions",
    }.items():
        assert m.expr(call[arg]) == source, f"module.function.{arg}"
    assert m.expr(call["artifact_key"]) == "functions/${var.release}/${each.key}.zip"


def test_lambda_is_arm64_provided_al2023_with_alias_and_traffic_shifting(fn_module):
    res = m.resources_of(fn_module)
    fn = res[("aws_lambda_function", "this")]
    assert fn["runtime"] == "provided.al2023"
    assert fn["architectures"] == ["arm64"]
    assert fn["handler"] == "bootstrap"
    assert fn["publish"] is True
    assert m.expr(fn["memory_size"]) == "var.memory_mb"
    assert m.expr(fn["timeout"]) == "var.timeout_s"
    alias = res[("aws_lambda_alias", "live")]
    assert "function_version" in str(alias["lifecycle"]) and "routing_config" in str(alias["lifecycle"])
    group = res[("aws_codedeploy_deployment_group", "this")]
    rollback = m.first(group, "auto_rollback_configuration")
    assert rollback["enabled"] is True and "DEPLOYMENT_STOP_ON_ALARM" in rollback["events"]
    assert m.expr(m.first(group, "alarm_configuration")["alarms"]) == "var.rollback_alarm_names"
    assert m.first(group, "deployment_style")["deployment_type"] == "BLUE_GREEN"
    # every trigger and route invokes the alias, never $LATEST
    triggers = m.load_file(FUNCTION_MODULE / "triggers.tf")
    for (rtype, name), body in m.resources_of(triggers).items():
        if rtype == "aws_lambda_event_source_mapping":
            assert m.expr(body["function_name"]) == "aws_lambda_alias.live.arn", name
        if rtype == "aws_cloudwatch_event_target":
            assert m.expr(body["arn"]) == "aws_lambda_alias.live.arn", name


# --- routes ------------------------------------------------------------------------


def test_every_route_of_the_definition_is_a_route_of_the_api(root):
    routes = m.routes()
    keys = [f"{r['method']} {r['path']}" for r in routes]
    assert len(keys) == len(set(keys)), f"two functions define the same route: {sorted(k for k in keys if keys.count(k) > 1)}"
    for name, f in m.functions().items():
        if f["trigger"]["type"] == "http":
            assert f["trigger"].get("routes"), f"{name}: an http function without routes"
    for r in routes:
        assert r["authorizer"] in m.ROUTE_AUTHORIZERS, f"{r['function']}: route authorizer {r['authorizer']!r} is not one of {sorted(m.ROUTE_AUTHORIZERS)}"
        assert re.fullmatch(r"GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS", r["method"]), r
        assert re.fullmatch(r"/[A-Za-z0-9._~{}+/-]*", r["path"]), r
    # terraform computes the same list: local.routes over every http trigger,
    # with the same default authorizer ...
    local_routes = m.expr(m.locals_of(root)["routes"])
    assert "for name, f in local.functions" in local_routes and 'f.trigger.type == "http"' in local_routes
    assert f'authorizer = try(route.authorizer, "{m.DEFAULT_AUTHORIZER}")' in local_routes
    # ... hands it to the api module, which makes one route per METHOD path
    assert m.expr(m.named(root, "module")["api"]["routes"]) == "local.routes"
    api = m.load_dir(API_MODULE)
    route = m.resources_of(api)[("aws_apigatewayv2_route", "this")]
    assert m.expr(route["for_each"]) == "local.routes"
    assert '"${route.method} ${route.path}" => route' in m.expr(m.locals_of(api)["routes"])
    assert m.expr(route["route_key"]) == "each.key"
    # ... the authorizers it accepts and maps are the ones checked here ...
    validation = [v for v in m.named(api, "variable")["routes"]["validation"] if "route.authorizer" in v["condition"]][0]
    assert set(re.findall(r'"(\w+)"', validation["condition"])) == m.ROUTE_AUTHORIZERS
    assert set(m.locals_of(api)["authorizer_ids"]) == m.ROUTE_AUTHORIZERS
    # ... and they are the local gateway's, with the same default
    rust = (m.ROOT / "local" / "src" / "definitions.rs").read_text()
    variants = re.search(r"pub enum Authorizer \{(.*?)\n\}", rust, re.S).group(1)
    assert {v.lower() for v in re.findall(r"^\s*([A-Z][a-z]+),", variants, re.M)} == m.ROUTE_AUTHORIZERS
    assert re.search(r"#\[default\]\s*" + m.DEFAULT_AUTHORIZER.capitalize() + ",", variants)


def test_api_invokes_only_the_route_it_serves(root):
    api = m.load_dir(API_MODULE)
    perm = m.resources_of(api)[("aws_lambda_permission", "this")]
    assert m.expr(perm["for_each"]) == "local.routes"
    assert m.expr(perm["source_arn"]).endswith("/*/${each.value.method}${each.value.path}")
    assert "alias_name" in m.expr(perm["qualifier"])


# --- permissions ---------------------------------------------------------------------


def terraform_resource_kinds() -> tuple[set[str], set[str]]:
    """The kinds and kind families local.resource_arns defines."""
    text = (m.ROOT / m.PERMISSIONS_TF).read_text()
    block = re.search(r"resource_arns = merge\((.*?)\n  \)", text, re.S).group(1)
    static = set(re.findall(r'^      "?([a-z_.]+)"? += ', block, re.M))
    families = set(re.findall(r'"([a-z_]+)\.\$\{name\}" =>', block))
    return static, families


def test_every_permission_kind_is_known_to_terraform():
    res = m.resources()
    for name, f in m.functions().items():
        for kind in f["permissions"]:
            m.resolve_kind(kind, res, where=f"functions.json: {name}")


def test_the_checks_and_terraform_know_the_same_resource_kinds():
    static, families = terraform_resource_kinds()
    assert static == set(m.RESOURCE_KINDS), (
        f"{m.PERMISSIONS_TF} and terraform/tests/infra_model.py disagree on resource kinds: "
        f"terraform {sorted(static)}, checks {sorted(m.RESOURCE_KINDS)}"
    )
    assert families == set(m.RESOURCE_KIND_FAMILIES)


def test_an_unknown_kind_fails_with_a_message_naming_both_files():
    with pytest.raises(m.UnknownKind, match="permissions.tf"):
        m.resolve_kind("bucket", m.resources(), where="a new function")
    with pytest.raises(m.UnknownKind, match="no key 'nope'"):
        m.resolve_kind("keys.nope", m.resources(), where="a new function")


def policy_statements(fn_module) -> dict[str, dict]:
    doc = m.resources_of(fn_module, "data")[("aws_iam_policy_document", "this")]
    out = {}
    for st in doc.get("statement", []):
        out[st["sid"]] = st
    for dyn in doc.get("dynamic", []):
        body = dyn["statement"]
        content = m.first(body, "content")
        out[content["sid"]] = {"for_each": body["for_each"], **content}
    return out


def runtime_lists(fn_module) -> dict:
    local = m.locals_of(fn_module)
    return {
        "log": local["runtime_log_actions"],
        "tracing": local["runtime_tracing_actions"],
        "kms_read": local["kms_read_actions"],
        "kms_write": local["kms_write_actions"],
        "trigger": local["trigger_actions"],
        "write_pattern": local["write_action_pattern"],
    }


def test_a_role_is_granted_exactly_its_definition_plus_documented_runtime_needs(fn_module):
    statements = policy_statements(fn_module)
    # The statements of every function's policy, and where their actions come from.
    expected_sources = {
        "OwnLogGroup": "local.runtime_log_actions",
        "Tracing": "local.runtime_tracing_actions",
        'replace("Definition${title(statement.key)}", "/[^0-9A-Za-z]/", "")': "statement.value",
        "Trigger": "local.trigger_actions[local.trigger_type]",
        "KeysOfWhatItReads": "local.kms_read_actions",
        "KeysOfWhatItWrites": "local.kms_write_actions",
    }
    got = {m.expr(sid): m.expr(st["actions"]) for sid, st in statements.items()}
    assert got == expected_sources, "the function role's statements changed: update this test and the module README"
    definition = statements['${replace("Definition${title(statement.key)}", "/[^0-9A-Za-z]/", "")}']
    assert m.expr(definition["for_each"]) == "var.permissions"
    assert m.expr(definition["resources"]) == "var.resource_arns[statement.key]"
    assert statements["OwnLogGroup"]["resources"] == ["${aws_cloudwatch_log_group.this.arn}:*"]
    lists = runtime_lists(fn_module)
    assert lists["write_pattern"] == m.WRITE_ACTION, "terraform's write_action_pattern and infra_model.WRITE_ACTION differ"
    # every runtime extra is documented in the module's README
    readme = (FUNCTION_MODULE / "README.md").read_text()
    for action in lists["log"] + lists["tracing"] + lists["kms_read"] + lists["kms_write"] + sum(lists["trigger"].values(), []):
        assert f"`{action}`" in readme, f"{action} is not documented in modules/function/README.md"


def effective_actions(name: str, f: dict, lists: dict) -> set[str]:
    actions = set(lists["log"]) | set(lists["tracing"])
    for kind, granted in f["permissions"].items():
        actions |= set(granted)
    actions |= set(lists["trigger"][f["trigger"]["type"]])
    res = m.resources()
    encrypted = {"table"} | {"queues"} | {f"queues.{q}" for q in res["queues"]}
    touches_encrypted = any(k in encrypted for k in f["permissions"]) or f["trigger"]["type"] in ("stream", "queue")
    if touches_encrypted:
        actions |= set(lists["kms_read"])
    writes_encrypted = any(
        k in encrypted and any(re.search(m.WRITE_ACTION, a) for a in acts) for k, acts in f["permissions"].items()
    )
    if writes_encrypted:
        actions |= set(lists["kms_write"])
    return actions


# GET-only functions that write, and why. The OpenID Provider's
# authorization endpoint and its callback are GET by the protocol (RFC 6749
# §3.1, OpenID Connect Core 1.0 §3.1.2.1): a browser is redirected there, and
# they record the pending sign-in, the code and the session (doc/adr/0042).
# So is its end-session endpoint (RP-Initiated Logout 1.0 §2), which ends
# the session; the page the directory returns to after it only reads.
GET_WRITERS = {
    "oauth-authorize": [
        ("GET", "/oauth2/authorize"),
        ("GET", "/oauth2/callback"),
        ("GET", "/oauth2/logout"),
        ("GET", "/oauth2/logged-out"),
    ],
}


def test_nfr_sec_005_each_role_holds_its_definitions_actions_and_readers_write_only_session_records(fn_module):
    lists = runtime_lists(fn_module)
    extras = set(lists["log"]) | set(lists["tracing"]) | set(lists["kms_read"]) | set(lists["kms_write"]) | set(sum(lists["trigger"].values(), []))
    report = []
    for name, f in m.functions().items():
        actions = effective_actions(name, f, lists)
        own = set(sum(f["permissions"].values(), []))
        assert own <= actions
        assert actions - own <= extras, f"{name}: undocumented actions {sorted(actions - own - extras)}"
        routes = f["trigger"].get("routes", [])
        if name in GET_WRITERS:
            served = sorted((r["method"], r["path"]) for r in routes)
            assert served == sorted(GET_WRITERS[name]), f"{name} writes on GET only for {GET_WRITERS[name]}; it serves {served}"
            assert all(r.get("authorizer") == "none" for r in routes), f"{name}: a browser arrives there without a token"
        elif f["trigger"]["type"] == "http" and routes and all(r["method"] == "GET" for r in routes) and name != "member-me":
            runtime = set(lists["log"]) | set(lists["tracing"])
            writes = sorted(a for a in actions - runtime if re.search(m.WRITE_ACTION, a) or a in lists["kms_write"])
            # A person's first request of a sign-in session records it
            # (ADR 0013): functions people call may put that item (with the
            # table key's encryption that a write needs), and nothing else.
            if any(r.get("authorizer", "jwt") == "jwt" for r in routes):
                writes = [a for a in writes if a != "dynamodb:PutItem" and a not in lists["kms_write"]]
            assert not writes, f"{name} only reads but its role may {writes}"
        report.append(f"{name}: {len(actions)} actions ({', '.join(sorted(own))})")
    print("\n".join(report))


def test_a_consumer_may_only_receive_from_its_own_queue_and_a_stream_reader_only_read_the_stream(root):
    text = (m.ROOT / m.PERMISSIONS_TF).read_text()
    assert '"queue.${name}" => {\n        arns     = [arn]' in text, "a queue trigger's source is that queue only"
    stream = re.search(r'"stream.table" = \{\n\s+arns\s+= \[(.*?)\]', text)
    assert stream and stream.group(1) == 'module.table.stream_arn, "${module.table.arn}/stream/*"', (
        "a stream trigger's source is the table's stream only"
    )


# --- triggers and environment ----------------------------------------------------------


def test_every_trigger_type_is_known_and_its_source_exists(fn_module):
    res = m.resources()
    lists = runtime_lists(fn_module)
    assert set(lists["trigger"]) == m.TRIGGER_TYPES, f"{m.TRIGGERS_TF} and infra_model.TRIGGER_TYPES differ"
    validation = m.named(fn_module, "variable")["trigger"]["validation"][0]["condition"]
    assert set(re.findall(r'"(\w+)"', validation.split("],")[0])) == m.TRIGGER_TYPES
    for name, f in m.functions().items():
        t = f["trigger"]
        assert t["type"] in m.TRIGGER_TYPES, (
            f"functions.json: {name}: trigger type {t['type']!r} is unknown to terraform; add it to {m.TRIGGERS_TF} "
            "and to TRIGGER_TYPES in terraform/tests/infra_model.py"
        )
        if t["type"] == "queue":
            assert t["queue"] in res["queues"], f"{name}: queue {t['queue']!r} is not in resources.json"
        if t["type"] == "stream":
            assert t["source"] == "table", f"{name}: only the table has a stream"
        if t["type"] == "schedule":
            assert re.fullmatch(r"(rate|cron)\(.+\)", t.get("expression", "")), f"{name}: a schedule needs rate(...) or cron(...)"


def test_every_environment_variable_has_a_value_in_terraform(root):
    values = m.locals_of(root)["environment_values"]
    env_rs = (m.ROOT / "shared" / "runtime" / "src" / "env.rs").read_text()
    constants = set(re.findall(r'pub const [A-Z_]+: &str = "([A-Z_]+)";', env_rs))
    assert set(values) <= constants | set(values)
    for name, f in m.functions().items():
        for var in f["environment"]:
            assert var in values, (
                f"functions.json: {name} reads {var}, which terraform gives no value: "
                "add it to local.environment_values in terraform/control-plane/main.tf"
            )
    for var in values:
        assert var in constants, f"terraform sets {var}, which shared/runtime/src/env.rs does not read"
    call = m.named(root, "module")["function"]
    assert m.expr(call["environment"]) == '{for v in each.value.environment : v => lookup(local.environment_values, v, "")}'
    readme = (CONTROL_PLANE / "README.md").read_text()
    for var in values:
        assert f"`{var}`" in readme, f"terraform/control-plane/README.md does not list {var} among environment_values"


def test_uc_tenant_sso_no_deployed_function_trusts_an_origin_past_the_ssrf_guard(root):
    # Only the local stack lets requests reach its own loopback services past
    # the egress guard (its identity provider stands in for a tenant's
    # issuer); a deployed function must never be given the variable.
    env_rs = (m.ROOT / "shared" / "runtime" / "src" / "env.rs").read_text()
    (variable,) = re.findall(r'pub const EGRESS_TRUSTED_ORIGINS: &str = "([A-Z_]+)";', env_rs)
    assert variable not in m.locals_of(root)["environment_values"]
    for path in m.tf_files(m.ROOT / "terraform"):
        assert variable not in path.read_text(), f"{path} names {variable}"
    for name, f in m.functions().items():
        assert variable not in f["environment"], f"functions.json: {name} reads {variable}"
