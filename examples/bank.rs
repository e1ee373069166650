//! Accounts and transfers in DynamoDB transactions: a balance never goes negative, a transfer
//! applies once however often it is retried, and `audit` proves that no money was created or
//! lost, even after thousands of concurrent transfers.
//!
//! ```sh
//! cargo run --features cli --example bank -- open alice --balance 100
//! cargo run --features cli --example bank -- open bob
//! cargo run --features cli --example bank -- transfer alice bob 30 --id rent-2026-11
//! cargo run --features cli --example bank -- transfer alice bob 30 --id rent-2026-11   # applied once
//! cargo run --features cli --example bank -- balance alice
//! cargo run --features cli --example bank -- stress --transfers 10000 --concurrency 32
//! cargo run --features cli --example bank -- audit                                    # discrepancy: 0
//! ```
//!
//! A transfer is one transaction of three actions: create the transfer's record (its id is
//! the idempotency key: a second transfer with that id, from any process, any day, is refused),
//! take the amount from one balance (the `range(min = 0)` rule makes DynamoDB check the balance
//! covers it), add it to the other. The library sends every transaction with an idempotency
//! token, so its own retries after a lost answer are applied once by DynamoDB.
//! `--endpoint URL` / `--aws` as for the other examples.

#[path = "support/cli.rs"]
mod cli;

use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use dynamo_model::prelude::*;
use dynamo_model::CancellationCode;
use futures::StreamExt;

use cli::{message, say, Connection};

/// An account: its balance, and what it was opened with (for the audit).
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "bank", hash_key = "ACCOUNT#{id}", range_key = "sk")]
#[dynamo(compose(sk = "ACCOUNT"))]
pub struct Account {
    pub id: String,
    #[dynamo(constant = "Account")]
    pub kind: String,
    /// In cents; never negative.
    #[dynamo(validate(range(min = 0)))]
    pub balance: i64,
    pub opened_with: i64,
}

/// A transfer that was applied: written in the same transaction as the two balances.
#[derive(Model, Debug, Clone, PartialEq)]
#[dynamo(table = "bank", hash_key = "TRANSFER#{transfer_id}", range_key = "sk")]
#[dynamo(compose(sk = "TRANSFER"))]
pub struct Transfer {
    pub transfer_id: String,
    #[dynamo(constant = "Transfer")]
    pub kind: String,
    pub from: String,
    pub to: String,
    #[dynamo(validate(range(min = 1)))]
    pub amount: i64,
    pub at: Timestamp,
}

dynamo_model::table! {
    /// Accounts and transfers share the table.
    pub struct Bank { Account, Transfer }
}

#[derive(Parser, Debug)]
#[command(
    name = "bank",
    about = "Accounts and transfers in DynamoDB transactions"
)]
struct Cli {
    #[command(flatten)]
    connection: Connection,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Opens an account.
    Open {
        id: String,
        /// The opening balance, in cents.
        #[arg(long, default_value_t = 0)]
        balance: u32,
    },
    /// Shows an account's balance.
    Balance { id: String },
    /// Moves an amount (in cents) from one account to another, once.
    Transfer {
        from: String,
        to: String,
        amount: u32,
        /// The transfer's id: the same id is applied once (default: a new one).
        #[arg(long)]
        id: Option<String>,
    },
    /// Runs many random transfers at once between a set of accounts.
    Stress {
        #[arg(long, default_value_t = 20)]
        accounts: usize,
        #[arg(long, default_value_t = 10_000)]
        transfers: usize,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Each new account's opening balance, in cents.
        #[arg(long, default_value_t = 1_000)]
        initial: u32,
    },
    /// Checks every balance against its opening balance and the transfers recorded.
    Audit,
}

fn main() -> ExitCode {
    cli::main(run)
}

