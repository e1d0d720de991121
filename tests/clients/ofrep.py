"""A managed application reading its tenant's flags with the OpenFeature
Python SDK and openfeature-provider-ofrep, unchanged. Driven by the flag
tests (tests/tests/e2e/flag/openfeature.rs): prints one JSON line per step."""

import json
import os
import time

from openfeature import api
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext

env = os.environ


def say(**line):
    print(json.dumps(line), flush=True)


def text(value):
    return None if value is None else getattr(value, "value", value)


api.set_provider(
    OFREPProvider(
        env["OFREP_URL"],
        headers_factory=lambda: {"Authorization": f"Bearer {env['OFREP_TOKEN']}"},
    )
)
client = api.get_client()
context = EvaluationContext(targeting_key="user-42", attributes={"tenantId": env["TENANT_ID"]})

first = client.get_boolean_details("new-editor", False, context)
say(
    step="initial",
    value=first.value,
    reason=text(first.reason),
    variant=first.variant,
    projects=client.get_integer_value("max-projects", 0, context),
    support=client.get_string_value("support-tier", "", context),
    limits=client.get_object_value("rate-limits", {}, context),
)

# The operator changes the flag now; poll until the change shows.
now = first
deadline = time.monotonic() + 30
while now.value == first.value and time.monotonic() < deadline:
    time.sleep(int(env.get("POLL_MS", "500")) / 1000)
    now = client.get_boolean_details("new-editor", False, context)
say(step="changed", value=now.value, reason=text(now.reason), variant=now.variant)

other = client.get_boolean_details(
    "new-editor",
    False,
    EvaluationContext(targeting_key="user-42", attributes={"tenantId": env["OTHER_TENANT_ID"]}),
)
say(step="cross-tenant", value=other.value, reason=text(other.reason), errorCode=text(other.error_code))

missing = client.get_boolean_details("no-such-flag", True, context)
say(step="missing", value=missing.value, errorCode=text(missing.error_code))
