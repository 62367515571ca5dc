//! `qattnc compile`: layer spec → score circuit → OpenQASM 3 / CUDA-Q.

use super::{Failure, read_input, write_output};
use crate::compile::{CompileStats, MAX_LEVEL, compile_part, route_compiled};
use crate::emit::{EmitOptions, Format, emit};
use crate::layer::{LayerSpec, PART_NAMES, PRESETS, Part, preset, readout};
use crate::opt::{Basis, CouplingMap};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `qattnc compile`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// Layer spec (TOML). See circuits/paper_sequence.toml.
    #[arg(required_unless_present = "preset", conflicts_with = "preset")]
    layer: Option<PathBuf>,
    /// Use a built-in layer instead of a file: paper_sequence or paper_conditional.
    #[arg(long, value_name = "NAME")]
    preset: Option<String>,
    /// Output file; the program goes to standard output when absent.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// Output format; by default taken from the output file's extension (.qasm, .py, .cpp),
    /// else qasm3.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["qasm3", "cudaq-python", "cudaq-cpp"]))]
    format: Option<String>,
    /// Optimisation level 0–3 (-O0 is the paper's reference form).
    #[arg(short = 'O', default_value_t = MAX_LEVEL, value_parser = clap::value_parser!(u8).range(0..=MAX_LEVEL as i64))]
    level: u8,
    /// Decompose the result into a gate basis: `cx` (CNOT and one-qubit gates), `ibm-cx`
    /// ({cx, rz, sx, x}) or `ibm-cz` ({cz, rz, sx, x}).
    #[arg(long, value_name = "BASIS")]
    basis: Option<String>,
    /// Route onto a device: a JSON coupling map, either IBM's backend configuration
    /// (`n_qubits`, `coupling_map`) or a list of qubit pairs `[[0, 1], [1, 2], …]`. The
    /// program's qubit k is then physical qubit k.
    #[arg(long, value_name = "JSON", conflicts_with = "target")]
    coupling_map: Option<PathBuf>,
    /// Compile for a device (design.md §11; circuits/devices/ ships several): route onto its
    /// coupling map, then translate into its native gates (OpenQASM 3 output only). The
    /// header and `--json` give the layouts, SWAPs and, when the target has error rates, the
    /// estimated success probability.
    #[arg(long, value_name = "DEVICE.json")]
    target: Option<PathBuf>,
    /// Which program to emit: `score` (the score circuit of `[score] kind`), `ansatz` (U(θ) of
    /// `[ansatz]` alone, inputs theta_k in the family's own order), `query-state` or
    /// `key-state` (ψ_q(i) or ψ_k(j), every qubit measured).
    #[arg(long, default_value = "score", value_parser = clap::builder::PossibleValuesParser::new(PART_NAMES))]
    part: String,
    /// Which attention head's circuit to emit (0-based; layers with `[score] heads = h > 1`
    /// have one circuit per head, inputs query_H_k and key_H_k).
    #[arg(long, value_name = "H", default_value_t = 0)]
    head: usize,
    /// Print statistics (qubits, gates, two-qubit gates, depth, level, time).
    #[arg(long)]
    stats: bool,
    /// Print the statistics as one JSON object on the last line of standard output.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: CompileArgs) -> Result<(), Failure> {
    let spec = load_spec(&args)?;
    let format = match (&args.format, &args.output) {
        (Some(name), _) => name.parse::<Format>().map_err(Failure::BadInput)?,
        (None, Some(path)) => Format::from_extension(path).unwrap_or(Format::Qasm3),
        (None, None) => Format::Qasm3,
    };
    let basis = args
        .basis
        .as_deref()
        .map(str::parse::<Basis>)
        .transpose()
        .map_err(Failure::BadInput)?;
    let part = Part::from_name(&args.part).expect("clap checks the part name");
    if args.head >= spec.heads {
        return Err(Failure::BadInput(format!(
            "--head {} is out of range: layer `{}` has {} head{} (0..{})",
            args.head,
            spec.name,
            spec.heads,
            if spec.heads == 1 { "" } else { "s" },
            spec.heads
        )));
    }
    let mut compiled = compile_part(&spec, part, args.head, args.level, basis);
    if let Some(path) = &args.target {
        return run_for_target(&args, &spec, part, compiled, path, format);
    }
    if let Some(path) = &args.coupling_map {
        let map = load_coupling_map(path)?;
        compiled = route_compiled(compiled, &map, basis).map_err(|e| {
            Failure::BadInput(format!("cannot route onto `{}`: {e}", path.display()))
        })?;
    }
    let options = EmitOptions {
        header: program_header(&spec, part, args.head, &compiled),
        ..EmitOptions::default()
    };
    let program = emit(&compiled.circuit, format, &options);
    let mut stdout = std::io::stdout().lock();
    match &args.output {
        Some(path) => write_output(path, &program)?,
        None => print_ignoring_broken_pipe(&mut stdout, &program),
    }
    if args.json {
        let json = serde_json::to_string(&compiled.stats).expect("statistics serialise");
        print_ignoring_broken_pipe(&mut stdout, &format!("{json}\n"));
    } else if args.stats {
        print_ignoring_broken_pipe(&mut stdout, &render_stats(&compiled.stats));
    }
    Ok(())
}

