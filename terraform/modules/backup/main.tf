# Daily AWS Backup copies of the table into an encrypted vault, kept for
# retention_days, optionally copied to a vault in another (allowed) region or
# account, next to the table's own 35-day point-in-time recovery
# (NFR-OPS-004: daily backups, 3-2-1, encrypted).

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "backup" {
  name               = "${var.prefix}-backup"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy_attachment" "backup" {
  for_each = toset([
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
  ])

  role       = aws_iam_role.backup.name
  policy_arn = each.value
}

resource "aws_backup_vault" "this" {
  name        = "${var.prefix}-table"
  kms_key_arn = var.kms_key_arn
}

# In compliance mode not even the account's administrators can delete
# recovery points early, or shorten retention, once the grace time is over.
resource "aws_backup_vault_lock_configuration" "this" {
  count = var.vault_lock ? 1 : 0

  backup_vault_name   = aws_backup_vault.this.name
  min_retention_days  = var.retention_days
  max_retention_days  = var.retention_days * 4
  changeable_for_days = 3
}

resource "aws_backup_vault_notifications" "this" {
  backup_vault_name   = aws_backup_vault.this.name
  sns_topic_arn       = var.notification_topic_arn
  backup_vault_events = ["BACKUP_JOB_FAILED", "COPY_JOB_FAILED", "RESTORE_JOB_COMPLETED"]
}

resource "aws_backup_plan" "this" {
  name = "${var.prefix}-table"

  rule {
    rule_name                = "daily"
    target_vault_name        = aws_backup_vault.this.name
    schedule                 = var.schedule
    start_window             = 60
    completion_window        = 360
    enable_continuous_backup = false

    lifecycle {
      delete_after = var.retention_days
    }

    dynamic "copy_action" {
      for_each = var.copy_vault_arn == null ? [] : [var.copy_vault_arn]
      content {
        destination_vault_arn = copy_action.value
        lifecycle {
          delete_after = var.retention_days
        }
      }
    }
  }
}

resource "aws_backup_selection" "table" {
  name         = "${var.prefix}-table"
  plan_id      = aws_backup_plan.this.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = [var.table_arn]
}
