//! Compile errors: each UI test's expected compiler output is its assertion.
//!
//! Two kinds, kept apart because they break for different reasons:
//! - `tests/ui/`: the derive's own messages (`#[dynamo(..)]` mistakes). This project writes
//!   their text; a runtime refactor or a new rustc leaves them as they are.
//! - `tests/ui-types/`: type errors that the runtime's traits turn into messages
//!   (`on_unimplemented`). Their text is rustc's and quotes the runtime's source, so they are
//!   checked on the rustc that recorded them (`tests/ui-types/rustc-version`) and regenerated on
//!   purpose: `TRYBUILD=overwrite cargo test --all-features --test ui`, then read the diff.
//!   The features add types to the lists rustc prints ("the following types implement…"), so
//!   they are compared with every feature on, as CI runs them.

use std::process::Command;

#[test]
fn derive_errors() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}

#[test]
fn type_errors() {
    let recorded = include_str!("ui-types/rustc-version").trim();
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(rustc)
        .arg("--version")
        .output()
        .expect("rustc runs");
    let current = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let overwrite = std::env::var("TRYBUILD").is_ok_and(|v| v == "overwrite");
    let all_features = cfg!(all(
        feature = "chrono",
        feature = "time",
        feature = "uuid",
        feature = "rust_decimal",
        feature = "serde_json",
        feature = "json-schema"
    ));
    if !all_features {
        eprintln!("type-error goldens are recorded with every feature on: run `cargo test --all-features --test ui`");
        return;
    }
    if current != recorded && !overwrite {
        eprintln!(
            "type-error goldens were recorded with {recorded}, this is {current}: not compared; \
             regenerate with `TRYBUILD=overwrite cargo test --all-features --test ui` and read the diff"
        );
        return;
    }
    // Run (and, with TRYBUILD=overwrite, rewrite) before recording the version.
    drop({
        let t = trybuild::TestCases::new();
        t.compile_fail("tests/ui-types/*.rs");
        t
    });
    if overwrite {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ui-types/rustc-version"),
            format!("{current}\n"),
        )
        .expect("the version file is writable");
    }
}
