//! A to-do list on the command line, each command its own process, the tasks kept in a
//! DynamoDB Local that outlives them (in `.dynamodb-local`, started by the first command).
//!
//! ```sh
//! cargo run --features cli --example todo -- add "buy milk" --tag shop
//! cargo run --features cli --example todo -- list                 # open tasks, newest first
//! cargo run --features cli --example todo -- list --limit 2       # a page, and the command for the next
//! cargo run --features cli --example todo -- done <ID>
//! cargo run --features cli --example todo -- tag <ID> home urgent
//! cargo run --features cli --example todo -- edit <ID> "buy oat milk"
//! cargo run --features cli --example todo -- rm <ID>
//! ```
//!
//! `--endpoint URL` uses another DynamoDB (Local), `--aws` AWS itself. `edit --hold 5` waits
//! between reading the task and writing it: an edit made meanwhile from another terminal wins,
//! and this one is refused by optimistic locking (the task's `version`) instead of overwriting it.

#[path = "support/cli.rs"]
mod cli;

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand, ValueEnum};
use dynamo_model::prelude::*;
use dynamo_model::Cursor;

use cli::{message, say, Connection};

/// Open or done: a task's place in the `by_status` index.
#[derive(Attributes, Debug, Clone, Copy, PartialEq, Eq)]
#[dynamo(rename_all = "lowercase")]
pub enum Status {
    Open,
    Done,
}

/// A task of a list. Ids grow with time, so a list's tasks sort newest last by id.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(
    table = "todo",
    hash_key = "LIST#{list}",
    range_key = "TASK#{id}",
    timestamps
)]
#[dynamo(gsi(name = "by_status", hash = "{list}#{status}", range = "{id}"))]
pub struct Task {
    pub list: String,
    pub id: String,
    #[dynamo(constant = "Task")]
    pub kind: String,
    #[dynamo(validate(non_empty, length(max = 200)))]
    pub title: String,
    pub status: Status,
    pub tags: BTreeSet<String>,
    /// Optimistic locking: every write checks it was not changed since it was read.
    #[dynamo(version)]
    pub version: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Parser, Debug)]
