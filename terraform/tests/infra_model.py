"""What the infrastructure checks know, in one place.

The checks read functions/functions.json and terraform/resources.json and
the terraform itself; they keep no list of functions, routes or queues. They
do know the vocabulary terraform understands, mirrored here from the one
place in terraform that implements each word:

* RESOURCE_KINDS / RESOURCE_KIND_FAMILIES: permission resource kinds
  (terraform/control-plane/permissions.tf, local.resource_arns);
* TRIGGER_TYPES: trigger types (terraform/modules/function/triggers.tf);
* WRITE_ACTION: what counts as writing (terraform/modules/function/main.tf,
  local.write_action_pattern).

A test compares each with its terraform twin, so extending one without the
other fails with a message naming both.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import hcl2

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
FUNCTIONS_JSON = ROOT / "functions" / "functions.json"
RESOURCES_JSON = TERRAFORM / "resources.json"

PERMISSIONS_TF = "terraform/control-plane/permissions.tf"
TRIGGERS_TF = "terraform/modules/function/triggers.tf"

# kind -> what its ARNs are (documentation for failure messages)
RESOURCE_KINDS = {
    "table": "the table and its indexes",
    "bus": "the event bus",
    "email": "the SES identity and configuration set",
    "queues": "every queue and dead-letter queue",
    "keys": "every KMS key",
    "metrics": "* (CloudWatch reads)",
    "flags": "the flag catalog's AppConfig configuration",
    "outbox.dead_letter": "the outbox's dead-letter queue",
    "tokens.signing": "the key that signs the control plane's tokens now",
    "tokens.keys": "the keys its JWKS publishes (the signing key and a rotation's)",
}
# "<family>.<name>": one member of a collection of resources.json
RESOURCE_KIND_FAMILIES = {"keys": "keys", "queues": "queues", "buckets": "buckets"}

TRIGGER_TYPES = {"http", "stream", "queue", "schedule"}

WRITE_ACTION = r":(Put|Update|Delete|BatchWrite|Send|Create)"

# A route's "authorizer" values (the local gateway's Authorizer enum) and the
# default, as terraform reads them.
ROUTE_AUTHORIZERS = {"jwt", "app", "none"}
DEFAULT_AUTHORIZER = "jwt"


def functions() -> dict:
    return json.loads(FUNCTIONS_JSON.read_text())["functions"]


def resources() -> dict:
    return json.loads(RESOURCES_JSON.read_text())


class UnknownKind(AssertionError):
    pass


def resolve_kind(kind: str, res: dict, where: str = "") -> str:
    """What a permission's resource kind grants on, or a failure that says
    which two files to extend."""
    if kind in RESOURCE_KINDS:
        return RESOURCE_KINDS[kind]
    family, _, member = kind.partition(".")
    if family in RESOURCE_KIND_FAMILIES and member:
        collection = res.get(RESOURCE_KIND_FAMILIES[family], {})
        if member in collection:
            return f"{family} {member}"
        raise UnknownKind(f"{where}: permission kind {kind!r} names no {family[:-1]} {member!r} of terraform/resources.json")
    raise UnknownKind(
        f"{where}: permission kind {kind!r} is unknown to terraform. Add it to local.resource_arns in "
        f"{PERMISSIONS_TF} and to RESOURCE_KINDS in terraform/tests/infra_model.py"
    )


def route_authorizer(route: dict) -> str:
    """The authorizer of a route, exactly as terraform/control-plane/main.tf
    and the local gateway read it."""
    return route.get("authorizer", DEFAULT_AUTHORIZER)


def routes() -> list[dict]:
    out = []
    for name, f in functions().items():
        if f["trigger"]["type"] == "http":
            for r in f["trigger"].get("routes", []):
                out.append({"function": name, "method": r["method"], "path": r["path"], "authorizer": route_authorizer(r)})
    return out


# --- reading terraform ---------------------------------------------------------


def unquote(value):
    """python-hcl2 keeps string literals quoted and wraps expressions in
    ${...}; this returns plain strings for literals, recursively."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"' and '"' not in value[1:-1].replace('\\"', ""):
            return value[1:-1].replace('\\"', '"')
        return value
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if not k.startswith("__")}
    return value


def expr(value) -> str:
    """An expression's text without the ${ } python-hcl2 puts around it."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        depth = 0
        for i, ch in enumerate(value):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0 and i != len(value) - 1:
                    return value  # a template: "${a}/${b}"
        return value[2:-1]
    return value


def referenced_name(value) -> str:
    """The resource name in a reference: `aws_s3_bucket.<name>.id`, or
    `aws_s3_bucket.<name>[each.key].id` for a resource per entry."""
    return expr(value).split(".")[1].split("[")[0]


_cache: dict[Path, dict] = {}


def load_file(path: Path) -> dict:
    if path not in _cache:
        with open(path) as fh:
            _cache[path] = unquote(hcl2.load(fh))
    return _cache[path]


def tf_files(directory: Path | None = None, recursive: bool = True) -> list[Path]:
    directory = directory or TERRAFORM
    pattern = "**/*.tf" if recursive else "*.tf"
    return sorted(p for p in directory.glob(pattern) if "node_modules" not in p.parts and ".terraform" not in p.parts)


def load_dir(directory: Path) -> dict:
    """Every top-level block of a module (its .tf files), merged."""
    merged: dict[str, list] = {}
    for path in tf_files(directory, recursive=False):
        for key, blocks in load_file(path).items():
            merged.setdefault(key, []).extend(blocks)
    return merged


def named(doc: dict, kind: str) -> dict[str, dict]:
    """variable/module/output blocks by name."""
    out = {}
    for block in doc.get(kind, []):
        for name, body in block.items():
            out[name] = body
    return out


def resources_of(doc: dict, kind: str = "resource") -> dict[tuple[str, str], dict]:
    """resource or data blocks by (type, name)."""
    out = {}
    for block in doc.get(kind, []):
        for rtype, by_name in block.items():
            for name, body in by_name.items():
                out[(rtype, name)] = body
    return out


def all_resources(kind: str = "resource") -> list[tuple[Path, str, str, dict]]:
    out = []
    for path in tf_files():
        for (rtype, name), body in resources_of(load_file(path), kind).items():
            out.append((path, rtype, name, body))
    return out


def locals_of(doc: dict) -> dict:
    out = {}
    for block in doc.get("locals", []):
        out.update(block)
    return out


def first(body: dict, key: str):
    """A nested block's first instance (python-hcl2 gives blocks as lists)."""
    value = body.get(key)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def eval_contains_condition(condition: str, variable: str, value: str) -> bool:
    """Evaluates the one form of region validation terraform uses here:
    contains([<string literals>], var.<variable>)."""
    text = expr(condition).strip()
    match = re.fullmatch(r"contains\(\s*(\[[^\]]*\])\s*,\s*var\." + re.escape(variable) + r"\s*\)", text)
    assert match, f"the validation must read contains([...], var.{variable}) to be checked here; it reads {text!r}"
    allowed = json.loads(match.group(1))
    assert all(isinstance(a, str) for a in allowed)
    return value in allowed
