output "id" {
  description = "API id (CloudWatch dimension ApiId)."
  value       = aws_apigatewayv2_api.this.id
}

output "endpoint" {
  description = "The API's own https endpoint (CloudFront's second origin)."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "execution_arn" {
  description = "Execution ARN."
  value       = aws_apigatewayv2_api.this.execution_arn
}

output "stage_name" {
  description = "The stage serving the routes."
  value       = aws_apigatewayv2_stage.default.name
}

output "route_keys" {
  description = "Every route key (METHOD path)."
  value       = keys(aws_apigatewayv2_route.this)
}
