//! Tells `tests/ui.rs` whether this rustc is the one its type-error goldens were recorded with
//! (`cfg(ui_goldens_rustc)`), so that on another rustc the test is reported as ignored, with
//! its reason, instead of passing without comparing anything.

use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ui_goldens_rustc)");
    println!("cargo::rerun-if-changed=tests/ui-types/rustc-version");
    let recorded = std::fs::read_to_string("tests/ui-types/rustc-version").unwrap_or_default();
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let current = Command::new(rustc)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    if !current.is_empty() && current == recorded.trim() {
        println!("cargo::rustc-cfg=ui_goldens_rustc");
    }
}
