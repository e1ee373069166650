//! Compile errors: each UI test's expected compiler output is its assertion.
//!
//! Two kinds, kept apart because they break for different reasons:
//! - `tests/ui/`: the derive's own messages (`#[dynamo(..)]` mistakes). This project writes
//!   their text; a runtime refactor or a new rustc leaves them as they are.
//! - `tests/ui-types/`: type errors that the runtime's traits turn into messages
//!   (`on_unimplemented`). Their text is rustc's and quotes the runtime's source, so they are
//!   checked on the rustc that recorded them (`tests/ui-types/rustc-version`, which `build.rs`
//!   compares) with every feature on (the features add types to the lists rustc prints, "the
//!   following types implement…"), as CI runs them; elsewhere the test is ignored, its reason
//!   in the summary. Regenerated on purpose: `TRYBUILD=overwrite cargo test --all-features
//!   -p dynamo-model-compile-errors -- --include-ignored`, then read the diff.

#[test]
fn derive_errors() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}

#[test]
#[cfg_attr(
    not(all(
        ui_goldens_rustc,
        feature = "chrono",
        feature = "time",
        feature = "uuid",
        feature = "rust_decimal",
        feature = "serde_json",
        feature = "json-schema"
    )),
    ignore = "type-error goldens are compared on the rustc in tests/ui-types/rustc-version with every feature on"
)]
fn type_errors() {
    let overwrite = std::env::var("TRYBUILD").is_ok_and(|v| v == "overwrite");
    // Run (and, with TRYBUILD=overwrite, rewrite) before recording the version.
    drop({
        let t = trybuild::TestCases::new();
        t.compile_fail("tests/ui-types/*.rs");
        t
    });
    if overwrite {
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
        let output = std::process::Command::new(rustc)
            .arg("--version")
            .output()
            .expect("rustc runs");
        let current = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ui-types/rustc-version"),
            format!("{current}\n"),
        )
        .expect("the version file is writable");
    }
}
