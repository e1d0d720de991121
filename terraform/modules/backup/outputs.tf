output "vault_name" {
  description = "Backup vault."
  value       = aws_backup_vault.this.name
}

output "plan_id" {
  description = "Backup plan."
  value       = aws_backup_plan.this.id
}
