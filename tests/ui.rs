//! Derive errors: each UI test's expected compiler output is its assertion.

#[test]
fn derive_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
