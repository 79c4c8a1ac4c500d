//! Reading source tables: `.csv` or `.csv.gz`, file names and column names matched
//! case-insensitively (MIMIC-III ships `ADMISSIONS.csv` with upper-case columns, its open
//! demo lower-case ones). Every problem is reported with file, line and column.
//!
//! Every field an importer reads (every column it resolved with [`Table::col`],
//! [`Table::col_any`] or [`Table::opt_col`]) is checked before the importer sees the row:
//! ASCII control characters other than tab (NUL, `\x01`..`\x1f`, `\x7f`) are refused, so
//! no importer can store them. Line breaks inside quoted fields are control characters
//! too; none of the supported real data sets (MIMIC-IV demo, Synthea, the shipped maps)
//! has any. Dates must have a year in 1..=9999. Messages never echo the value.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use leader_core::{Code, CodeSystem, Timestamp};

use crate::error::ImportError;

/// Finds `<name>.csv` or `<name>.csv.gz` in `dir`, ignoring letter case.
pub fn find_table(dir: &Path, name: &str) -> Result<Option<PathBuf>, ImportError> {
    let entries = std::fs::read_dir(dir).map_err(|error| ImportError::Io { file: dir.display().to_string(), error })?;
    let plain = format!("{name}.csv");
    let gz = format!("{name}.csv.gz");
    let mut found: Option<PathBuf> = None;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let lower = file_name.to_string_lossy().to_lowercase();
        if lower == plain {
            return Ok(Some(entry.path()));
        }
        if lower == gz {
            found = Some(entry.path());
        }
    }
    Ok(found)
}

/// Like [`find_table`] but the table is required.
pub fn require_table(dir: &Path, name: &str) -> Result<PathBuf, ImportError> {
    find_table(dir, name)?.ok_or_else(|| ImportError::MissingFile { dir: dir.to_owned(), file: name.to_owned() })
}

/// An open CSV table with its header.
pub struct Table {
    file: String,
    headers: Vec<String>,
    reader: csv::Reader<Box<dyn Read>>,
    /// The columns the importer resolved: the fields checked on every row.
    used: RefCell<Vec<Col>>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("file", &self.file).field("headers", &self.headers).finish_non_exhaustive()
    }
}

/// A column index, resolved once from the header.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    index: usize,
    name: &'static str,
}

impl Table {
    pub fn open(path: &Path) -> Result<Self, ImportError> {
        let file = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let f = File::open(path).map_err(|error| ImportError::Io { file: file.clone(), error })?;
        let raw: Box<dyn Read> = if file.to_lowercase().ends_with(".gz") {
            Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, f)))
        } else {
            Box::new(BufReader::with_capacity(1 << 16, f))
        };
        Self::from_reader(file, raw)
    }

    /// A table read from any reader (used by tests and generated cohorts).
    pub fn from_reader(file: String, raw: Box<dyn Read>) -> Result<Self, ImportError> {
        let mut reader = csv::ReaderBuilder::new().flexible(false).has_headers(true).from_reader(raw);
        let headers = reader
            .headers()
            .map_err(|e| csv_error(&file, e))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect();
        Ok(Table { file, headers, reader, used: RefCell::new(Vec::new()) })
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// A required column.
    pub fn col(&self, name: &'static str) -> Result<Col, ImportError> {
        self.opt_col(name)
            .ok_or_else(|| ImportError::MissingColumn { file: self.file.clone(), column: name.to_owned() })
    }

    /// The first of several accepted spellings of a required column.
    pub fn col_any(&self, names: &[&'static str]) -> Result<Col, ImportError> {
        names
            .iter()
            .find_map(|n| self.opt_col(n))
            .ok_or_else(|| ImportError::MissingColumn { file: self.file.clone(), column: names.join("` or `") })
    }

    /// An optional column.
    pub fn opt_col(&self, name: &'static str) -> Option<Col> {
        let col = self.headers.iter().position(|h| h == name).map(|index| Col { index, name })?;
        let mut used = self.used.borrow_mut();
        if !used.iter().any(|c| c.index == col.index) {
            used.push(col);
        }
        Some(col)
    }

    /// Visits every record in file order. The callback sees a [`Row`] that knows its
    /// file and line for error messages.
    pub fn for_each(&mut self, mut f: impl FnMut(&Row<'_>) -> Result<(), ImportError>) -> Result<u64, ImportError> {
        let mut record = csv::StringRecord::new();
        let mut n = 0;
        let used = self.used.borrow().clone();
        loop {
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(n),
                Ok(true) => {
                    let line = record.position().map_or(0, csv::Position::line);
                    let row = Row { file: &self.file, line, record: &record };
                    for &col in &used {
                        if record.get(col.index).is_some_and(has_control_character) {
                            return Err(row.field_error(
                                col,
                                "contains a control character (only tab is allowed in text)".to_owned(),
                            ));
                        }
                    }
                    f(&row)?;
                    n += 1;
                }
                Err(e) => return Err(csv_error(&self.file, e)),
            }
        }
    }
}

/// An ASCII control character other than tab: NUL, `\x01`..`\x1f` (line breaks
/// included) or DEL.
pub fn has_control_character(value: &str) -> bool {
    value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
}

fn csv_error(file: &str, e: csv::Error) -> ImportError {
    let line = e.position().map_or(0, csv::Position::line);
    match e.into_kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => ImportError::Malformed {
            file: file.to_owned(),
            line,
            problem: format!("has {len} fields, but the header has {expected_len}"),
        },
        csv::ErrorKind::Utf8 { err, .. } => ImportError::Malformed {
            file: file.to_owned(),
            line,
            problem: format!("field {} is not valid UTF-8", err.field() + 1),
        },
        csv::ErrorKind::Io(error) => ImportError::Io { file: file.to_owned(), error },
        other => ImportError::Malformed { file: file.to_owned(), line, problem: format!("{other:?}") },
    }
}

