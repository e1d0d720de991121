//! Capacity at the sizes the requirements name, through the local gateway.
//! Ignored in the suite's run: `scripts/test.sh` runs them alone afterwards
//! (`-- --ignored`).

mod members;
