variable "name" {
  description = "Name of the configuration set, with the environment prefix."
  type        = string
}

variable "domain" {
  description = "Domain the sender address belongs to (DKIM records are published for it)."
  type        = string
}
