"""terraform/resources.json -> terraform, and terraform == the local stack:
both are built from the same file, field by field; and what the issue
requires of them (DLQs, retention, encryption, PITR, backups)."""

import re

import pytest

import infra_model as m

CONTROL_PLANE = m.TERRAFORM / "control-plane"
MODULES = m.TERRAFORM / "modules"


@pytest.fixture(scope="module")
def root():
    return m.load_dir(CONTROL_PLANE)


def rust_struct_fields(struct: str) -> set[str]:
    rust = (m.ROOT / "local" / "src" / "definitions.rs").read_text()
    body = re.search(r"pub struct " + struct + r" \{(.*?)\n\}", rust, re.S).group(1)
    return set(re.findall(r"pub (\w+):", body))


def object_attributes(type_expr: str) -> set[str]:
    """Attribute names of a variable's object({...}) type."""
    return set(re.findall(r"(\w+)\s*=\s*(?:string|number|bool|any|list|map|object)", type_expr))


def test_the_resources_file_has_what_both_sides_read():
    res = m.resources()
    assert set(res) - {"$comment"} == rust_struct_fields("Resources")
    for section, struct in (("table", "Table"), ("bus", "Bus"), ("email", "Email")):
        assert set(res[section]) == rust_struct_fields(struct), f"resources.json {section} vs the local stack's {struct}"
    for name, q in res["queues"].items():
        assert set(q) == rust_struct_fields("Queue"), f"queue {name}"
    for name, r in res["rules"].items():
        assert set(r) == rust_struct_fields("Rule"), f"rule {name}"
        assert r["queue"] in res["queues"], f"rule {name} delivers to an undefined queue"
    for name, k in res["keys"].items():
        assert set(k) == rust_struct_fields("Key"), f"key {name}"
    assert res["table"]["encryption_key"] in res["keys"]
    for name, q in res["queues"].items():
        assert q["encryption_key"] in res["keys"], f"queue {name}"


def test_table_is_built_from_every_field_the_local_stack_reads(root):
    call = m.named(root, "module")["table"]
    used = {re.sub(r"^local\.resources\.table\.", "", m.expr(v)) for v in call.values() if isinstance(v, str)}
    for field in rust_struct_fields("Table"):
        if field == "name":
            assert m.expr(call["name"]) == "${local.prefix}-${local.resources.table.name}"
        elif field == "encryption_key":
            assert m.expr(call["kms_key_arn"]) == "module.keys.arns[local.resources.table.encryption_key]"
        else:
            assert field in used, f"the table module does not get resources.json's table.{field}"
            assert m.expr(call[field]) == f"local.resources.table.{field}", f"module.table.{field}"
    index_type = m.named(m.load_dir(MODULES / "table"), "variable")["indexes"]["type"]
    assert object_attributes(index_type) == rust_struct_fields("Index")


def test_bus_queues_rules_and_keys_are_handed_over_whole(root):
    calls = m.named(root, "module")
    events = calls["events"]
    assert m.expr(events["bus"]) == "local.resources.bus"
    assert m.expr(events["queues"]) == "local.resources.queues"
    assert m.expr(events["rules"]) == "local.resources.rules"
    assert m.expr(calls["keys"]["keys"]) == "local.resources.keys"
    # ... and the modules' variable types take exactly the local stack's fields
    ev = m.named(m.load_dir(MODULES / "events"), "variable")
    assert object_attributes(ev["bus"]["type"]) == rust_struct_fields("Bus")
    assert object_attributes(ev["queues"]["type"]) == rust_struct_fields("Queue")
    assert object_attributes(ev["rules"]["type"]) == rust_struct_fields("Rule")
    keys = m.named(m.load_dir(MODULES / "keys"), "variable")
    assert object_attributes(keys["keys"]["type"]) == rust_struct_fields("Key")


def test_names_follow_the_local_stacks_scheme():
    bootstrap = (m.ROOT / "local" / "src" / "bootstrap.rs").read_text()
    assert 'format!("{prefix}{name}-dlq")' in bootstrap
    events = m.resources_of(m.load_dir(MODULES / "events"))
    assert events[("aws_sqs_queue", "dead_letter")]["name"] == "${var.prefix}-${each.key}-dlq"
    assert events[("aws_sqs_queue", "this")]["name"] == "${var.prefix}-${each.key}"


