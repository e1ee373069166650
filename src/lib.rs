//! The unpublished workspace package: it owns `examples/`, `tests/` and `benches/`, which use
//! `dynamo-model` only through its public API, exactly as a user would. It has no code itself.
