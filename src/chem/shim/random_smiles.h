// The C++ half of src/chem/random_smiles.rs: RDKit's randomized SMILES writer, which the
// `rdkit` crate 0.3.0 does not bind.
#pragma once
#include "rust/cxx.h"
#include <cstdint>

namespace qattnc {

// A random valid SMILES of `smiles` (RDKit's MolToSmiles with canonical = false and
// doRandom = true: random root atom, random branch order), after seeding RDKit's global
// generator with `seed` (1 ≤ seed ≤ INT_MAX). Throws std::invalid_argument when RDKit cannot
// parse the input, and passes on RDKit's own exceptions (sanitisation failures).
rust::String random_smiles(rust::Str smiles, std::int32_t seed);

}  // namespace qattnc