async fn run(cli: Cli) -> Result<(), String> {
    let db = cli.connection.db_with_table::<Bank>().await?;
    match cli.command {
        Command::Open { id, balance } => {
            let account = Account {
                id: id.clone(),
                kind: "Account".into(),
                balance: i64::from(balance),
                opened_with: i64::from(balance),
            };
            match db.create(&account).send().await {
                Ok(_) => say(format!("opened {id} with {balance}")),
                Err(Error::AlreadyExists { .. }) => return Err(format!("account {id} exists")),
                Err(e) => return Err(message(e)),
            }
        }
        Command::Balance { id } => {
            let account = db
                .get(AccountKey::new(id.as_str()))
                .consistent()
                .send()
                .await
                .map_err(message)?
                .ok_or_else(|| format!("no account {id}"))?;
            say(format!("{id}: {}", account.balance));
        }
        Command::Transfer {
            from,
            to,
            amount,
            id,
        } => {
            let id = id.unwrap_or_else(|| new_id(0));
            match transfer(&db, &id, &from, &to, i64::from(amount)).await {
                Ok(()) => say(format!("transferred {amount} from {from} to {to} ({id})")),
                Err(Refusal::AlreadyApplied) => say(format!("transfer {id} was already applied")),
                Err(other) => return Err(other.describe(&id, &from, &to)),
            }
        }
        Command::Stress {
            accounts,
            transfers,
            concurrency,
            initial,
        } => stress(&db, accounts, transfers, concurrency, initial).await?,
        Command::Audit => {
            let discrepancy = audit(&db).await?;
            if discrepancy != 0 {
                return Err(format!("discrepancy: {discrepancy}"));
            }
        }
    }
    Ok(())
}

/// Why a transfer was not applied.
#[derive(Debug)]
enum Refusal {
    /// A transfer with this id is recorded: it was applied before.
    AlreadyApplied,
    /// The balance does not cover the amount.
    Insufficient,
    /// An account does not exist (`true`: the one to take from).
    NoAccount(bool),
    /// Another transaction touched an account at the same time; nothing was applied.
    Conflict,
    /// The request's answer was lost: the transfer's record tells whether it landed.
    Unknown,
    Other(String),
}

impl Refusal {
    fn describe(self, id: &str, from: &str, to: &str) -> String {
        match self {
            Refusal::AlreadyApplied => format!("transfer {id} was already applied"),
            Refusal::Insufficient => format!("{from} cannot cover the transfer"),
            Refusal::NoAccount(true) => format!("no account {from}"),
            Refusal::NoAccount(false) => format!("no account {to}"),
            Refusal::Conflict => "another transfer touched these accounts; try again".into(),
            Refusal::Unknown => format!(
                "the answer was lost: run the transfer again with --id {id} (it applies once)"
            ),
            Refusal::Other(message) => message,
        }
    }
}

/// One transfer: the record, the debit (checked to stay at or above 0) and the credit, in one
/// transaction.
async fn transfer(db: &Db, id: &str, from: &str, to: &str, amount: i64) -> Result<(), Refusal> {
    if from == to {
        return Err(Refusal::Other("a transfer needs two accounts".into()));
    }
    let record = Transfer {
        transfer_id: id.into(),
        kind: "Transfer".into(),
        from: from.into(),
        to: to.into(),
        amount,
        at: Timestamp::now(),
    };
    let result = db
        .transact_write()
        .create(&record)
        .update::<Account>(AccountKey::new(from), |u| u.add(Account::BALANCE, -amount))
        .update::<Account>(AccountKey::new(to), |u| u.add(Account::BALANCE, amount))
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(Error::TransactionCanceled { reasons }) => {
            let failed = |i: usize| {
                reasons
                    .get(i)
                    .is_some_and(|r| r.code == CancellationCode::ConditionalCheckFailed)
            };
            Err(if failed(0) {
                Refusal::AlreadyApplied
            } else if reasons.get(1).is_some_and(|r| !r.violations.is_empty()) {
                Refusal::Insufficient
            } else if failed(1) {
                Refusal::NoAccount(true)
            } else if failed(2) {
                Refusal::NoAccount(false)
            } else if reasons
                .iter()
                .any(|r| r.code == CancellationCode::TransactionConflict)
            {
                Refusal::Conflict
            } else {
                Refusal::Other(message(Error::TransactionCanceled { reasons }))
            })
        }
        Err(Error::OutcomeUnknown { .. }) => Err(Refusal::Unknown),
        Err(e) => Err(Refusal::Other(message(e))),
    }
}

/// Transfer ids: unique per run (the time) and per transfer.
fn new_id(n: usize) -> String {
    format!("x{}-{n}", Timestamp::now().as_millis())
}

/// A small random generator (xorshift): the stress run needs no more.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

