//! The local stack against its definitions: what moto reports back about
//! the resources the stack created equals `terraform/resources.json`.

mod local_stack;
