//! Parameter bindings: one row of input values per circuit run, read from CSV or JSON or drawn
//! at random. Columns are matched to a program's inputs by name; unknown and missing names are
//! errors that name them, located in the file.

use crate::diagnostic::SourceError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::f64::consts::PI;
use std::ops::Range;

/// A row-major matrix of input values: `rows` × `inputs.len()`, columns in the order of the
/// program's inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Bindings {
    /// Number of rows.
    pub rows: usize,
    /// The values, row-major.
    pub values: Vec<f64>,
}

/// The most values (rows × inputs) a binding matrix may hold (1 GiB of `f64`).
pub const MAX_BINDING_VALUES: usize = 1 << 27;

fn too_many(origin: &str, text: &str, at: Range<usize>) -> SourceError {
    SourceError::new(
        origin,
        text,
        at,
        format!("more than {MAX_BINDING_VALUES} values in the bindings"),
    )
}

impl Bindings {
    /// `rows` rows drawn uniformly from [−π, π] with a ChaCha8 generator seeded by `seed`.
    pub fn random(inputs: usize, rows: usize, seed: u64) -> Result<Bindings, String> {
        if rows.saturating_mul(inputs.max(1)) > MAX_BINDING_VALUES {
            return Err(format!(
                "{rows} rows × {inputs} inputs exceed the limit of {MAX_BINDING_VALUES} values"
            ));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let values = (0..rows * inputs)
            .map(|_| rng.random_range(-PI..=PI))
            .collect();
        Ok(Bindings { rows, values })
    }

    /// Reads CSV text: a header of input names, then one row of numbers per circuit.
    pub fn from_csv(text: &str, origin: &str, inputs: &[String]) -> Result<Bindings, SourceError> {
        let error = |at: Range<usize>, message: String| SourceError::new(origin, text, at, message);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let csv_error = |e: csv::Error| {
            let at = e.position().map_or(0, |p| p.byte() as usize);
            let message = match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!("expected {expected_len} values, found {len}"),
                _ => e.to_string(),
            };
            error(at..at + 1, message)
        };
        let header = reader.headers().map_err(csv_error)?.clone();
        let header_start = reader
            .headers()
            .ok()
            .and_then(|h| h.position())
            .map_or(0, |p| p.byte() as usize);
        let columns = match_columns(
            header
                .iter()
                .enumerate()
                .map(|(k, name)| (name.to_string(), field_span(text, header_start, k))),
            inputs,
            |at, message| error(at, message),
            header_start..header_start + 1,
        )?;
        let mut values = Vec::new();
        let mut rows = 0;
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).map_err(csv_error)? {
            let start = record.position().map_or(0, |p| p.byte() as usize);
            if values.len() + inputs.len() > MAX_BINDING_VALUES {
                return Err(too_many(origin, text, start..start + 1));
            }
            let mut row = vec![0.0; inputs.len()];
            for (k, field) in record.iter().enumerate() {
                let value = field.parse::<f64>().ok().filter(|v| v.is_finite());
                let Some(value) = value else {
                    return Err(error(
                        field_span(text, start, k),
                        format!(
                            "expected a finite number for `{}`, found `{field}`",
                            &header[k]
                        ),
                    ));
                };
                row[columns[k]] = value;
            }
            values.extend(row);
            rows += 1;
        }
        Ok(Bindings { rows, values })
    }

    /// Reads JSON text: an array of objects `{"name": value, …}`, one per circuit, or a single
    /// object for one circuit.
    pub fn from_json(text: &str, origin: &str, inputs: &[String]) -> Result<Bindings, SourceError> {
        let error = |at: Range<usize>, message: String| SourceError::new(origin, text, at, message);
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            let at = line_column_offset(text, e.line(), e.column());
            error(at..at + 1, e.to_string())
        })?;
        let (objects, starts) = match value {
            serde_json::Value::Array(items) => (items, element_starts(text)),
            object @ serde_json::Value::Object(_) => (vec![object], vec![first_char(text)]),
            _ => {
                let at = first_char(text);
                return Err(error(
                    at..at + 1,
                    "expected an array of objects mapping input names to numbers".to_string(),
                ));
            }
        };
        if objects.len().saturating_mul(inputs.len()) > MAX_BINDING_VALUES {
            return Err(too_many(origin, text, 0..0));
        }
        let mut values = Vec::with_capacity(objects.len() * inputs.len());
        for (r, object) in objects.iter().enumerate() {
            let at = starts.get(r).copied().unwrap_or(0);
            let span = at..at + 1;
            let serde_json::Value::Object(map) = object else {
                return Err(error(span, format!("binding {r}: expected an object")));
            };
            let columns = match_columns(
                map.keys().map(|k| (k.clone(), span.clone())),
                inputs,
                |at, message| error(at, format!("binding {r}: {message}")),
                span.clone(),
            )?;
            let mut row = vec![0.0; inputs.len()];
            for ((name, value), column) in map.iter().zip(columns) {
                row[column] = value.as_f64().filter(|v| v.is_finite()).ok_or_else(|| {
                    error(
                        span.clone(),
                        format!("binding {r}: `{name}` must be a finite number, found {value}"),
                    )
                })?;
            }
            values.extend(row);
        }
        Ok(Bindings {
            rows: objects.len(),
            values,
        })
    }
}