def test_table_keys_gsis_stream_ttl_encryption_pitr_and_protection():
    doc = m.load_dir(MODULES / "table")
    table = m.resources_of(doc)[("aws_dynamodb_table", "this")]
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert m.expr(table["hash_key"]) == "var.partition_key"
    assert m.expr(table["range_key"]) == "var.sort_key"
    assert table["stream_enabled"] is True
    assert m.expr(table["stream_view_type"]) == "var.stream_view_type"
    assert m.first(table, "ttl")["enabled"] is True
    assert m.expr(m.first(table, "ttl")["attribute_name"]) == "var.ttl_attribute"
    sse = m.first(table, "server_side_encryption")
    assert sse["enabled"] is True and m.expr(sse["kms_key_arn"]) == "var.kms_key_arn"
    pitr = m.first(table, "point_in_time_recovery")
    assert pitr["enabled"] is True
    assert m.expr(pitr["recovery_period_in_days"]) == "var.point_in_time_recovery_days"
    variables = m.named(doc, "variable")
    assert variables["point_in_time_recovery_days"]["default"] == 35, "NFR-OPS-004: 35 days of PITR"
    assert variables["deletion_protection"]["default"] is True
    assert "prevent_destroy" in str(table["lifecycle"])
    gsi = next(d["global_secondary_index"] for d in table["dynamic"] if "global_secondary_index" in d)
    assert m.expr(gsi["for_each"]) == "{for index in var.indexes : index.name => index}"
    # the stream carries what the outbox publisher reads
    assert m.resources()["table"]["stream_view_type"] in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")


def test_every_queue_has_a_dead_letter_queue_and_every_delivery_a_fallback():
    queues = [(p, n, b) for p, t, n, b in m.all_resources() if t == "aws_sqs_queue"]
    assert queues, "no queues found"
    dead_letter = {(p, n) for p, n, b in queues if str(b["name"]).endswith("-dlq")}
    for path, name, body in queues:
        assert body.get("kms_master_key_id"), f"{path}: queue {name} is not encrypted with a KMS key"
        if (path, name) in dead_letter:
            continue
        policy = m.expr(body.get("redrive_policy", ""))
        assert "deadLetterTargetArn" in policy and "maxReceiveCount" in policy, f"{path}: queue {name} has no DLQ"
    events = m.resources_of(m.load_dir(MODULES / "events"))
    assert ("aws_sqs_queue_redrive_allow_policy", "dead_letter") in events
    for path, rtype, name, body in m.all_resources():
        if rtype == "aws_cloudwatch_event_target" and "schedule" not in name:
            assert m.first(body, "dead_letter_config"), f"{path}: event target {name} has no dead-letter queue"
    for name, q in m.resources()["queues"].items():
        assert q["max_receive_count"] >= 1 and q["dead_letter_retention_days"] > q["retention_days"], name


def test_every_log_group_has_retention_and_encryption():
    groups = [(p, n, b) for p, t, n, b in m.all_resources() if t == "aws_cloudwatch_log_group"]
    assert len(groups) >= 2
    for path, name, body in groups:
        assert body.get("retention_in_days") not in (None, 0), f"{path}: log group {name} keeps logs forever"
        assert body.get("kms_key_id"), f"{path}: log group {name} is not encrypted with the data key"


def test_data_at_rest_is_encrypted_nfr_sec_002():
    by_type = {}
    for path, rtype, name, body in m.all_resources():
        by_type.setdefault(rtype, []).append((path, name, body))
    for _, name, body in by_type["aws_sns_topic"]:
        assert body.get("kms_master_key_id"), f"topic {name}"
    for _, name, body in by_type["aws_backup_vault"]:
        assert body.get("kms_key_arn"), f"vault {name}"
    for _, name, body in by_type["aws_cloudwatch_event_archive"]:
        assert body.get("kms_key_identifier"), f"archive {name}"
    buckets = {n for _, n, _ in by_type["aws_s3_bucket"]}
    encrypted = {m.referenced_name(b["bucket"]) for _, _, b in by_type["aws_s3_bucket_server_side_encryption_configuration"]}
    assert buckets <= encrypted, f"buckets without encryption: {buckets - encrypted}"
    blocked = {m.referenced_name(b["bucket"]) for _, _, b in by_type["aws_s3_bucket_public_access_block"]}
    assert buckets <= blocked, f"buckets without a public access block: {buckets - blocked}"
    key = m.resources_of(m.load_dir(MODULES / "keys"))[("aws_kms_key", "this")]
    assert "each.value.rotation" in m.expr(key["enable_key_rotation"])
    for name, k in m.resources()["keys"].items():
        if k["spec"] == "SYMMETRIC_DEFAULT":
            assert k["rotation"], f"symmetric key {name} should rotate"


