"""The security headers CloudFront and the local stack both send
(modules/edge/security-headers.json, ADR 0038) are strict, and the edge
module takes every one of them from the file."""

import json

import infra_model as m

EDGE = m.TERRAFORM / "modules" / "edge"
HEADERS = json.loads((EDGE / "security-headers.json").read_text())


def directives():
    csp = HEADERS["content_security_policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}


def test_hsts_is_two_years_with_subdomains_and_preload():
    hsts = HEADERS["strict_transport_security"]
    assert hsts["max_age_seconds"] >= 31536000
    assert hsts["include_subdomains"] is True
    assert hsts["preload"] is True


def test_the_csp_allows_only_the_origin():
    # The console's OpenID Provider is the control plane, on the same origin.
    d = directives()
    assert d["default-src"] == ["'self'"]
    assert d["script-src"] == ["'self'"]
    assert d["style-src"] == ["'self'"]
    assert d["connect-src"] == ["'self'"]
    assert d["frame-ancestors"] == ["'none'"]
    assert d["object-src"] == ["'none'"]
    assert d["base-uri"] == ["'self'"]
    assert "unsafe-inline" not in HEADERS["content_security_policy"]
    assert "unsafe-eval" not in HEADERS["content_security_policy"]


def test_framing_sniffing_referrer_and_features_are_locked_down():
    assert HEADERS["frame_options"] == "DENY"
    assert HEADERS["referrer_policy"] == "strict-origin-when-cross-origin"
    permissions = HEADERS["custom_headers"]["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation"):
        assert f"{feature}=()" in permissions


def test_the_edge_module_takes_every_header_from_the_file():
    main = (EDGE / "main.tf").read_text()
    assert 'jsondecode(file("${path.module}/security-headers.json"))' in main
    for reference in (
        "local.hsts.max_age_seconds",
        "local.hsts.include_subdomains",
        "local.hsts.preload",
        "local.security_headers.frame_options",
        "local.security_headers.referrer_policy",
        "local.security_headers.content_security_policy",
        "local.security_headers.custom_headers",
    ):
        assert reference in main, reference
    assert "content_type_options" in main