/// The input index of every named column; unknown, repeated and missing names are errors.
fn match_columns(
    names: impl Iterator<Item = (String, Range<usize>)>,
    inputs: &[String],
    error: impl Fn(Range<usize>, String) -> SourceError,
    whole: Range<usize>,
) -> Result<Vec<usize>, SourceError> {
    let mut columns = Vec::new();
    let mut unknown = Vec::new();
    let mut first_unknown = None;
    for (name, span) in names {
        match inputs.iter().position(|i| *i == name) {
            Some(k) if columns.contains(&k) => {
                return Err(error(span, format!("input `{name}` is given twice")));
            }
            Some(k) => columns.push(k),
            None => {
                first_unknown.get_or_insert(span);
                unknown.push(format!("`{name}`"));
            }
        }
    }
    if let Some(span) = first_unknown {
        return Err(error(
            span,
            format!(
                "unknown input(s) {}; the program's inputs are {}",
                unknown.join(", "),
                list(inputs)
            ),
        ));
    }
    let missing: Vec<String> = (0..inputs.len())
        .filter(|k| !columns.contains(k))
        .map(|k| format!("`{}`", inputs[k]))
        .collect();
    if !missing.is_empty() {
        return Err(error(
            whole,
            format!("missing input(s) {}", missing.join(", ")),
        ));
    }
    Ok(columns)
}

fn list(inputs: &[String]) -> String {
    if inputs.is_empty() {
        return "none".to_string();
    }
    let shown: Vec<&str> = inputs.iter().take(12).map(String::as_str).collect();
    let more = if inputs.len() > 12 { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// The byte span of field `k` of the CSV record starting at `start` (quotes are skipped).
fn field_span(text: &str, start: usize, k: usize) -> Range<usize> {
    let line_end = text[start.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| start + i);
    let line = &text[start.min(text.len())..line_end];
    let (mut field, mut quoted, mut field_start) = (0, false, 0);
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                if field == k {
                    return start + field_start..start + i;
                }
                field += 1;
                field_start = i + 1;
            }
            _ => {}
        }
    }
    if field == k {
        start + field_start..line_end
    } else {
        start..start + 1
    }
}

fn first_char(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

/// Byte offsets of the top-level elements of a JSON array.
fn element_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut expecting) = (0usize, false, false, false);
    for (i, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if expecting && depth == 1 && !c.is_whitespace() && c != ']' {
            starts.push(i);
            expecting = false;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                expecting = depth == 1;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expecting = true,
            _ => {}
        }
    }
    starts
}

/// The byte offset of a 1-based line and column.
fn line_column_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    (line_start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn csv_columns_follow_the_inputs_by_name() {
        let b = Bindings::from_csv("b, a\n1, 2\n3,4\n", "b.csv", &names(&["a", "b"])).unwrap();
        assert_eq!((b.rows, b.values), (2, vec![2.0, 1.0, 4.0, 3.0]));
        let e = Bindings::from_csv("a,c,d\n1,2,3\n", "b.csv", &names(&["a", "b"])).unwrap_err();
        assert_eq!((e.line, e.column), (1, 3));
        assert!(e.message.contains("`c`, `d`"), "{e}");
        let e = Bindings::from_csv("a\n1\n", "b.csv", &names(&["a", "b"])).unwrap_err();
        assert!(e.message.contains("missing input(s) `b`"), "{e}");
        let e = Bindings::from_csv("a,b\n1,2\n3,x\n", "b.csv", &names(&["a", "b"])).unwrap_err();
        assert_eq!((e.line, e.column), (3, 3));
        let e = Bindings::from_csv("a,b\n1,2,3\n", "b.csv", &names(&["a", "b"])).unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn json_arrays_and_objects() {
        let inputs = names(&["a", "b"]);
        let b = Bindings::from_json(
            "[{\"b\": 1, \"a\": 2},\n {\"a\": 3, \"b\": 4}]",
            "b.json",
            &inputs,
        )
        .unwrap();
        assert_eq!((b.rows, b.values), (2, vec![2.0, 1.0, 3.0, 4.0]));
        let b = Bindings::from_json("{\"a\": 1, \"b\": 2}", "b.json", &inputs).unwrap();
        assert_eq!(b.rows, 1);
        let e = Bindings::from_json("[{\"a\": 1, \"b\": 2},\n {\"a\": 3}]", "b.json", &inputs)
            .unwrap_err();
        assert_eq!((e.line, e.column), (2, 2));
        assert!(e.message.contains("binding 1: missing input(s) `b`"), "{e}");
        let e = Bindings::from_json("[{\"a\": 1,", "b.json", &inputs).unwrap_err();
        assert_eq!(e.line, 1);
    }

    #[test]
    fn random_rows_are_seeded() {
        let a = Bindings::random(3, 4, 1).unwrap();
        assert_eq!(a, Bindings::random(3, 4, 1).unwrap());
        assert_ne!(a, Bindings::random(3, 4, 2).unwrap());
        assert!(a.values.iter().all(|v| v.abs() <= PI));
        assert!(Bindings::random(3, usize::MAX, 1).is_err());
    }
}
