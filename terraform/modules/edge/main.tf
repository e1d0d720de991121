# One domain for people and applications: CloudFront serves the console (the
# SPA, from a private S3 bucket through origin access control) and forwards
# the API's paths to the HTTP API, behind AWS WAF and a security headers
# policy. AWS WAF cannot attach to an HTTP API, hence CloudFront in front of
# it (ADR 0020).

data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

data "aws_cloudfront_cache_policy" "disabled" {
  name = "Managed-CachingDisabled"
}

data "aws_cloudfront_origin_request_policy" "all_viewer_except_host" {
  name = "Managed-AllViewerExceptHostHeader"
}

locals {
  # The security headers, defined once: the local stack serves the same
  # (local/src/console.rs reads this file too).
  security_headers = jsondecode(file("${path.module}/security-headers.json"))
  hsts             = local.security_headers.strict_transport_security
  console_origin   = "console"
  api_origin       = "api"
  api_domain       = trimprefix(var.api_endpoint, "https://")
}

# --- the console's bucket ----------------------------------------------------

resource "aws_s3_bucket" "console" {
  #checkov:skip=CKV_AWS_18:The console's static files are public through CloudFront; reads are CloudFront's, writes the pipeline's (CloudTrail).
  #checkov:skip=CKV_AWS_144:The build in git and the pipeline's artifacts can rebuild it; no cross-region copy needed.
  #checkov:skip=CKV_AWS_145:Static public assets, no customer data: SSE-S3 (AES-256) meets NFR-SEC-002 without a key policy for CloudFront.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to uploads of the console.
  bucket_prefix = "${var.name}-console-"
}

resource "aws_s3_bucket_public_access_block" "console" {
  bucket                  = aws_s3_bucket.console.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "console" {
  bucket = aws_s3_bucket.console.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "console" {
  bucket = aws_s3_bucket.console.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "console" {
  bucket = aws_s3_bucket.console.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "console" {
  bucket = aws_s3_bucket.console.id
  rule {
    id     = "old-builds"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "console" {
  statement {
    sid       = "CloudFrontReads"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.console.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.this.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.console.arn, "${aws_s3_bucket.console.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "console" {
  bucket = aws_s3_bucket.console.id
  policy = data.aws_iam_policy_document.console.json

  depends_on = [aws_s3_bucket_public_access_block.console]
}

resource "aws_cloudfront_origin_access_control" "console" {
  name                              = "${var.name}-console"
  description                       = "CloudFront signs its requests to the console bucket."
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# The SPA's client-side routes (/tenants/42) are served index.html; files
# (a dot in the last segment) pass unchanged. Only the default behaviour runs
# it, so API paths never see it.
resource "aws_cloudfront_function" "spa_routes" {
  name    = "${var.name}-spa-routes"
  runtime = "cloudfront-js-2.0"
  comment = "Serve index.html for the console's own routes."
  publish = true
  code    = file("${path.module}/spa-routes.js")
}

# The console reads its environment at start (one build for every
# environment); the pipeline's upload of the build leaves this file alone.
resource "aws_s3_object" "console_config" {
  count         = var.console_config == null ? 0 : 1
  bucket        = aws_s3_bucket.console.id
  key           = "config.json"
  content_type  = "application/json"
  cache_control = "no-cache"

  content = jsonencode({
    api_base_url = ""
    authority    = var.console_config.authority
    client_id    = var.console_config.client_id
    scope        = var.console_config.scope
    api_token    = "access_token"
  })
}

# --- security headers ----------------------------------------------------------

resource "aws_cloudfront_response_headers_policy" "security" {
  #checkov:skip=CKV_AWS_259:HSTS comes from security-headers.json (2 years, includeSubDomains, preload), which checkov cannot read; terraform/tests/test_security_headers.py checks it.
  name    = "${var.name}-security-headers"
  comment = "Security headers on every response."

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = local.hsts.max_age_seconds
      include_subdomains         = local.hsts.include_subdomains
      preload                    = local.hsts.preload
      override                   = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = local.security_headers.frame_options
      override     = true
    }
    referrer_policy {
      referrer_policy = local.security_headers.referrer_policy
      override        = true
    }
    content_security_policy {
      content_security_policy = local.security_headers.content_security_policy
      override                = true
    }
  }

  custom_headers_config {
    dynamic "items" {
      for_each = local.security_headers.custom_headers
      content {
        header   = items.key
        value    = items.value
        override = true
      }
    }
  }

  remove_headers_config {
    items {
      header = "Server"
    }
  }
}

# --- the distribution ------------------------------------------------------------

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_86:No CloudFront access logs: they hold client IP addresses (personal data); the API's own access logs carry request-level records without them (CC-LOG-002).
  #checkov:skip=CKV_AWS_310:The API origin has no failover twin: an HTTP API is regional; the console origin is S3 (11 nines).
  #checkov:skip=CKV_AWS_374:The control plane is used worldwide by its customers; no geo restriction.
  #checkov:skip=CKV2_AWS_47:The WAF ACL carries AWSManagedRulesKnownBadInputsRuleSet (Log4j included); checkov cannot see through the module variable.
  #checkov:skip=CKV2_AWS_42:A custom certificate is used as soon as domain_names and certificate_arn are set; the sandbox may run on the default *.cloudfront.net certificate.
  #checkov:skip=CKV_AWS_174:TLSv1.2_2021 is set whenever a custom certificate is; the default certificate cannot choose.
  enabled             = true
  comment             = var.name
  aliases             = var.domain_names
  default_root_object = "index.html"
  http_version        = "http2and3"
  is_ipv6_enabled     = true
  price_class         = var.price_class
  web_acl_id          = aws_wafv2_web_acl.this.arn

  origin {
    origin_id                = local.console_origin
    domain_name              = aws_s3_bucket.console.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.console.id
  }

  origin {
    origin_id   = local.api_origin
    domain_name = local.api_domain

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id           = local.console_origin
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.spa_routes.arn
    }
  }

  # The API's paths: never cached, every header but Host forwarded (API
  # Gateway routes by its own host name).
  dynamic "ordered_cache_behavior" {
    for_each = var.api_paths
    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = local.api_origin
      viewer_protocol_policy     = "https-only"
      allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods             = ["GET", "HEAD"]
      compress                   = true
      cache_policy_id            = data.aws_cloudfront_cache_policy.disabled.id
      origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
      response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.certificate_arn == null
    acm_certificate_arn            = var.certificate_arn
    ssl_support_method             = var.certificate_arn == null ? null : "sni-only"
    minimum_protocol_version       = var.certificate_arn == null ? "TLSv1" : "TLSv1.2_2021"
  }
}
