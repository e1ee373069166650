//! A DynamoDB Local that outlives the process that starts it (`local::Detached`): found again
//! from its folder, its data kept across a restart, stopped by its recorded pid.

use crate::common;

use dynamo_model::local::Detached;
use dynamo_model::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "kept")]
struct Kept {
    #[dynamo(hash_key)]
    id: String,
    text: String,
}

/// Whether a process is running (not exited, not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().to_owned())
        })
        .is_some_and(|state| !state.starts_with(['Z', 'X']))
}

#[tokio::test]
async fn a_detached_server_is_found_again_keeps_its_data_and_stops_by_pid() {
    let dir = std::env::temp_dir().join(format!("dynamo-model-detached-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let first = Detached::start(&dir).await.unwrap();
    assert!(alive(first.pid()));
    assert!(
        first.endpoint().starts_with("http://127.0.0.1:"),
        "loopback only"
    );
    let db = first.db();
    db.create_table::<Kept>().send().await.unwrap();
    let item = Kept {
        id: "k1".into(),
        text: "survives a restart".into(),
    };
    db.put(&item).send().await.unwrap();

    // Another "process" (a fresh lookup) finds the same server; starting again reuses it.
    let found = Detached::find(&dir).await.unwrap().expect("it is running");
    assert_eq!(found, first);
    assert_eq!(Detached::start(&dir).await.unwrap(), first);

    // Stopped by its pid: gone, and no longer found.
    found.stop().await.unwrap();
    assert!(!alive(first.pid()));
    assert_eq!(Detached::find(&dir).await.unwrap(), None);

    // Started again on the same folder: the table and the item are still there.
    let second = Detached::start(&dir).await.unwrap();
    assert_ne!(second.pid(), first.pid());
    let read = second.db().get(KeptKey::new("k1")).send().await.unwrap();
    assert_eq!(read, Some(item));

    // A stale record (a pid that is not that server) is not trusted.
    second.clone().stop().await.unwrap();
    std::fs::write(
        dir.join("dynamodb-local.pid"),
        format!("{} 1\n", std::process::id()),
    )
    .unwrap();
    assert_eq!(Detached::find(&dir).await.unwrap(), None);
    assert!(
        !dir.join("dynamodb-local.pid").exists(),
        "the stale record is removed"
    );
    assert!(alive(std::process::id()), "and its pid is left alone");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The example command (`examples/local_server.rs`), run as a user runs it: `start`, `status`
/// and `stop` as separate processes.
#[test]
fn the_local_server_example_starts_reports_and_stops_across_processes() {
    let example = common::example("local_server");
    let dir = std::env::temp_dir().join(format!("dynamo-model-example-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = |command: &str| {
        let output = std::process::Command::new(&example)
            .args([command, "--dir"])
            .arg(&dir)
            .env_remove("DYNAMODB_ENDPOINT")
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    assert_eq!(run("status").0, Some(3), "not running yet");
    let (code, out) = run("start");
    assert_eq!(code, Some(0), "{out}");
    let endpoint = out
        .lines()
        .find_map(|line| line.strip_prefix("DYNAMODB_ENDPOINT="))
        .expect("it prints the endpoint")
        .to_owned();
    let (code, out) = run("status");
    assert_eq!(code, Some(0));
    assert!(out.contains(&endpoint), "{out}");
    let (code, out) = run("stop");
    assert_eq!(code, Some(0));
    assert!(out.starts_with("stopped"), "{out}");
    assert_eq!(run("status").0, Some(3), "stopped");
    let bad = std::process::Command::new(&example)
        .arg("bogus")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unexpected argument"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Commands started at once on a folder with no server (a script running two CLI commands in
/// parallel): one server is started, and every caller gets it — two servers on one `-dbPath`
/// would corrupt its data.
#[test]
fn concurrent_starts_share_one_server() {
    let dir = std::env::temp_dir().join(format!("dynamo-model-concurrent-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Separate runtimes on separate threads, as separate processes would be.
    let starts: Vec<_> = (0..3)
        .map(|_| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                tokio::runtime::Runtime::new()
                    .unwrap()
                    .block_on(Detached::start(&dir))
                    .unwrap()
            })
        })
        .collect();
    let started: Vec<Detached> = starts.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(
        started.iter().all(|s| s.pid() == started[0].pid()),
        "one server: {started:?}"
    );
    assert!(
        !dir.join("dynamodb-local.lock").exists(),
        "the lock is released"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(started[0].clone().stop()).unwrap();
    assert!(!alive(started[0].pid()));
    let _ = std::fs::remove_dir_all(&dir);
}
