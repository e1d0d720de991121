# The one place where a resource kind named in functions.json's "permissions"
# becomes ARNs (resource_arns), the KMS keys that encrypt it (resource_keys),
# and where a trigger's source is (trigger_sources). The function module
# grants a function its listed actions on exactly these ARNs. A new kind is
# one line here (and one in terraform/tests/infra_model.py, whose test fails
# with a message naming both files until it is there).

locals {
  data_key_arn = module.keys.arns[local.resources.table.encryption_key]
  table_key    = module.keys.arns[local.resources.table.encryption_key]
  queue_keys   = { for name, q in local.resources.queues : name => module.keys.arns[q.encryption_key] }

  resource_arns = merge(
    {
      # The table and its indexes (Query on a GSI is authorised on the index).
      table = [module.table.arn, "${module.table.arn}/index/*"]
      # The domain event bus.
      bus = [module.events.bus_arn]
      # The sender's domain identity and the configuration set every send uses.
      email = [module.email.identity_arn, module.email.configuration_set_arn]
      # Every queue and dead-letter queue (e.g. depth for a health check).
      queues = concat(values(module.events.queue_arns), values(module.events.dead_letter_queue_arns))
      # Every key of resources.json; prefer keys.<name>.
      keys = values(module.keys.arns)
      # CloudWatch metric reads have no resource-level permissions.
      metrics = ["*"]
      # The flag catalog's AppConfig configuration (read by the extension).
      flags = [module.flags.configuration_arn]
      # Where the outbox publisher (and its stream mapping) sets aside what
      # the bus cannot take.
      "outbox.dead_letter" = [module.events.outbox_dead_letter.arn]
      # The key that signs the control plane's tokens now, and every key its
      # JWKS publishes (a rotation's too): the kinds follow a rotation by
      # themselves, where keys.<name> would not.
      "tokens.signing" = [local.token_signing_key]
      "tokens.keys"    = concat([local.token_signing_key], local.token_published_keys)
    },
    # One key of resources.json, e.g. keys.signing.
    { for name, arn in module.keys.arns : "keys.${name}" => [arn] },
    # One queue of resources.json, e.g. queues.audit.
    { for name, arn in module.events.queue_arns : "queues.${name}" => [arn] },
    # One bucket of resources.json and its objects, e.g. buckets.audit-digests.
    { for name, arn in module.buckets.arns : "buckets.${name}" => [arn, "${arn}/*"] },
  )

  resource_keys = merge(
    {
      table                = [local.table_key]
      queues               = distinct(values(local.queue_keys))
      "outbox.dead_letter" = [module.keys.arns[local.resources.outbox.encryption_key]]
    },
    { for name, key in local.queue_keys : "queues.${name}" => [key] },
    # Every bucket's objects are encrypted with the data key.
    { for name, arn in module.buckets.arns : "buckets.${name}" => [local.data_key_arn] },
  )

  trigger_sources = merge(
    {
      "stream.table" = {
        arns                    = [module.table.stream_arn, "${module.table.arn}/stream/*"]
        key_arns                = [local.table_key]
        failure_destination_arn = module.events.outbox_dead_letter.arn
        maximum_record_age_s    = local.resources.outbox.maximum_record_age_s
      }
    },
    {
      for name, arn in module.events.queue_arns : "queue.${name}" => {
        arns     = [arn]
        key_arns = [local.queue_keys[name]]
      }
    },
  )
}
