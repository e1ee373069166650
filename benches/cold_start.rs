//! Cold start of the serverless example beside the same API on the bare SDK: the time from
//! starting the process to the first answered request, on the Lambda path (`lambda_http`
//! polling a Runtime API), and the release binaries' sizes.
//!
//! The Runtime API is a loopback stand-in in this process: it hands each new process one API
//! Gateway (HTTP API v2) event, a `GET` of a stored note, and notes when the answer comes back.
//! Both binaries read DynamoDB Local through the standard AWS configuration
//! (`AWS_ENDPOINT_URL_DYNAMODB`), as they would read DynamoDB in Lambda. They alternate, 15
//! rounds each; figures are medians, with the lowest and highest round.
//!
//! ```sh
//! cargo build --release -p serverless-api
//! cargo build --release --features serverless --example serverless_bare
//! cargo bench --features serverless --bench cold_start
//! ```

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dynamo_model::local::DynamoDbLocal;
use dynamo_model::prelude::*;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::{mpsc, Mutex};

const ROUNDS: usize = 15;

#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "notes", timestamps)]
struct Note {
    #[dynamo(hash_key)]
    owner: String,
    #[dynamo(range_key)]
    id: String,
    title: String,
    body: String,
    tags: std::collections::BTreeSet<String>,
    #[dynamo(version)]
    version: u64,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// The event every process gets: the HTTP API fixture of the tests (a `GET` of note n1).
const EVENT: &str = include_str!("../tests/suite/fixtures/apigw/http-v2.json");

/// What the stand-in Runtime API saw answered: the status code of the function's response.
type Answers = mpsc::UnboundedSender<u16>;

/// Serves `GET …/invocation/next` (the event once each time `armed` is set: once per process;
/// other polls wait until the process is stopped) and `POST …/invocation/{id}/response`
/// (reported on `answers`).
async fn runtime_api(listener: tokio::net::TcpListener, answers: Answers, armed: Arc<Mutex<bool>>) {
    let handed = Arc::new(Mutex::new(0u64));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let (answers, handed, armed) = (answers.clone(), handed.clone(), armed.clone());
        tokio::spawn(async move {
            let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let (answers, handed, armed) = (answers.clone(), handed.clone(), armed.clone());
                async move {
                    let path = request.uri().path().to_owned();
                    if path.ends_with("/invocation/next") {
                        // The process polls again after answering: that poll waits.
                        if !std::mem::take(&mut *armed.lock().await) {
                            std::future::pending::<()>().await;
                        }
                        let id = {
                            let mut handed = handed.lock().await;
                            *handed += 1;
                            *handed
                        };
                        let response = hyper::Response::builder()
                            .header("lambda-runtime-aws-request-id", format!("req-{id}"))
                            .header("lambda-runtime-deadline-ms", "4102444800000")
                            .header(
                                "lambda-runtime-invoked-function-arn",
                                "arn:aws:lambda:us-east-1:123456789012:function:notes",
                            )
                            .body(Full::new(bytes::Bytes::from_static(EVENT.as_bytes())))
                            .unwrap();
                        return Ok::<_, Infallible>(response);
                    }
                    let body = request.into_body().collect().await.map(|b| b.to_bytes());
                    let status = body
                        .ok()
                        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                        .and_then(|v| v["statusCode"].as_u64())
                        .unwrap_or(0);
                    let _ = answers.send(status as u16);
                    Ok(hyper::Response::new(Full::new(bytes::Bytes::from_static(
                        b"{}",
                    ))))
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Starts `binary` as Lambda would and times it to its first answer.
async fn cold_start(
    binary: &PathBuf,
    runtime: SocketAddr,
    endpoint: &str,
    answers: &mut mpsc::UnboundedReceiver<u16>,
    armed: &Mutex<bool>,
) -> Duration {
    *armed.lock().await = true;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", runtime.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "notes")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "dynamomodel")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
        // The example seals cursors with a key from its configuration (the bare one has none).
        .env(
            "NOTES_CURSOR_KEY",
            format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{} starts: {e}", binary.display()));
    let status = tokio::time::timeout(Duration::from_secs(30), answers.recv())
        .await
        .expect("an answer within 30 s")
        .expect("the stand-in runs");
    let elapsed = started.elapsed();
    assert_eq!(status, 200, "{} answered {status}", binary.display());
    // Stopped by its own id (it was started here).
    child.kill().await.expect("the process stops");
    elapsed
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn size(path: &PathBuf) -> (u64, u64) {
    let size = std::fs::metadata(path).expect("the binary is built").len();
    let stripped = std::env::temp_dir().join(format!(
        "dynamo-model-stripped-{}",
        path.file_name().unwrap().to_string_lossy()
    ));
    let status = std::process::Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(path)
        .status();
    let stripped_size = match status {
        Ok(s) if s.success() => std::fs::metadata(&stripped).map_or(0, |m| m.len()),
        _ => 0,
    };
    let _ = std::fs::remove_file(&stripped);
    (size, stripped_size)
}

#[tokio::main]
async fn main() {
    let release = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release");
    let ours = release.join("serverless_api");
    let bare = release.join("examples/serverless_bare");
    for binary in [&ours, &bare] {
        assert!(
            binary.exists(),
            "{} is missing: `cargo build --release -p serverless-api` and `cargo build --release --features serverless --example serverless_bare` first",
            binary.display()
        );
    }

    let local = DynamoDbLocal::start().await.expect("DynamoDB Local starts");
    let db = local.db();
    db.create_table::<Note>()
        .if_not_exists()
        .send()
        .await
        .unwrap();
    db.put(&Note {
        owner: "ada".into(),
        id: "n1".into(),
        title: "hello".into(),
        body: "first note".into(),
        tags: ["a".to_owned()].into(),
        version: 0,
        created_at: Timestamp::default(),
        updated_at: Timestamp::default(),
    })
    .send()
    .await
    .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let runtime = listener.local_addr().unwrap();
    let (sender, mut answers) = mpsc::unbounded_channel();
    let armed = Arc::new(Mutex::new(false));
    tokio::spawn(runtime_api(listener, sender, armed.clone()));

    // A first start of each, untimed: the page cache holds both binaries from here on.
    for binary in [&ours, &bare] {
        cold_start(binary, runtime, local.endpoint(), &mut answers, &armed).await;
    }
    let (mut ours_ms, mut bare_ms, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let order = if round % 2 == 0 {
            [&ours, &bare]
        } else {
            [&bare, &ours]
        };
        let mut times = [Duration::ZERO; 2];
        for binary in order {
            let time = cold_start(binary, runtime, local.endpoint(), &mut answers, &armed).await;
            times[usize::from(binary == &bare)] = time;
        }
        ours_ms.push(times[0].as_secs_f64() * 1e3);
        bare_ms.push(times[1].as_secs_f64() * 1e3);
        ratios.push(times[0].as_secs_f64() / times[1].as_secs_f64());
    }
    let spread = |v: &[f64]| {
        (
            v.iter().copied().fold(f64::INFINITY, f64::min),
            v.iter().copied().fold(0.0, f64::max),
        )
    };
    let (low, high) = spread(&ratios);
    println!("cold start: process start to first answered request (Lambda path), median of {ROUNDS} alternated rounds");
    println!(
        "dynamo-model {:.1} ms ({:.1}-{:.1}), bare SDK {:.1} ms ({:.1}-{:.1}), ratio {:.2} ({low:.2}-{high:.2})",
        median(ours_ms.clone()),
        spread(&ours_ms).0,
        spread(&ours_ms).1,
        median(bare_ms.clone()),
        spread(&bare_ms).0,
        spread(&bare_ms).1,
        median(ratios),
    );
    let ((ours_size, ours_stripped), (bare_size, bare_stripped)) = (size(&ours), size(&bare));
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "release binary: dynamo-model {:.1} MiB ({:.1} MiB stripped), bare SDK {:.1} MiB ({:.1} MiB stripped), ratio {:.2} stripped",
        mib(ours_size),
        mib(ours_stripped),
        mib(bare_size),
        mib(bare_stripped),
        ours_stripped as f64 / bare_stripped.max(1) as f64,
    );
}
