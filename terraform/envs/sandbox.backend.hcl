# State of the sandbox environment, in the state account (replace the
# account id with yours; see doc/deployment.md).
bucket = "cp-terraform-state-111111111111"
key    = "control-plane/sandbox.tfstate"
region = "eu-central-1"
assume_role = {
  role_arn = "arn:aws:iam::111111111111:role/cp-state-sandbox"
}