/// One record, with what it takes to say where a problem is.
#[derive(Debug)]
pub struct Row<'a> {
    file: &'a str,
    line: u64,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The trimmed field; `None` when empty.
    pub fn opt(&self, col: Col) -> Option<&str> {
        self.record.get(col.index).map(str::trim).filter(|v| !v.is_empty())
    }

    /// A field that must not be empty.
    pub fn req(&self, col: Col) -> Result<&str, ImportError> {
        self.opt(col).ok_or_else(|| self.field_error(col, "is empty, but it is required".to_owned()))
    }

    pub fn opt_string(&self, col: Option<Col>) -> Option<String> {
        col.and_then(|c| self.opt(c)).map(str::to_owned)
    }

    pub fn int(&self, col: Col) -> Result<i64, ImportError> {
        let v = self.req(col)?;
        // MIMIC-III writes some integers as `12.0`.
        let v = v.strip_suffix(".0").unwrap_or(v);
        v.parse().map_err(|_| self.field_error(col, "is not a whole number".to_owned()))
    }

    pub fn opt_int(&self, col: Option<Col>) -> Result<Option<i64>, ImportError> {
        match col {
            Some(c) if self.opt(c).is_some() => self.int(c).map(Some),
            _ => Ok(None),
        }
    }

    /// A whole number within `range` (inclusive); `what` says the allowed values.
    pub fn int_in(&self, col: Col, range: std::ops::RangeInclusive<i64>, what: &str) -> Result<i64, ImportError> {
        let v = self.int(col)?;
        if range.contains(&v) { Ok(v) } else { Err(self.field_error(col, format!("is out of range: {what}"))) }
    }

    pub fn time(&self, col: Col) -> Result<Timestamp, ImportError> {
        let t: Timestamp = self.req(col)?.parse().map_err(|_| {
            self.field_error(col, "is not a date or date-time (expected YYYY-MM-DD[ HH:MM:SS])".to_owned())
        })?;
        if !(1..=9999).contains(&t.year()) {
            return Err(self.field_error(col, "is out of range: the year must be 1 to 9999".to_owned()));
        }
        Ok(t)
    }

    pub fn opt_time(&self, col: Option<Col>) -> Result<Option<Timestamp>, ImportError> {
        match col {
            Some(c) if self.opt(c).is_some() => self.time(c).map(Some),
            _ => Ok(None),
        }
    }

    pub fn code(&self, col: Col, system: CodeSystem) -> Result<Code, ImportError> {
        Code::new(system, self.req(col)?).map_err(|e| {
            // The code system and the rule are named; the value itself is not echoed.
            let why = match e {
                leader_core::CodeError::Invalid { why, .. } => why,
                _ => "not a valid code",
            };
            self.field_error(col, format!("is not a valid {} code: {why}", system.display_name()))
        })
    }

    pub fn field_error(&self, col: Col, problem: String) -> ImportError {
        ImportError::Field { file: self.file.to_owned(), line: self.line, column: col.name.to_owned(), problem }
    }

    pub fn error(&self, problem: String) -> ImportError {
        ImportError::Malformed { file: self.file.to_owned(), line: self.line, problem }
    }
}
