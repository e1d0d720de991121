"""Every module is small and documented: main.tf, variables.tf, outputs.tf
and a README naming each input and output."""

import re

import pytest

import infra_model as m

MODULE_DIRS = sorted(p for p in (m.TERRAFORM / "modules").iterdir() if p.is_dir())


def test_the_modules_the_issue_asks_for_exist():
    names = {p.name for p in MODULE_DIRS}
    assert {"table", "events", "function", "api", "edge", "observability", "backup"} <= names


@pytest.mark.parametrize("module", MODULE_DIRS, ids=lambda p: p.name)
def test_module_is_documented(module):
    for required in ("main.tf", "variables.tf", "outputs.tf", "README.md"):
        assert (module / required).exists(), f"modules/{module.name}/{required} is missing"
    doc = m.load_dir(module)
    readme = (module / "README.md").read_text()
    documented = set(re.findall(r"`([a-z0-9_]+)`", readme))
    for kind in ("variable", "output"):
        for name, body in m.named(doc, kind).items():
            assert name in documented, f"modules/{module.name}: {kind} {name} is not in its README"
            assert body.get("description"), f"modules/{module.name}: {kind} {name} has no description"
