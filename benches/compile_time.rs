//! Compile time: `cargo build` (debug) of a crate of 50 models with `#[derive(Model)]`, beside
//! the same 50 structs with serde's derives converted through serde_dynamo. Both crates are
//! generated under `target/compile-time/` and share target folders, so their dependencies are
//! built once (the first run takes minutes); each timed build then compiles only the crate
//! itself, after a change to a comment in its source. Two ways: a full build of the crate
//! (`CARGO_INCREMENTAL=0`: what a clean build, CI or a release pays for the generated code)
//! and an incremental rebuild (the edit-compile loop, where most of the crate is reused and the
//! derives' expansion is most of what is left). The two crates alternate, 5 rounds of each
//! way; each figure is a median.
//!
//! `cargo bench --bench compile_time`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const MODELS: usize = 50;
const ROUNDS: usize = 5;

/// The fields of every generated struct: the kinds a model usually has.
const FIELDS: &str = "
    pub id: String,
    pub sk: String,
    pub name: String,
    pub email: Option<String>,
    pub age: u32,
    pub balance: f64,
    pub active: bool,
    pub tags: std::collections::HashSet<String>,
    pub recent: Vec<String>,
    pub address: std::collections::HashMap<String, String>,
";

fn derived_source() -> String {
    let mut source = String::from("use dynamo_model::prelude::*;\n");
    for i in 0..MODELS {
        source.push_str(&format!(
            "#[derive(Model, Debug, Clone, PartialEq)]\n#[dynamo(table = \"table{i}\")]\npub struct Model{i} {{\n    #[dynamo(hash_key)]{FIELDS}}}\n\
             pub fn round_trip{i}(m: &Model{i}) -> Model{i} {{ Model{i}::from_item(m.to_item().unwrap()).unwrap() }}\n"
        ));
    }
    // The `#[dynamo(hash_key)]` above marks `id`; `sk` becomes the range key here.
    source.replace(
        "    pub sk: String,",
        "    #[dynamo(range_key)]\n    pub sk: String,",
    )
}

fn serde_source() -> String {
    let mut source = String::from(
        "use serde::{Deserialize, Serialize};\n\
         pub type Item = std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;\n",
    );
    for i in 0..MODELS {
        source.push_str(&format!(
            "#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]\npub struct Model{i} {{{FIELDS}}}\n\
             pub fn round_trip{i}(m: &Model{i}) -> Model{i} {{ let item: Item = serde_dynamo::to_item(m).unwrap(); serde_dynamo::from_item(item).unwrap() }}\n"
        ));
    }
    source
}

/// Writes a crate: its manifest (its own workspace, the workspace's dependency versions and
/// dev profile) and `src/lib.rs`.
fn write_crate(dir: &Path, name: &str, dependencies: &str, source: &str, root: &Path) {
    std::fs::create_dir_all(dir.join("src")).expect("create the crate's folder");
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n[dependencies]\n{dependencies}\n\n\
         [profile.dev.package.\"*\"]\nopt-level = 1\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    std::fs::write(dir.join("src/lib.rs"), source).expect("write lib.rs");
    // The workspace's lock file: the same dependency versions as the library is built with.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
}

/// Builds the crate at `dir` into `target`, after changing a comment in its source so that the
/// crate itself is compiled again; `incremental` as cargo's dev profile does, or not at all.
fn build(dir: &Path, target: &Path, incremental: bool) -> Duration {
    let lib = dir.join("src/lib.rs");
    let source = std::fs::read_to_string(&lib).expect("read lib.rs");
    // Rewritten with a changed comment: a new modification time and new content.
    let stamp = format!("// {:?}\n", Instant::now());
    let body = source
        .split_once('\n')
        .filter(|(first, _)| first.starts_with("// "))
        .map_or(source.as_str(), |(_, rest)| rest);
    std::fs::write(&lib, format!("{stamp}{body}")).expect("write lib.rs");
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    // As from a shell: the variables the outer `cargo bench` set (or inherited, such as
    // `CARGO_PROFILE_*`) would otherwise change the dependencies' fingerprints between runs.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_") && name != "CARGO_HOME" {
            cargo.env_remove(name.as_ref());
        }
    }
    let started = Instant::now();
    let status = cargo
        .args(["build", "--quiet", "--offline"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", if incremental { "1" } else { "0" })
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build in {}", dir.display());
    started.elapsed()
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    println!();
    let base = root.join("target/compile-time");
    let target = base.join("target");
    let runtime = root.join("dynamo-model");
    let derived = base.join("derived");
    let serde = base.join("serde");
    write_crate(
        &derived,
        "fifty_derived_models",
        &format!(
            "dynamo-model = {{ path = {:?} }}",
            runtime.display().to_string()
        ),
        &derived_source(),
        &root,
    );
    write_crate(
        &serde,
        "fifty_serde_models",
        "serde = { version = \"1\", features = [\"derive\"] }\n\
         serde_dynamo = { version = \"4.3\", features = [\"aws-sdk-dynamodb+1\"] }\n\
         aws-sdk-dynamodb = \"1.136\"",
        &serde_source(),
        &root,
    );
    // One target folder per way: switching incremental compilation would rebuild the path
    // dependencies (the library and its derive) between the timed builds.
    let full = base.join("target-full");
    for (way, target, incremental) in [
        ("full build of the crate", &full, false),
        ("incremental rebuild", &target, true),
    ] {
        // Dependencies first, not timed.
        build(&derived, target, incremental);
        build(&serde, target, incremental);
        let mut times = [Vec::new(), Vec::new()];
        for round in 0..ROUNDS {
            for side in [round % 2, 1 - round % 2] {
                let dir = if side == 0 { &derived } else { &serde };
                times[side].push(build(dir, target, incremental));
            }
        }
        let [ours, theirs] = times.map(median);
        println!(
            "cargo build (debug) of {MODELS} models, {way}, median of {ROUNDS}: #[derive(Model)] {:.2} s, serde derives + serde_dynamo {:.2} s, ratio {:.2}",
            ours.as_secs_f64(),
            theirs.as_secs_f64(),
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
    }
    println!();
}
