//! Command Post's pure core: incident lifecycle, roles, deadlines, policy and the chat command
//! grammar. No IO and no clock: the `commandpost` crate's engine calls it with `now` and turns its
//! decisions into effects.

pub mod commands;
pub mod domain;
