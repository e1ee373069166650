//! A DynamoDB Local that outlives one command, for tools whose commands run as separate
//! processes: its tables are kept in a folder (default `.dynamodb-local`, or `--dir PATH`).
//!
//! ```sh
//! cargo run --example local_server -- serve    # start it, print the endpoint, stop on Ctrl-C
//! cargo run --example local_server -- start    # start it and leave it running
//! cargo run --example local_server -- status   # whether it runs, its pid and endpoint
//! cargo run --example local_server -- stop     # stop it (its data stays in the folder)
//! ```
//!
//! Then, in another terminal: `export DYNAMODB_ENDPOINT=http://127.0.0.1:PORT` and any program
//! using `DynamoDbLocal::start()` (the quickstart, the tests) uses that server.

use std::path::PathBuf;
use std::process::ExitCode;

use dynamo_model::local::Detached;

const USAGE: &str = "usage: local_server <serve|start|status|stop> [--dir PATH]";

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut command = None;
    let mut dir = PathBuf::from(".dynamodb-local");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dir" => match args.next() {
                Some(path) => dir = PathBuf::from(path),
                None => return fail("--dir needs a folder"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "serve" | "start" | "status" | "stop" if command.is_none() => command = Some(arg),
            other => return fail(&format!("unexpected argument {other:?}")),
        }
    }
    let result = match command.as_deref() {
        Some("serve") => serve(&dir).await,
        Some("start") => start(&dir).await,
        Some("status") => status(&dir).await,
        Some("stop") => stop(&dir).await,
        _ => return fail("a command is needed"),
    };
    match result {
        Ok(code) => code,
        Err(error) => fail(&error.to_string()),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}\n{USAGE}");
    ExitCode::FAILURE
}

type Outcome = Result<ExitCode, Box<dyn std::error::Error>>;

async fn serve(dir: &PathBuf) -> Outcome {
    if let Some(running) = Detached::find(dir).await? {
        print_running(&running);
        println!("it was running already; `stop` stops it");
        return Ok(ExitCode::SUCCESS);
    }
    let local = Detached::start(dir).await?;
    print_running(&local);
    println!("Ctrl-C stops it");
    tokio::signal::ctrl_c().await?;
    local.stop().await?;
    println!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn start(dir: &PathBuf) -> Outcome {
    print_running(&Detached::start(dir).await?);
    Ok(ExitCode::SUCCESS)
}

async fn status(dir: &PathBuf) -> Outcome {
    match Detached::find(dir).await? {
        Some(running) => {
            print_running(&running);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            println!("not running (data folder {})", dir.display());
            Ok(ExitCode::from(3))
        }
    }
}

/// Its process, its folder, and the line to export in other terminals.
fn print_running(local: &Detached) {
    println!(
        "running (pid {}), data in {}",
        local.pid(),
        local.dir().display()
    );
    println!("DYNAMODB_ENDPOINT={}", local.endpoint());
}

async fn stop(dir: &PathBuf) -> Outcome {
    match Detached::find(dir).await? {
        Some(running) => {
            let pid = running.pid();
            running.stop().await?;
            println!("stopped (pid {pid})");
        }
        None => println!("not running"),
    }
    Ok(ExitCode::SUCCESS)
}
