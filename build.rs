//! Builds the C++ shim behind `src/chem/random_smiles.rs` (RDKit's randomized SMILES writer,
//! which the `rdkit` crate 0.3.0 does not bind) against the RDKit that `rdkit-sys` links:
//! the same include directories and C++ standard as its build script, and the RDKit libraries
//! the shim calls.

fn main() {
    let bridge = "src/chem/random_smiles.rs";
    let source = "src/chem/shim/random_smiles.cc";
    let header = "src/chem/shim/random_smiles.h";
    cxx_build::bridge(bridge)
        .file(source)
        .includes([
            "/usr/local/include",
            "/usr/local/include/rdkit",
            "/usr/include",
            "/usr/include/rdkit",
        ])
        .flag("-std=c++17")
        // RDKit's and Boost's headers warn under the compiler's defaults; the shim's own code
        // is small enough to read.
        .warnings(false)
        .compile("qattnc-rdkit-shim");
    for lib in ["SmilesParse", "GraphMol", "RDGeneral"] {
        println!("cargo:rustc-link-lib=dylib=RDKit{lib}");
    }
    for path in [bridge, source, header, "build.rs"] {
        println!("cargo:rerun-if-changed={path}");
    }
}
