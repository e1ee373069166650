#![allow(dead_code)] // each example uses a part of this
//! What the command-line examples share: where DynamoDB is, and how a failure ends the
//! program (one line on stderr, a non-zero exit).

use std::fmt::Display;
use std::path::PathBuf;
use std::process::ExitCode;

use dynamo_model::local::Detached;
use dynamo_model::Db;

/// Where the data is: by default a DynamoDB Local kept in a folder, started by the first
/// command and found again by the next ones (it outlives each command); `--endpoint` for one
/// running elsewhere; `--aws` for AWS itself.
#[derive(clap::Args, Debug)]
pub struct Connection {
    /// A DynamoDB (Local) at this URL instead of the persistent DynamoDB Local.
    #[arg(
        long,
        value_name = "URL",
        env = "DYNAMODB_ENDPOINT",
        conflicts_with = "aws",
        global = true
    )]
    pub endpoint: Option<String>,
    /// AWS: credentials and region from the standard AWS configuration chain.
    #[arg(long, global = true)]
    pub aws: bool,
    /// The folder of the persistent DynamoDB Local (started if it is not running).
    #[arg(
        long,
        value_name = "PATH",
        default_value = ".dynamodb-local",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Prepended to every table name (`dev.`, `alice.`): several environments or people in one
    /// account or one DynamoDB Local, each with its own tables.
    #[arg(
        long,
        value_name = "PREFIX",
        env = "DYNAMODB_TABLE_PREFIX",
        default_value = "",
        global = true
    )]
    pub table_prefix: String,
}

impl Connection {
    /// A `Db` on the chosen DynamoDB, checked to answer.
    pub async fn db(&self) -> Result<Db, String> {
        let (db, place) = if self.aws {
            (Db::from_env().await, "AWS".to_owned())
        } else if let Some(endpoint) = &self.endpoint {
            (dynamo_model::local::db_at(endpoint), endpoint.clone())
        } else {
            let local = Detached::start(&self.data_dir)
                .await
                .map_err(|e| format!("cannot start DynamoDB Local: {}", one_line(&e)))?;
            (local.db(), local.endpoint())
        };
        let db = db.table_prefix(self.table_prefix.as_str());
        db.client()
            .list_tables()
            .limit(1)
            .send()
            .await
            .map_err(|e| format!("cannot reach DynamoDB at {place}: {}", one_line(&e)))?;
        Ok(db)
    }
}

impl Connection {
    /// [`Connection::db`], with table `T` created if it does not exist yet, and brought up to
    /// date if an older version of the program made it (a new index, TTL).
    pub async fn db_with_table<T: dynamo_model::Table>(&self) -> Result<Db, String> {
        let db = self.db().await?;
        db.create_table::<T>()
            .if_not_exists()
            .send()
            .await
            .map_err(message)?;
        db.migrate_table::<T>().send().await.map_err(message)?;
        Ok(db)
    }
}

/// Parses the command line, runs `run`, and ends the program with its outcome.
pub fn main<C: clap::Parser, F: std::future::Future<Output = Result<(), String>>>(
    run: impl FnOnce(C) -> F,
) -> ExitCode {
    let cli = C::parse();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    finish(runtime.block_on(run(cli)))
}

/// An error and its causes on one line.
pub fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let shown = cause.to_string();
        if !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        source = cause.source();
    }
    text.replace('\n', " ")
}

/// Ends the program: success, or the message on one line and exit code 1.
pub fn finish(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {}", message.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// A library error as a one-line message.
pub fn message(error: dynamo_model::Error) -> String {
    one_line(&error)
}

/// Prints a line of output (the examples' only output besides errors).
pub fn say(text: impl Display) {
    println!("{text}");
}
