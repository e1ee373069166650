//! The model `import` loads and `export` writes back, and the file formats they share.

use std::path::Path;

use dynamo_model::prelude::*;
use serde::{Deserialize, Serialize};

/// A product of a catalogue: one item per SKU.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynamo(table = "products")]
pub struct Product {
    #[dynamo(hash_key, validate(non_empty, length(max = 64)))]
    pub sku: String,
    #[dynamo(validate(non_empty, length(max = 200)))]
    pub name: String,
    #[dynamo(validate(non_empty))]
    pub category: String,
    /// In cents.
    #[dynamo(validate(range(max = 100_000_000)))]
    pub price_cents: u64,
    pub stock: u32,
    /// Absent rather than empty (CSV cannot tell the two apart).
    #[dynamo(validate(non_empty))]
    pub description: Option<String>,
}

/// JSON Lines (one object per line) or CSV (a header line, then one record per line).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
}

impl Format {
    /// The format given, or the one the file's extension names.
    pub fn of(given: Option<Format>, path: &Path) -> Result<Format, String> {
        if let Some(format) = given {
            return Ok(format);
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some("jsonl" | "ndjson" | "json") => Ok(Format::Jsonl),
            Some("csv") => Ok(Format::Csv),
            _ => Err(format!(
                "cannot tell the format of {}: name it .jsonl or .csv, or give --format",
                path.display()
            )),
        }
    }
}
