//! Compile a layer spec from the library: build the score circuit, print statistics, and emit
//! OpenQASM 3.
//!
//! ```sh
//! cargo run --example compile_layer -- circuits/paper_conditional.toml
//! ```

use qattnc::compile::compile_layer;
use qattnc::emit::{EmitOptions, Format, emit};
use qattnc::layer::LayerSpec;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "circuits/paper_sequence.toml".to_string());
    let text = std::fs::read_to_string(&path)?;
    let spec = LayerSpec::from_toml(&text, &path)?;
    let compiled = compile_layer(&spec, 0, None);
    let stats = &compiled.stats.circuit;
    eprintln!(
        "{}: {} qubits, {} gates, {} CNOTs after decomposition, depth {}",
        spec.name, stats.qubits, stats.gates, stats.two_qubit_gates, stats.depth
    );
    print!(
        "{}",
        emit(&compiled.circuit, Format::Qasm3, &EmitOptions::default())
    );
    Ok(())
}
