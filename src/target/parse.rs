//! Reading a [`Target`] from JSON (qattnc's format or IBM's backend configuration).

use super::{GateError, NativeSet, ReadoutError, Target};
use crate::opt::{CouplingMap, MAX_DEVICE_QUBITS};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A target file that cannot be used, with the file's name (and the position when the JSON
/// parser gives one).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {message}", position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct TargetError {
    /// The file (or other origin) the target came from.
    pub origin: String,
    /// Line and column, 1-based, of a JSON syntax error.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

/// Gate names a basis may list besides the native sets' own: IBM's configurations list these
/// non-gate instructions as well; they are accepted and ignored.
const IGNORED_NAMES: [&str; 7] = [
    "id",
    "measure",
    "reset",
    "delay",
    "if_else",
    "for_loop",
    "switch_case",
];

/// Every gate name any native set uses.
const KNOWN_GATES: [&str; 10] = [
    "cx", "cz", "ecr", "rz", "sx", "x", "rx", "gpi", "gpi2", "ms",
];

/// Most coupling pairs accepted (a complete graph of the largest device lists fewer).
const MAX_EDGES: usize = MAX_DEVICE_QUBITS * MAX_DEVICE_QUBITS;

impl Target {
    /// Parses a target from JSON text; `origin` names the file in errors.
    pub fn from_json_text(text: &str, origin: &str) -> Result<Target, TargetError> {
        let value: Value = serde_json::from_str(text).map_err(|e| TargetError {
            origin: origin.to_string(),
            position: Some((e.line(), e.column())),
            message: e.to_string(),
        })?;
        Target::from_json(&value, origin)
    }

    /// A target from a parsed JSON value.
    pub fn from_json(value: &Value, origin: &str) -> Result<Target, TargetError> {
        let error = |message: String| TargetError {
            origin: origin.to_string(),
            position: None,
            message,
        };
        let fields = value
            .as_object()
            .ok_or_else(|| error("expected a JSON object describing a device".into()))?;
        read(fields).map_err(error)
    }
}

fn read(fields: &Map<String, Value>) -> Result<Target, String> {
    let name = fields
        .get("name")
        .or_else(|| fields.get("backend_name"))
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or("`name` is not a string")
        })
        .transpose()?
        .unwrap_or_else(|| "device".to_string());
    let num_qubits = match fields.get("num_qubits").or_else(|| fields.get("n_qubits")) {
        None => return Err("missing `num_qubits` (or IBM's `n_qubits`)".into()),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| format!("`num_qubits` is {v}, not a count of qubits"))?,
    };
    if num_qubits == 0 || num_qubits > MAX_DEVICE_QUBITS as u64 {
        return Err(format!(
            "a device of {num_qubits} qubits: between 1 and {MAX_DEVICE_QUBITS} are accepted"
        ));
    }
    let n = num_qubits as usize;
    let directed = match fields.get("directed") {
        None => false,
        Some(v) => v.as_bool().ok_or("`directed` is not true or false")?,
    };
    let edges = read_edges(fields.get("coupling_map"), n)?;
    let names = read_basis(fields)?;
    let native = match &names {
        None => None,
        Some(names) => Some(NativeSet::from_names(names).ok_or_else(|| {
            format!(
                "the basis {names:?} contains none of the supported native sets: {}",
                supported_sets()
            )
        })?),
    };
    let basis: BTreeSet<&str> = names.iter().flatten().map(String::as_str).collect();
    let (gate_errors, readout_errors) = match fields.get("errors") {
        None => (BTreeMap::new(), None),
        Some(errors) => read_errors(errors, &basis, n, &edges)?,
    };
    let durations = match fields.get("durations") {
        None => BTreeMap::new(),
        Some(d) => read_durations(d, &basis)?,
    };
    let map = CouplingMap::new(n, &edges).map_err(|e| e.to_string())?;
    // Any direction of a listed pair is usable on an undirected device, and on an IBM
    // configuration both directions are listed when both exist.
    let directed = directed || native == Some(NativeSet::IbmEcr) && is_ibm(fields);
    Ok(Target {
        name,
        map,
        edges,
        directed,
        native,
        gate_errors,
        readout_errors,
        durations,
    })
}

/// Whether the object is IBM's backend configuration rather than qattnc's format.
fn is_ibm(fields: &Map<String, Value>) -> bool {
    fields.contains_key("n_qubits") && fields.contains_key("basis_gates")
}

fn supported_sets() -> String {
    let sets: Vec<String> = [
        NativeSet::IbmCx,
        NativeSet::IbmCz,
        NativeSet::IbmEcr,
        NativeSet::Ionq,
        NativeSet::Rigetti,
        NativeSet::Iqm,
    ]
    .iter()
    .map(|s| format!("{{{}}}", s.gate_names().join(", ")))
    .collect();
    sets.join(", ")
}

