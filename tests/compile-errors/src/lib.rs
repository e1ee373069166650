//! Nothing: this crate holds the compile-error tests (`tests/ui.rs`) of dynamo-model's derive
//! and traits, apart from the workspace's other tests so that their build is the library's alone.