/// The header comment of the program `part` of `spec` for `head` (what it is and how its
/// measurements give the score); `qattnc attention --circuits` writes the same.
pub(super) fn program_header(
    spec: &LayerSpec,
    part: Part,
    head: usize,
    compiled: &crate::compile::Compiled,
) -> Vec<String> {
    vec![
        format!("Generated by qattnc {}.", env!("CARGO_PKG_VERSION")),
        format!("Layer `{}`: {}", spec.name, spec.description),
        match &compiled.stats.routing {
            None => format!(
                "{}; optimisation -O{}.",
                readout(spec, part),
                compiled.stats.level
            ),
            Some(r) => format!(
                "{} (logical qubit k ends on physical qubit final_layout[k], final_layout = {:?}; \
                 measurements keep their bits); optimisation -O{}; routed with {} SWAPs.",
                readout(spec, part),
                r.final_layout,
                compiled.stats.level,
                r.swaps
            ),
        },
    ]
    .into_iter()
    .chain((spec.heads > 1).then(|| {
        format!(
            "Head {} of {}: inputs query_{}_k and key_{}_k (another head: --head H).",
            head, spec.heads, head, head
        )
    }))
    .collect()
}

/// `compile --target`: the optimised circuit routed and translated for the device.
fn run_for_target(
    args: &CompileArgs,
    spec: &LayerSpec,
    part: Part,
    compiled: crate::compile::Compiled,
    path: &std::path::Path,
    format: Format,
) -> Result<(), Failure> {
    let target = super::target::load_target(path)?;
    let start = std::time::Instant::now();
    let for_target = super::target::compile_for(&compiled.circuit, &target, path, format)?;
    let routing_ms = start.elapsed().as_secs_f64() * 1e3;
    let mut header = vec![
        format!("Generated by qattnc {}.", env!("CARGO_PKG_VERSION")),
        format!("Layer `{}`: {}", spec.name, spec.description),
        format!(
            "{}, logical qubits (physical qubit of logical k: final[k] below; measurements keep \
             their classical bits); optimisation -O{}.",
            readout(spec, part),
            compiled.stats.level
        ),
    ];
    header.extend(for_target.header());
    let program = super::target::program_text(&for_target, format, header);
    let mut stdout = std::io::stdout().lock();
    match &args.output {
        Some(path) => write_output(path, &program)?,
        None => print_ignoring_broken_pipe(&mut stdout, &program),
    }
    let mut stats = compiled.stats;
    stats.compile_ms += routing_ms;
    stats.circuit = crate::ir::CircuitStats::of(&for_target.routed);
    if args.json {
        let mut json = serde_json::to_value(&stats).expect("statistics serialise");
        json["target"] = serde_json::to_value(&for_target.report).expect("report serialises");
        print_ignoring_broken_pipe(&mut stdout, &format!("{json}\n"));
    } else if args.stats {
        print_ignoring_broken_pipe(&mut stdout, &render_stats(&stats));
        print_ignoring_broken_pipe(
            &mut stdout,
            &super::target::render_report(&for_target.report),
        );
    }
    Ok(())
}

fn load_coupling_map(path: &std::path::Path) -> Result<CouplingMap, Failure> {
    let text = read_input(path, "coupling map")?;
    let origin = path.display();
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Failure::BadInput(format!("{origin}:{}:{}: {e}", e.line(), e.column())))?;
    CouplingMap::from_json(&json)
        .map_err(|e| Failure::BadInput(format!("{origin}: {e}")))?
        .ok_or_else(|| {
            Failure::BadInput(format!(
                "{origin}: the configuration lists no `coupling_map` (a simulator?)"
            ))
        })
}

fn load_spec(args: &CompileArgs) -> Result<LayerSpec, Failure> {
    if let Some(name) = &args.preset {
        let names: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
        return preset(name)
            .ok_or_else(|| {
                Failure::BadInput(format!(
                    "unknown preset `{name}`; expected one of {}",
                    names.join(", ")
                ))
            })?
            .map_err(|e| Failure::BadInput(e.to_string()));
    }
    let path = args
        .layer
        .as_ref()
        .expect("clap requires a layer or a preset");
    let text = read_input(path, "layer spec")?;
    LayerSpec::from_toml(&text, &path.display().to_string())
        .map_err(|e| Failure::BadInput(e.to_string()))
}

/// Human-readable statistics.
fn render_stats(stats: &CompileStats) -> String {
    let c = &stats.circuit;
    let kinds: Vec<String> = c
        .gates_by_kind
        .iter()
        .map(|(kind, count)| format!("{kind}={count}"))
        .collect();
    let mut text = format!(
        "layer {} at -O{}\n  qubits            {}\n  inputs            {}\n  \
         gates             {} ({})\n  two-qubit gates   {} (CNOTs after decomposition)\n  \
         depth             {}\n  compile time      {:.3} ms\n",
        stats.layer,
        stats.level,
        c.qubits,
        c.inputs,
        c.gates,
        kinds.join(" "),
        c.two_qubit_gates,
        c.depth,
        stats.compile_ms
    );
    if let Some(r) = &stats.routing {
        text.push_str(&format!(
            "  routing           {} SWAPs on a {}-qubit device; layout {:?} → {:?}\n",
            r.swaps, r.device_qubits, r.initial_layout, r.final_layout
        ));
    }
    if !stats.passes.is_empty() {
        text.push_str("  passes            gates  two-qubit  time\n");
        for pass in &stats.passes {
            text.push_str(&format!(
                "    {:<24}{:>4} → {:<4}{:>4} → {:<4}{:>7.1} µs\n",
                pass.pass,
                pass.gates_before,
                pass.gates_after,
                pass.two_qubit_before,
                pass.two_qubit_after,
                pass.micros
            ));
            if !pass.rules.is_empty() {
                let rules: Vec<String> = pass
                    .rules
                    .iter()
                    .map(|(rule, n)| format!("{rule}×{n}"))
                    .collect();
                text.push_str(&format!("      rules fired: {}\n", rules.join(", ")));
            }
        }
    }
    text
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
fn print_ignoring_broken_pipe(out: &mut impl Write, text: &str) {
    let _ = out.write_all(text.as_bytes());
}