fn read_edges(value: Option<&Value>, n: usize) -> Result<Vec<(usize, usize)>, String> {
    let pairs = match value {
        None => return Err("missing `coupling_map` (a list of qubit pairs)".into()),
        Some(Value::Array(pairs)) => pairs,
        Some(_) => return Err("`coupling_map` is not a list of qubit pairs".into()),
    };
    if pairs.len() > MAX_EDGES {
        return Err(format!(
            "`coupling_map` lists {} pairs; at most {MAX_EDGES} are accepted",
            pairs.len()
        ));
    }
    let mut seen = BTreeSet::new();
    let mut edges = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let (a, b) = match pair.as_array().map(Vec::as_slice) {
            Some([a, b]) => a.as_u64().zip(b.as_u64()),
            _ => None,
        }
        .ok_or_else(|| format!("coupling pair {pair} is not two qubit indices"))?;
        if a >= n as u64 || b >= n as u64 {
            return Err(format!(
                "coupling pair [{a}, {b}] names a qubit past the device's {n}"
            ));
        }
        let (a, b) = (a as usize, b as usize);
        if a == b {
            return Err(format!(
                "coupling pair [{a}, {b}] couples a qubit to itself"
            ));
        }
        if !seen.insert((a, b)) {
            return Err(format!("coupling pair [{a}, {b}] is listed twice"));
        }
        edges.push((a, b));
    }
    Ok(edges)
}

fn read_basis(fields: &Map<String, Value>) -> Result<Option<Vec<String>>, String> {
    let Some(value) = fields.get("basis").or_else(|| fields.get("basis_gates")) else {
        return Ok(None);
    };
    let list = value
        .as_array()
        .ok_or("`basis` is not a list of gate names")?;
    let mut names = Vec::new();
    for entry in list {
        let name = entry
            .as_str()
            .ok_or_else(|| format!("basis entry {entry} is not a gate name"))?;
        if IGNORED_NAMES.contains(&name) {
            continue;
        }
        if !KNOWN_GATES.contains(&name) && name != "prx" {
            return Err(format!(
                "unknown gate `{name}` in the basis; known native gates: {}, prx",
                KNOWN_GATES.join(", ")
            ));
        }
        if names.iter().any(|n| n == name) {
            return Err(format!("gate `{name}` is listed twice in the basis"));
        }
        names.push(name.to_string());
    }
    Ok(Some(names))
}

/// A rate in [0, 1].
fn rate(value: &Value, what: &str) -> Result<f64, String> {
    match value.as_f64() {
        Some(e) if (0.0..=1.0).contains(&e) => Ok(e),
        _ => Err(format!(
            "{what}: error rate {value} is not a number between 0 and 1"
        )),
    }
}

type Errors = (BTreeMap<String, GateError>, Option<ReadoutError>);

fn read_errors(
    value: &Value,
    basis: &BTreeSet<&str>,
    n: usize,
    edges: &[(usize, usize)],
) -> Result<Errors, String> {
    let fields = value
        .as_object()
        .ok_or("`errors` is not an object of gate names")?;
    let mut gates = BTreeMap::new();
    let mut readout = None;
    for (gate, rates) in fields {
        if gate == "readout" {
            readout = Some(match rates {
                Value::Array(list) => {
                    if list.len() != n {
                        return Err(format!(
                            "`errors.readout` lists {} rates for a device of {n} qubits",
                            list.len()
                        ));
                    }
                    let rates = list
                        .iter()
                        .map(|r| rate(r, "errors.readout"))
                        .collect::<Result<_, _>>()?;
                    ReadoutError::PerQubit(rates)
                }
                other => ReadoutError::Uniform(rate(other, "errors.readout")?),
            });
            continue;
        }
        if !basis.contains(gate.as_str()) {
            return Err(format!(
                "`errors` gives rates for `{gate}`, which is not in the device's basis"
            ));
        }
        let what = format!("errors.{gate}");
        let entry = match rates {
            Value::Object(by_qubits) => {
                let mut map = BTreeMap::new();
                for (key, r) in by_qubits {
                    let qubits = key
                        .split(',')
                        .map(|q| q.trim().parse::<usize>().ok().filter(|&q| q < n))
                        .collect::<Option<Vec<usize>>>()
                        .filter(|qs| qs.len() <= 2)
                        .ok_or_else(|| {
                            format!("{what}: `{key}` is not a qubit or pair `a,b` of the device")
                        })?;
                    if let [a, b] = qubits[..]
                        && !edges.contains(&(a, b))
                        && !edges.contains(&(b, a))
                    {
                        return Err(format!("{what}: pair `{key}` is not coupled"));
                    }
                    map.insert(qubits, rate(r, &what)?);
                }
                GateError::ByQubits(map)
            }
            other => GateError::Uniform(rate(other, &what)?),
        };
        gates.insert(gate.clone(), entry);
    }
    Ok((gates, readout))
}

fn read_durations(value: &Value, basis: &BTreeSet<&str>) -> Result<BTreeMap<String, f64>, String> {
    let fields = value
        .as_object()
        .ok_or("`durations` is not an object of gate names and seconds")?;
    let mut durations = BTreeMap::new();
    for (gate, seconds) in fields {
        if gate != "readout" && !basis.contains(gate.as_str()) {
            return Err(format!(
                "`durations` gives `{gate}`, which is not in the device's basis"
            ));
        }
        match seconds.as_f64() {
            Some(s) if s.is_finite() && s >= 0.0 => {
                durations.insert(gate.clone(), s);
            }
            _ => {
                return Err(format!(
                    "durations.{gate}: {seconds} is not a non-negative number of seconds"
                ));
            }
        }
    }
    Ok(durations)
}
