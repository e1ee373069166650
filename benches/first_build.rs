//! The build a user pays for: a clean `cargo build` (debug, then release) of a minimal service
//! that depends on dynamo-model — a model, `Db::from_env`, a put and a get — beside the same
//! service on the bare SDK as its documentation shows it (`aws-config` and `aws-sdk-dynamodb`
//! with their default features). Each crate is generated under `target/first-build/` and built
//! in an empty target folder of its own, with the workspace's `Cargo.lock` (the same versions
//! as the rest of the benches); the figures are the wall time, the crates compiled and the
//! stripped release binary. One build each: a clean build takes minutes, and its spread from
//! run to run is a few percent.
//!
//! `cargo bench --bench first_build` (about 20 minutes on 2 cores);
//! `FIRST_BUILD_LIBRARY=/path/to/dynamo-model` builds against another checkout's library (to
//! compare with an earlier version).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const LIBRARY_SOURCE: &str = r#"use dynamo_model::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "notes")]
pub struct Note {
    #[dynamo(hash_key)]
    pub owner: String,
    #[dynamo(range_key)]
    pub id: String,
    pub text: String,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let db = Db::from_env().await;
    let note = Note { owner: "u1".into(), id: "n1".into(), text: "hello".into() };
    db.put(&note).send().await?;
    let read = db.get(NoteKey::new("u1", "n1")).send().await?;
    println!("{read:?}");
    Ok(())
}
"#;

const BARE_SOURCE: &str = r#"use aws_sdk_dynamodb::types::AttributeValue;

#[tokio::main]
async fn main() -> Result<(), aws_sdk_dynamodb::Error> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    client
        .put_item()
        .table_name("notes")
        .item("owner", AttributeValue::S("u1".into()))
        .item("id", AttributeValue::S("n1".into()))
        .item("text", AttributeValue::S("hello".into()))
        .send()
        .await?;
    let read = client
        .get_item()
        .table_name("notes")
        .key("owner", AttributeValue::S("u1".into()))
        .key("id", AttributeValue::S("n1".into()))
        .send()
        .await?;
    println!("{:?}", read.item);
    Ok(())
}
"#;

/// Writes a crate with `dependencies` and `source` into `dir`, with the lock file of the
/// workspace at `root`.
fn write_crate(dir: &Path, name: &str, dependencies: &str, source: &str, root: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\n{dependencies}\n\n[profile.release]\nstrip = true\n\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), source).unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// One clean build: its wall time and the crates it compiled.
fn build(dir: &Path, target: &Path, release: bool) -> (Duration, usize) {
    let mut command = Command::new(env!("CARGO"));
    command
        .arg("build")
        .arg("--offline")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS");
    if release {
        command.arg("--release");
    }
    let started = Instant::now();
    let output = command.output().expect("cargo runs");
    let elapsed = started.elapsed();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}: {log}", dir.display());
    let crates = log
        .lines()
        .filter(|l| l.trim_start().starts_with("Compiling"))
        .count();
    (elapsed, crates)
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let library = std::env::var("FIRST_BUILD_LIBRARY")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("dynamo-model"));
    // The lock file of the library's own workspace: the versions it was built with.
    let lock_root = library.parent().unwrap_or(&root).to_path_buf();
    let base = root.join("target/first-build");
    let crates = [
        (
            "dynamo-model",
            format!(
                "dynamo-model = {{ path = {:?} }}\ntokio = {{ version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }}",
                library.display().to_string()
            ),
            LIBRARY_SOURCE,
        ),
        (
            "bare-sdk",
            "aws-config = { version = \"1\", features = [\"behavior-version-latest\"] }\n\
             aws-sdk-dynamodb = \"1\"\n\
             tokio = { version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }"
                .to_owned(),
            BARE_SOURCE,
        ),
    ];
    println!(
        "\nclean build of a minimal service (library at {})",
        library.display()
    );
    println!(
        "{:<14} {:>12} {:>8} {:>14} {:>8} {:>16}",
        "service", "debug", "crates", "release", "crates", "release, stripped"
    );
    for (name, dependencies, source) in crates {
        let dir = base.join(name);
        let target = base.join(format!("{name}-target"));
        let _ = std::fs::remove_dir_all(&target);
        write_crate(
            &dir,
            &name.replace('-', "_"),
            &dependencies,
            source,
            &lock_root,
        );
        let (debug, debug_crates) = build(&dir, &target, false);
        let (release, release_crates) = build(&dir, &target, true);
        let binary = target.join("release").join(name.replace('-', "_"));
        let size = std::fs::metadata(&binary).map(|m| m.len()).unwrap_or(0);
        println!(
            "{name:<14} {:>10.0} s {debug_crates:>8} {:>12.0} s {release_crates:>8} {:>12.1} MiB",
            debug.as_secs_f64(),
            release.as_secs_f64(),
            size as f64 / (1024.0 * 1024.0)
        );
        let _ = std::fs::remove_dir_all(&target);
    }
}
