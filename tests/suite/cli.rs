//! The command-line examples (feature `cli`), run as a user runs them: each command its own
//! process, against this binary's DynamoDB Local (`--endpoint`) or a persistent one they start.

use crate::common;

use std::path::{Path, PathBuf};

use common::example;
use std::process::Output;
use std::time::Duration;

use dynamo_model::local::Detached;

/// An example's process, as the tests start it: no endpoint from this environment, and tables
/// of its own on the suite's shared DynamoDB Local (the store example's `store` table is
/// single_table.rs's).
fn command(name: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(example(name));
    command
        .env_remove("DYNAMODB_ENDPOINT")
        .env("DYNAMODB_TABLE_PREFIX", "cli.");
    command
}

/// Runs an example with `args`; its output.
async fn run(name: &str, args: &[&str]) -> Output {
    command(name).args(args).output().await.unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts success, returning what it printed.
fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

/// Asserts a failure (exit 1) with one line on stderr holding `expected`.
fn fails(output: Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(expected), "{expected:?} in {stderr}");
}

async fn endpoint() -> String {
    common::local().await.endpoint().to_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dynamo-model-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Stops the persistent DynamoDB Local the examples started in `dir`.
async fn stop_local(dir: &Path) {
    if let Some(local) = Detached::find(dir).await.unwrap() {
        local.stop().await.unwrap();
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `todo add` in one process, `todo list` in the next, on the DynamoDB Local the first one
/// started and left running; every command, and its failures.
#[tokio::test]
async fn todo_commands_run_as_separate_processes() {
    let dir = temp_dir("todo");
    let data = dir.join("data");
    let data = data.to_str().unwrap();
    let todo = |args: &[&str]| {
        let mut all = vec!["--data-dir", data];
        all.extend_from_slice(args);
        let all: Vec<String> = all.into_iter().map(str::to_owned).collect();
        async move {
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            run("todo", &args).await
        }
    };
    let added = ok(todo(&["add", "buy milk", "--tag", "shop"]).await);
    let id = added
        .strip_prefix("added ")
        .and_then(|rest| rest.split(':').next())
        .expect("prints the id")
        .to_owned();
    assert!(added.contains("buy milk"), "{added}");
    let listed = ok(todo(&["list"]).await);
    assert_eq!(listed.trim(), format!("[ ] {id}  buy milk  #shop"));

    assert_eq!(ok(todo(&["done", &id]).await).trim(), format!("done {id}"));
    assert_eq!(ok(todo(&["list"]).await).trim(), "no tasks");
    assert!(ok(todo(&["list", "--status", "done"]).await).contains(&format!("[x] {id}")));
    assert!(ok(todo(&["tag", &id, "home"]).await).contains("home, shop"));

    // Pages: newest first, the command for the next page printed.
    for title in ["one", "two", "three"] {
        ok(todo(&["add", title]).await);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let first = ok(todo(&["list", "--limit", "2"]).await);
    let lines: Vec<&str> = first.lines().collect();
    assert!(
        lines[0].ends_with("three") && lines[1].ends_with("two"),
        "{first}"
    );
    let next = lines[2]
        .strip_prefix("more: todo list --after ")
        .expect("a cursor");
    let second = ok(todo(&["list", "--limit", "2", "--after", next]).await);
    assert!(second.lines().next().unwrap().ends_with("one"), "{second}");

    assert_eq!(ok(todo(&["rm", &id]).await).trim(), format!("removed {id}"));
    fails(todo(&["rm", &id]).await, &format!("no task {id}"));
    fails(todo(&["done", "nonsense"]).await, "is not a task id");
    fails(todo(&["list", "--after", "garbage"]).await, "--after");
    fails(
        run("todo", &["--endpoint", "http://127.0.0.1:1", "list"]).await,
        "cannot reach DynamoDB at http://127.0.0.1:1",
    );
    stop_local(&dir.join("data")).await;
}

/// Two edits race: the one that read first and writes last is refused, and says why.
#[tokio::test]
async fn todo_edits_that_race_are_refused_not_lost() {
    let endpoint = endpoint().await;
    let todo = |args: &[&str]| {
        let mut all = vec!["--endpoint", &endpoint, "--list", "race"];
        all.extend_from_slice(args);
        all.into_iter().map(str::to_owned).collect::<Vec<String>>()
    };
    let added = ok(run(
        "todo",
        &todo(&["add", "draft"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )
    .await);
    let id = added[6..19].to_owned();
    let slow = command("todo")
        .args(todo(&["edit", &id, "slow edit", "--hold", "3"]))
        .output();
    let slow = tokio::spawn(slow);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let fast = todo(&["edit", &id, "fast edit"]);
    ok(run("todo", &fast.iter().map(String::as_str).collect::<Vec<_>>()).await);
    let slow = slow.await.unwrap().unwrap();
    assert!(stdout(&slow).contains("holding"), "{}", stdout(&slow));
    fails(slow, "was changed since it was read");
    let listed = ok(run(
        "todo",
        &todo(&["list"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )
    .await);
    assert!(listed.contains("fast edit"), "{listed}");
}

/// Transfers apply once and never overdraw; after a concurrent stress run the audit finds no
/// money created or lost.
#[tokio::test]
async fn bank_transfers_and_audit() {
    let endpoint = endpoint().await;
    let bank = |args: &[&str]| {
        let mut all = vec!["--endpoint".to_owned(), endpoint.clone()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        async move {
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            run("bank", &args).await
        }
    };
    ok(bank(&["open", "alice", "--balance", "100"]).await);
    ok(bank(&["open", "bob"]).await);
    fails(bank(&["open", "bob"]).await, "account bob exists");
    assert!(
        ok(bank(&["transfer", "alice", "bob", "30", "--id", "t1"]).await)
            .contains("transferred 30")
    );
    assert!(
        ok(bank(&["transfer", "alice", "bob", "30", "--id", "t1"]).await)
            .contains("already applied")
    );
    assert_eq!(ok(bank(&["balance", "alice"]).await).trim(), "alice: 70");
    fails(
        bank(&["transfer", "alice", "bob", "71"]).await,
        "alice cannot cover the transfer",
    );
    fails(
        bank(&["transfer", "alice", "carol", "1"]).await,
        "no account carol",
    );
    fails(bank(&["balance", "carol"]).await, "no account carol");

    let stress = ok(bank(&[
        "stress",
        "--accounts",
        "8",
        "--transfers",
        "400",
        "--concurrency",
        "16",
        "--initial",
        "300",
    ])
    .await);
    assert!(stress.contains("400 transfers"), "{stress}");
    assert!(stress.contains("0 other failures"), "{stress}");
    let audit = ok(bank(&["audit"]).await);
    assert!(
        audit.contains("negative balances: 0; discrepancy: 0"),
        "{audit}"
    );
    assert!(audit.contains("10 accounts"), "{audit}");
}

/// `import` then `export` gives back the same records (after sorting), in JSON Lines and CSV;
/// a malformed or invalid line stops the import before anything is written.
#[tokio::test]
async fn import_then_export_round_trips() {
    let endpoint = endpoint().await;
    let dir = temp_dir("import");
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let sorted = |file: &str| {
        let text = std::fs::read_to_string(file).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let header = (file.ends_with(".csv")).then(|| lines.remove(0));
        lines.sort();
        (header, lines)
    };

    let source = path("products.jsonl");
    let imported = ok(run(
        "import",
        &["--endpoint", &endpoint, &source, "--generate", "3000"],
    )
    .await);
    assert!(imported.contains("imported 3000 products"), "{imported}");
    let copy = path("copy.jsonl");
    ok(run(
        "export",
        &["--endpoint", &endpoint, &copy, "--segments", "3"],
    )
    .await);
    assert_eq!(sorted(&copy), sorted(&source));

    // CSV out of the same table, CSV back in: the same records again.
    let csv = path("copy.csv");
    ok(run("export", &["--endpoint", &endpoint, &csv]).await);
    ok(run("import", &["--endpoint", &endpoint, &csv]).await);
    let again = path("again.jsonl");
    ok(run("export", &["--endpoint", &endpoint, &again]).await);
    assert_eq!(sorted(&again), sorted(&source));
    let (header, rows) = sorted(&csv);
    assert_eq!(
        header.as_deref(),
        Some("sku,name,category,price_cents,stock,description")
    );
    assert_eq!(rows.len(), 3000);

    // Bad input: nothing written, the line named.
    let bad = path("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"sku\":\"NEW-1\",\"name\":\"a\",\"category\":\"c\",\"price_cents\":1,\"stock\":1,\"description\":null}\n{\"sku\": oops}\n",
    )
    .unwrap();
    fails(
        run("import", &["--endpoint", &endpoint, &bad]).await,
        "line 2",
    );
    let invalid = path("invalid.csv");
    std::fs::write(
        &invalid,
        "sku,name,category,price_cents,stock,description\nNEW-2,a,c,1,1,\nNEW-3,,c,1,1,\n",
    )
    .unwrap();
    fails(
        run("import", &["--endpoint", &endpoint, &invalid]).await,
        "line 3",
    );
    fails(
        run("import", &["--endpoint", &endpoint, &path("missing.jsonl")]).await,
        "missing.jsonl",
    );
    fails(
        run("import", &["--endpoint", &endpoint, &path("products.txt")]).await,
        "cannot tell the format",
    );
    let after = path("after.jsonl");
    ok(run("export", &["--endpoint", &endpoint, &after]).await);
    assert_eq!(
        sorted(&after).1.len(),
        3000,
        "neither bad file wrote anything"
    );
    fails(
        run("export", &["--endpoint", "http://127.0.0.1:1", &after]).await,
        "cannot reach DynamoDB",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The store's command-line face: place orders, list them, show one with its lines in one
/// query, move them through the sparse index of open orders.
#[tokio::test]
async fn orders_commands() {
    let endpoint = endpoint().await;
    let orders = |args: &[&str]| {
        let mut all = vec!["--endpoint".to_owned(), endpoint.clone()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        async move {
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            run("orders", &args).await
        }
    };
    ok(orders(&[
        "customer",
        "c1",
        "--name",
        "Ada",
        "--email",
        "ada@example.com",
    ])
    .await);
    fails(
        orders(&["place", "c9", "--line", "tea:1:450"]).await,
        "no customer c9",
    );
    let placed = ok(orders(&[
        "place",
        "c1",
        "--line",
        "tea:2:450",
        "--line",
        "cups:1:1200",
    ])
    .await);
    assert!(placed.contains("2 lines, total 2100 cents"), "{placed}");
    let first = placed[7..].split(':').next().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = ok(orders(&["place", "c1", "--line", "honey:1:800"]).await);
    let second = second[7..].split(':').next().unwrap().to_owned();

    let list = ok(orders(&["list", "c1", "--limit", "1"]).await);
    assert!(list.starts_with(&second), "newest first: {list}");
    let cursor = list.lines().nth(1).unwrap().rsplit(' ').next().unwrap();
    let rest = ok(orders(&["list", "c1", "--limit", "1", "--after", cursor]).await);
    assert!(rest.starts_with(&first), "{rest}");

    let shown = ok(orders(&["show", "c1", &first]).await);
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 3, "{shown}");
    assert!(lines[0].contains("2100 cents  placed"), "{shown}");
    assert_eq!(lines[1], "  1. tea x2 at 450 cents");
    assert_eq!(lines[2], "  2. cups x1 at 1200 cents");

    assert_eq!(
        ok(orders(&["open", "--status", "placed"]).await)
            .lines()
            .count(),
        2
    );
    ok(orders(&["pack", "c1", &first]).await);
    assert_eq!(
        ok(orders(&["open", "--status", "placed"]).await)
            .lines()
            .count(),
        1
    );
    assert!(ok(orders(&["open", "--status", "packed"]).await).contains(&first));
    ok(orders(&["ship", "c1", &first]).await);
    assert_eq!(
        ok(orders(&["open", "--status", "packed"]).await).trim(),
        "no orders"
    );
    fails(orders(&["pack", "c1", &first]).await, "has shipped");
    fails(
        orders(&["show", "c1", "o123"]).await,
        "no order o123 of customer c1",
    );
}