#[command(name = "todo", about = "A to-do list kept in DynamoDB")]
struct Cli {
    #[command(flatten)]
    connection: Connection,
    /// The list (several share the table).
    #[arg(long, default_value = "default", global = true)]
    list: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Adds a task.
    Add {
        title: String,
        /// A tag (repeatable).
        #[arg(long = "tag")]
        tags: Vec<String>,
    },
    /// Lists tasks, newest first, a page at a time.
    List {
        #[arg(long, value_enum, default_value = "open")]
        status: Which,
        /// Tasks per page.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Goes on after the page that printed this cursor.
        #[arg(long, value_name = "CURSOR")]
        after: Option<String>,
    },
    /// Marks a task done.
    Done { id: String },
    /// Adds tags to a task.
    Tag {
        id: String,
        #[arg(required = true)]
        tags: Vec<String>,
    },
    /// Changes a task's title, unless someone changed the task since it was read.
    Edit {
        id: String,
        title: String,
        /// Seconds to wait between reading the task and writing it (to race another edit).
        #[arg(long, default_value_t = 0.0)]
        hold: f64,
    },
    /// Removes a task.
    Rm { id: String },
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum Which {
    Open,
    Done,
    All,
}

fn main() -> ExitCode {
    cli::main(run)
}

async fn run(cli: Cli) -> Result<(), String> {
    let db = cli.connection.db_with_table::<Task>().await?;
    let list = cli.list;
    match cli.command {
        Command::Add { title, tags } => {
            let task = Task {
                list,
                id: new_id(),
                kind: "Task".into(),
                title,
                status: Status::Open,
                tags: tags.into_iter().collect(),
                version: 0,
                created_at: Timestamp::default(),
                updated_at: Timestamp::default(),
            };
            let task = db.create(&task).send().await.map_err(message)?;
            say(format!("added {}: {}", task.id, task.title));
        }
        Command::List {
            status,
            limit,
            after,
        } => {
            let after = after
                .map(|text| text.parse::<Cursor>())
                .transpose()
                .map_err(|e| format!("--after: {e}"))?;
            let page = match status {
                Which::All => {
                    let query = db.query::<Task>().hash(Task::PK.of(list.as_str()));
                    page(query, limit, after).await
                }
                Which::Open | Which::Done => {
                    let status = if matches!(status, Which::Open) {
                        Status::Open
                    } else {
                        Status::Done
                    };
                    let query = db
                        .query::<Task>()
                        .index(Task::BY_STATUS)
                        .hash(Task::BY_STATUS_PK.of((list.as_str(), status)));
                    page(query, limit, after).await
                }
            }
            .map_err(message)?;
            if page.items.is_empty() {
                say("no tasks");
            }
            for task in &page.items {
                let mark = if task.status == Status::Done {
                    "x"
                } else {
                    " "
                };
                let tags: Vec<&str> = task.tags.iter().map(String::as_str).collect();
                let tags = if tags.is_empty() {
                    String::new()
                } else {
                    format!("  #{}", tags.join(" #"))
                };
                say(format!("[{mark}] {}  {}{tags}", task.id, task.title));
            }
            if let Some(next) = page.next {
                say(format!("more: todo list --after {next}"));
            }
        }
        Command::Done { id } => {
            let key = key(&list, &id)?;
            db.update(key)
                .set(Task::STATUS, Status::Done)
                .send()
                .await
                .map_err(|e| not_found(e, &id))?;
            say(format!("done {id}"));
        }
        Command::Tag { id, tags } => {
            let key = key(&list, &id)?;
            let tags: BTreeSet<String> = tags.into_iter().collect();
            let task = db
                .update(key)
                .add(Task::TAGS, tags)
                .send()
                .await
                .map_err(|e| not_found(e, &id))?;
            let tags: Vec<&str> = task.tags.iter().map(String::as_str).collect();
            say(format!("{id} tags: {}", tags.join(", ")));
        }
        Command::Edit { id, title, hold } => {
            let key = key(&list, &id)?;
            let Some(mut task) = db.get(key).consistent().send().await.map_err(message)? else {
                return Err(format!("no task {id}"));
            };
            if hold > 0.0 {
                say(format!(
                    "read {id} at version {}; holding {hold} s",
                    task.version
                ));
                tokio::time::sleep(Duration::from_secs_f64(hold)).await;
            }
            let read_version = task.version;
            task.title = title;
            match db.put(&task).send().await {
                Ok(task) => say(format!("edited {id} (version {})", task.version)),
                Err(Error::VersionConflict { .. }) => {
                    return Err(format!(
                        "{id} was changed since it was read (version {read_version}); nothing written: read it again and redo the edit"
                    ))
                }
                Err(e) => return Err(message(e)),
            }
        }
        Command::Rm { id } => {
            let key = key(&list, &id)?;
            db.delete(key)
                .condition(Task::ID.exists())
                .send()
                .await
                .map_err(|e| match e {
                    Error::ConditionFailed { .. } => format!("no task {id}"),
                    other => message(other),
                })?;
            say(format!("removed {id}"));
        }
    }
    Ok(())
}

/// One page of a query, newest first, after `after`.
async fn page<H, R>(
    query: dynamo_model::Query<'_, Task, H, R>,
    limit: usize,
    after: Option<Cursor>,
) -> Result<Page<Task>, Error> {
    let mut query = query.descending().limit(limit);
    if let Some(after) = after {
        query = query.start_after(after);
    }
    query.send().await
}

/// A task id: `t`, the time in milliseconds and 3 random characters, in base 36.
fn new_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(millis);
    let random = hasher.finish() % 36u64.pow(3);
    format!("t{}{}", base36(millis, 9), base36(random, 3))
}

fn base36(mut n: u64, width: usize) -> String {
    let mut digits = vec![b'0'; width];
    for digit in digits.iter_mut().rev() {
        *digit = b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8(digits).expect("ascii")
}

/// The key of task `id`; an id that cannot be one is refused before anything is sent.
fn key(list: &str, id: &str) -> Result<TaskKey, String> {
    let valid = id.len() == 13
        && id.starts_with('t')
        && id[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    if !valid {
        return Err(format!(
            "{id:?} is not a task id (a `t` and 12 letters or digits, as `todo list` shows)"
        ));
    }
    Ok(TaskKey::new(list, id))
}

fn not_found(error: Error, id: &str) -> String {
    match error {
        Error::NotFound { .. } => format!("no task {id}"),
        other => message(other),
    }
}
