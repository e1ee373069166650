//! The write pipeline and the read pipeline: the one place each rule of a model is applied.
//!
//! Every operation passes through here, so a rule cannot hold on one operation and lapse on
//! another:
//! - [`write`]: a model value becomes the item to store (validation, `force_default`, `set`
//!   transforms, `constant`, version, timestamps, limits), for create, put, batch puts and
//!   transaction puts; and the conditions every conditional write shares (TTL: an expired item
//!   counts as absent).
//! - [`update`]: an update's actions get the same rules (type checks of untyped paths, rules
//!   and transforms of values, guards for relative updates, version, timestamps, `constant`,
//!   required attributes of an upsert).
//! - [`identity`]: what identifies a single-item write (its write token, its version), and
//!   the verdict on one whose answer was lost.
//! - [`read`]: a stored item becomes a model (TTL hiding, `get` transforms, defaults, aliases,
//!   `constant` check), for get, batch get, transaction get, query, scan, stream, count and the
//!   items writes return.

pub(crate) mod identity;
pub(crate) mod read;
pub(crate) mod update;
pub(crate) mod write;
