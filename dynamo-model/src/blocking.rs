//! A blocking facade for synchronous code (feature `blocking`): scripts, command-line tools,
//! tests without an async runtime.
//!
//! Every request builder is the same as in async code; [`Wait::wait`] sends it and waits for
//! the answer, on a runtime the library keeps for this (started on first use, two threads):
//!
//! ```
//! use dynamo_model::blocking::Wait;
//! use dynamo_model::prelude::*;
//!
//! #[derive(Model, Debug, Clone, PartialEq)]
//! #[dynamo(table = "notes")]
//! struct Note {
//!     #[dynamo(hash_key)]
//!     id: String,
//!     text: String,
//! }
//!
//! fn main() -> Result<(), Error> {
//! #   #[cfg(feature = "local")]
//! #   {
//!     // DynamoDB Local (feature "local"); on AWS: `let db = dynamo_model::blocking::from_env();`
//!     let local = dynamo_model::blocking::local()?;
//!     let db = local.db();
//!     db.create_table::<Note>().if_not_exists().send().wait()?;
//!     let note = Note { id: "n1".into(), text: "no runtime in sight".into() };
//!     db.put(&note).send().wait()?;
//!     assert_eq!(db.get(NoteKey::new("n1")).send().wait()?, Some(note));
//!     let all: Vec<Note> = db.scan::<Note>().all().wait()?;
//!     assert_eq!(all.len(), 1);
//! #   }
//!     Ok(())
//! }
//! ```
//!
//! Called from inside an async runtime (a tokio task, an `async fn`, and also the runtime's
//! `spawn_blocking` threads, which this cannot tell apart), blocking would stall the thread the
//! runtime needs, and could deadlock it: `wait` refuses instead, with
//! [`Error::InvalidRequest`] saying to `.await` the request there. It never panics.

use std::future::Future;
use std::sync::OnceLock;

use futures::{Stream, StreamExt};

use crate::error::{Error, Result};

/// The runtime blocking calls run on, started on first use and kept for the process.
fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("dynamo-model-blocking")
        .enable_all()
        .build()
        .map_err(|e| Error::Internal {
            message: format!("the blocking facade could not start its runtime: {e}"),
        })?;
    Ok(RUNTIME.get_or_init(|| runtime))
}

/// Refuses to block a thread an async runtime drives.
fn outside_async() -> Result<()> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::InvalidRequest {
            message: "a blocking call (`wait`) inside an async runtime would stall it: `.await` the request there instead (or call `wait` from a thread of your own, outside the runtime)".into(),
        });
    }
    Ok(())
}

/// Sends a request and waits for its answer: `.send().wait()`, `.all().wait()`,
/// `.count().wait()`, on every builder.
pub trait Wait {
    /// What the request gives.
    type Output;

    /// Runs the request to its end on the facade's runtime, blocking this thread.
    ///
    /// # Errors
    ///
    /// The request's own errors; [`Error::InvalidRequest`] when called inside an async runtime.
    fn wait(self) -> Result<Self::Output>;
}

impl<F, T, E> Wait for F
where
    F: Future<Output = std::result::Result<T, E>>,
    Error: From<E>,
{
    type Output = T;

    fn wait(self) -> Result<T> {
        outside_async()?;
        Ok(runtime()?.block_on(self)?)
    }
}

/// A stream of results (`query().stream()`, `scan().stream()`) as a blocking iterator: one page
/// is held at a time, as by the stream. Inside an async runtime, its first item is the error
/// [`Wait::wait`] gives there.
pub fn iter<S, T>(stream: S) -> impl Iterator<Item = Result<T>>
where
    S: Stream<Item = Result<T>>,
{
    let mut stream = Box::pin(stream);
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        match outside_async().and_then(|()| runtime()) {
            Ok(runtime) => runtime.block_on(stream.next()),
            Err(error) => {
                done = true;
                Some(Err(error))
            }
        }
    })
}

/// A [`Db`](crate::Db) configured by the standard AWS chain, as [`Db::from_env`](crate::Db::from_env).
///
/// # Errors
///
/// [`Error::InvalidRequest`] when called inside an async runtime.
pub fn from_env() -> Result<crate::Db> {
    async { Ok::<_, Error>(crate::Db::from_env().await) }.wait()
}

/// Starts DynamoDB Local, as [`DynamoDbLocal::start`](crate::local::DynamoDbLocal::start)
/// (feature `local`); it stops when dropped.
///
/// # Errors
///
/// [`Error::Local`] when it cannot start; [`Error::InvalidRequest`] inside an async runtime.
#[cfg(feature = "local")]
pub fn local() -> Result<crate::local::DynamoDbLocal> {
    crate::local::DynamoDbLocal::start().wait()
}