async fn stress(
    db: &Db,
    accounts: usize,
    transfers: usize,
    concurrency: usize,
    initial: u32,
) -> Result<(), String> {
    if accounts < 2 {
        return Err("--accounts must be at least 2".into());
    }
    let ids: Vec<String> = (0..accounts).map(|i| format!("stress-{i:03}")).collect();
    for id in &ids {
        let account = Account {
            id: id.clone(),
            kind: "Account".into(),
            balance: i64::from(initial),
            opened_with: i64::from(initial),
        };
        match db.create(&account).send().await {
            Ok(_) | Err(Error::AlreadyExists { .. }) => {}
            Err(e) => return Err(message(e)),
        }
    }
    let mut random = Random(Timestamp::now().as_millis() as u64 | 1);
    let plan: Vec<(String, usize, usize, i64)> = (0..transfers)
        .map(|n| {
            let from = random.below(accounts as u64) as usize;
            let to = (from + 1 + random.below(accounts as u64 - 1) as usize) % accounts;
            let amount = 1 + random.below(u64::from(initial.max(2) / 2)) as i64;
            (new_id(n), from, to, amount)
        })
        .collect();
    let started = Instant::now();
    let ids = &ids;
    let outcomes: Vec<Result<(), Refusal>> = futures::stream::iter(&plan)
        .map(|(id, from, to, amount)| async move {
            // A conflict applied nothing: the same transfer (same id) is tried again.
            let mut result = transfer(db, id, &ids[*from], &ids[*to], *amount).await;
            for _ in 0..5 {
                if !matches!(result, Err(Refusal::Conflict)) {
                    break;
                }
                result = transfer(db, id, &ids[*from], &ids[*to], *amount).await;
            }
            result
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let elapsed = started.elapsed();
    let count = |f: fn(&Result<(), Refusal>) -> bool| outcomes.iter().filter(|o| f(o)).count();
    say(format!(
        "{transfers} transfers in {:.1} s ({:.0}/s): {} applied, {} refused for insufficient funds, {} conflicts, {} with a lost answer, {} other failures",
        elapsed.as_secs_f64(),
        transfers as f64 / elapsed.as_secs_f64(),
        count(|o| o.is_ok() || matches!(o, Err(Refusal::AlreadyApplied))),
        count(|o| matches!(o, Err(Refusal::Insufficient))),
        count(|o| matches!(o, Err(Refusal::Conflict))),
        count(|o| matches!(o, Err(Refusal::Unknown))),
        count(|o| matches!(o, Err(Refusal::NoAccount(_) | Refusal::Other(_)))),
    ));
    if let Some(Err(Refusal::Other(message))) = outcomes
        .iter()
        .find(|o| matches!(o, Err(Refusal::Other(_))))
    {
        return Err(message.clone());
    }
    Ok(())
}

/// Every account's balance against its opening balance plus the transfers recorded; prints the
/// totals and returns the discrepancy (0 when no money was created or lost).
async fn audit(db: &Db) -> Result<i64, String> {
    let accounts = db
        .scan::<Account>()
        .consistent()
        .all()
        .await
        .map_err(message)?;
    let transfers = db
        .scan::<Transfer>()
        .consistent()
        .all()
        .await
        .map_err(message)?;
    let mut expected: std::collections::HashMap<&str, i64> = accounts
        .iter()
        .map(|a| (a.id.as_str(), a.opened_with))
        .collect();
    for t in &transfers {
        for (id, change) in [(t.from.as_str(), -t.amount), (t.to.as_str(), t.amount)] {
            match expected.get_mut(id) {
                Some(balance) => *balance += change,
                None => return Err(format!("transfer {} names no account {id}", t.transfer_id)),
            }
        }
    }
    let mut discrepancy = 0;
    for account in &accounts {
        let difference = account.balance - expected[account.id.as_str()];
        if difference != 0 {
            say(format!(
                "{}: balance {} but opened with {} and transfers give {}",
                account.id,
                account.balance,
                account.opened_with,
                expected[account.id.as_str()]
            ));
        }
        discrepancy += difference.abs();
    }
    let held: i64 = accounts.iter().map(|a| a.balance).sum();
    let deposited: i64 = accounts.iter().map(|a| a.opened_with).sum();
    say(format!(
        "{} accounts, {} transfers; held {held}, deposited {deposited}; negative balances: {}; discrepancy: {}",
        accounts.len(),
        transfers.len(),
        accounts.iter().filter(|a| a.balance < 0).count(),
        discrepancy + (held - deposited).abs()
    ));
    Ok(discrepancy + (held - deposited).abs())
}