def test_backups_daily_35_days_encrypted_nfr_ops_004(root):
    doc = m.load_dir(MODULES / "backup")
    plan = m.resources_of(doc)[("aws_backup_plan", "this")]
    rule = m.first(plan, "rule")
    assert re.fullmatch(r"cron\(\d+ \d+ \* \* \? \*\)", m.named(doc, "variable")["schedule"]["default"]), "daily"
    assert m.expr(m.first(rule, "lifecycle")["delete_after"]) == "var.retention_days"
    retention = m.named(doc, "variable")["retention_days"]
    assert retention["default"] >= 35
    assert "var.retention_days >= 35" in retention["validation"][0]["condition"]
    selection = m.resources_of(doc)[("aws_backup_selection", "table")]
    assert m.expr(selection["resources"]) == ["${var.table_arn}"] or selection["resources"] == ["${var.table_arn}"]
    assert m.expr(m.named(root, "module")["backup"]["table_arn"]) == "module.table.arn"


def test_application_tokens_use_the_defined_key_and_audience(root):
    main = (CONTROL_PLANE / "main.tf").read_text()
    for field in rust_struct_fields("Tokens"):
        assert f"local.resources.tokens.{field}" in main, f"terraform does not read tokens.{field} of resources.json"
    res = m.resources()
    key = res["keys"][res["tokens"]["signing_key"]]
    assert key["usage"] == "SIGN_VERIFY", "application tokens are signed by an asymmetric key"
    values = m.locals_of(root)["environment_values"]
    assert m.expr(values["TOKEN_SIGNING_KEY"]) == "local.token_signing_key"
    api = m.named(root, "module")["api"]
    assert m.expr(api["token_issuer"]) == "local.token_issuer" and m.expr(values["TOKEN_ISSUER"]) == "local.token_issuer"
    assert m.expr(api["token_audiences"]) == ["${local.token_audience}"] or api["token_audiences"] == ["${local.token_audience}"]


def test_the_flag_catalog_is_published_and_read_through_the_appconfig_extension(root):
    res = m.resources()
    assert set(res["flags"]) - {"$comment"} == rust_struct_fields("Flags")
    assert (m.ROOT / res["flags"]["catalog"]).exists()
    call = m.named(root, "module")["flags"]
    assert m.expr(call["catalog"]) == 'file("${path.module}/../../${local.resources.flags.catalog}")'
    module = m.load_dir(m.TERRAFORM / "modules" / "flags")
    kinds = {kind for kind, _ in m.resources_of(module)}
    assert {
        "aws_appconfig_application",
        "aws_appconfig_environment",
        "aws_appconfig_configuration_profile",
        "aws_appconfig_hosted_configuration_version",
        "aws_appconfig_deployment_strategy",
        "aws_appconfig_deployment",
    } <= kinds
    values = m.locals_of(root)["environment_values"]
    assert values["FLAG_CATALOG_URL"].startswith("http://localhost:2772"), "functions read the extension's endpoint"
    # Exactly the functions that read the catalog get the extension.
    fn = m.named(root, "module")["function"]
    assert 'contains(keys(each.value.permissions), "flags")' in m.expr(fn["layers"])
    assert "data.aws_lambda_layer_version.appconfig_extension.arn" in m.expr(fn["layers"]), "the layer is read at plan time"
    assert any("flags" in f["permissions"] for f in m.functions().values())


RESIDENCY_REGIONS = ["ap-northeast-1", "ap-northeast-3", "eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2"]


@pytest.mark.parametrize("region", RESIDENCY_REGIONS)
def test_every_region_an_environment_may_use_has_its_own_arm64_appconfig_extension(root, region):
    """ADR 0032: the layer is AWS's, per region and architecture; a layer of
    another region cannot be attached, so each allowed region needs its own."""
    layers = m.locals_of(root)["appconfig_extension_layers"]
    region_validation = m.first(m.named(root, "variable")["region"], "validation")["condition"]
    assert m.eval_contains_condition(region_validation, "region", region)
    arn = layers[region]
    assert re.fullmatch(rf"arn:aws:lambda:{region}:[0-9]{{12}}:layer:AWS-AppConfig-Extension-Arm64:[0-9]+", arn), arn


def test_an_appconfig_extension_of_another_region_fails_the_plan(root):
    data = m.resources_of(root, "data")[("aws_lambda_layer_version", "appconfig_extension")]
    condition = m.expr(m.first(m.first(data, "lifecycle"), "precondition")["condition"])
    assert condition == "local.appconfig_extension_layer[3] == var.region"
    assert m.expr(data["layer_name"]) == "join(\":\", slice(local.appconfig_extension_layer, 0, 7))"
