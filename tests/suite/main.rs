//! The integration tests, as one test binary: one DynamoDB Local shared by every module, and
//! one link of the SDK instead of one per file (on 2 cores, linking ~33 binaries took minutes
//! of every fresh `cargo test`). Each module was a test binary of its own; run one with
//! `cargo test --test suite MODULE` (a name filter), e.g. `cargo test --test suite faults`.
//!
//! Binaries of their own: `tests/local.rs`, which sets environment variables (`PATH`,
//! `DYNAMODB_ENDPOINT`) that are the whole process's, and `tests/spans.rs`, which sets a
//! `tracing` subscriber.

mod common;

mod batch;
#[cfg(feature = "blocking")]
mod blocking;
mod capacity;
#[cfg(feature = "cli")]
mod cli;
mod conditions_local;
mod conformance;
mod crud;
mod debug;
mod defaults;
#[cfg(all(
    feature = "chrono",
    feature = "time",
    feature = "uuid",
    feature = "rust_decimal",
    feature = "serde_json"
))]
mod ecosystem;
mod enums;
mod expressions;
mod faults;
#[cfg(feature = "json-schema")]
mod json_schema;
mod limits;
mod local_detached;
mod nested;
mod pipeline;
mod query;
mod render_prop;
mod retry_identity;
mod roundtrip_prop;
mod schema;
#[cfg(feature = "serverless")]
mod serverless;
mod single_table;
#[cfg(feature = "streams")]
mod streams;
mod timestamps;
mod transact;
mod ttl;
mod types;
mod updates_local;
mod validation;
mod version;
