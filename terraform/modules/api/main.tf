# The HTTP API: one JWT authorizer at the edge (the control plane's own
# tokens, people's and applications' alike), one integration per function's
# alias, the routes of functions/functions.json, a default stage
# with JSON access logs (no personal data) and throttling.

resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  description   = "The control plane's HTTP API."
  protocol_type = "HTTP"
}

# The only issuer the API trusts: the control plane, as OpenID Provider for
# people (the console, cpctl) and authorization server for applications
# (client credentials), every token signed by its KMS key
# (doc/adr/0042). The directories people sign in at are trusted only by the
# endpoints that receive their tokens, never here.
resource "aws_apigatewayv2_authorizer" "control_plane" {
  api_id           = aws_apigatewayv2_api.this.id
  name             = "control-plane"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = var.token_issuer
    audience = var.token_audiences
  }
}

locals {
  routes          = { for route in var.routes : "${route.method} ${route.path}" => route }
  route_functions = toset([for route in var.routes : route.function])
  # A route's authorizer, as the local gateway reads it from functions.json:
  # people's routes and applications' are verified alike (the function tells
  # the callers apart).
  authorizer_ids = {
    jwt  = aws_apigatewayv2_authorizer.control_plane.id
    app  = aws_apigatewayv2_authorizer.control_plane.id
    none = null
  }
}

resource "aws_apigatewayv2_integration" "this" {
  for_each = local.route_functions

  api_id                 = aws_apigatewayv2_api.this.id
  description            = "The alias of ${var.functions[each.key].function_name}."
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = var.functions[each.key].alias_invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = var.integration_timeout_ms
}

resource "aws_apigatewayv2_route" "this" {
  for_each = local.routes

  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.this[each.value.function].id}"
  authorization_type = each.value.authorizer == "none" ? "NONE" : "JWT"
  authorizer_id      = local.authorizer_ids[each.value.authorizer]
}

# API Gateway may invoke a function's alias for that function's routes only.
resource "aws_lambda_permission" "this" {
  for_each = local.routes

  statement_id  = "api-${substr(sha1(each.key), 0, 16)}"
  action        = "lambda:InvokeFunction"
  function_name = var.functions[each.value.function].function_name
  qualifier     = var.functions[each.value.function].alias_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*/${each.value.method}${each.value.path}"
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  # One JSON line per request. No source IP, user agent, token claims or
  # query string: nothing that identifies a person (CC-LOG-002). The request
  # id is returned to clients as apigw-requestid and joins these lines to
  # the function's own logs.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTimeEpoch"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      authorizerError    = "$context.authorizer.error"
    })
  }

  default_route_settings {
    throttling_burst_limit   = var.throttling_burst_limit
    throttling_rate_limit    = var.throttling_rate_limit
    detailed_metrics_enabled = true
  }
}
