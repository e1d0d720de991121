//! Read-modify-write of one aggregate (a tenant, an application) with its
//! event, safe under concurrency.
//!
//! The command runs on a fresh, strongly consistent read; its result is
//! written only if nobody changed the item in between (version condition).
//! If somebody did, the command runs once more on the new state, so two
//! racing identical commands end as one change and one no-op, and two
//! conflicting ones end in the order they committed, or as an error when the
//! second no longer applies. A command that changes nothing writes nothing.

use crate::{Store, WriteSet};
use cp_domain::{Error, Transition};
use cp_events::{Envelope, EventContext, Payload};

/// How often a command is run on a state changed by a concurrent writer.
const ATTEMPTS: u32 = 3;

/// What a command decided: nothing to do, or the change and its event.
#[derive(Debug)]
pub enum Decision {
    Unchanged,
    Changed(Box<Envelope>),
}

impl Decision {
    /// The decision for a domain transition: its event if it changed anything.
    pub fn of<P: Payload>(
        transition: Transition,
        payload: &P,
        context: &EventContext,
    ) -> Result<Self, Error> {
        Ok(match transition {
            Transition::Unchanged => Self::Unchanged,
            Transition::Changed => {
                Self::Changed(Box::new(Envelope::new(payload, context.clone())?))
            }
        })
    }
}

/// An item with an optimistic-concurrency version.
pub trait Versioned: Sized {
    type Id: Copy;
    fn load(store: &Store, id: Self::Id) -> impl Future<Output = Result<Option<Self>, Error>>;
    fn save(&self, writes: &mut WriteSet) -> Result<(), Error>;
    fn saved(&mut self);
}

impl Store {
    /// Runs `command` on the item and saves the outcome with its event.
    /// Returns the item as it is afterwards; ERR-RES-404 if there is none.
    pub async fn update<T, F>(&self, id: T::Id, command: F) -> Result<T, Error>
    where
        T: Versioned,
        F: FnMut(&mut T) -> Result<Decision, Error>,
    {
        self.update_guarded(id, command, |_| Ok(())).await
    }

    /// The same, with `guard` adding conditions on other items to the
    /// transaction (e.g. that an application being enabled is Active).
    pub async fn update_guarded<T, F, G>(
        &self,
        id: T::Id,
        mut command: F,
        guard: G,
    ) -> Result<T, Error>
    where
        T: Versioned,
        F: FnMut(&mut T) -> Result<Decision, Error>,
        G: Fn(&mut WriteSet) -> Result<(), Error>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut item = T::load(self, id).await?.ok_or(Error::NotFound)?;
            let event = match command(&mut item)? {
                Decision::Unchanged => return Ok(item),
                Decision::Changed(event) => event,
            };
            let mut writes = self.writes();
            item.save(&mut writes)?;
            writes.event(&event)?;
            guard(&mut writes)?;
            match self.commit(writes).await {
                Ok(_) => {
                    item.saved();
                    return Ok(item);
                }
                Err(Error::Conflict(_)) if attempt < ATTEMPTS => continue,
                Err(e) => return Err(e),
            }
        }
    }
}
