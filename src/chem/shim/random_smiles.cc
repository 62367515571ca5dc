// RDKit's randomized SMILES writer behind a string-in, string-out function (see the header).
#include "qattnc/src/chem/shim/random_smiles.h"

#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/utils.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace qattnc {

rust::String random_smiles(rust::Str smiles, std::int32_t seed) {
  if (seed < 1) {
    throw std::invalid_argument("the seed must be positive");
  }
  const std::string text(smiles);
  std::unique_ptr<RDKit::RWMol> mol(RDKit::SmilesToMol(text));
  if (!mol) {
    throw std::invalid_argument("RDKit cannot parse the SMILES");
  }
  if (mol->getNumAtoms() == 0) {
    throw std::invalid_argument("the SMILES has no atoms");
  }
  // MolToSmiles draws the root atom and the neighbour order from this generator.
  RDKit::getRandomGenerator(seed);
  RDKit::SmilesWriteParams params;
  params.doIsomericSmiles = true;
  params.canonical = false;
  params.doRandom = true;
  return rust::String(RDKit::MolToSmiles(*mol, params));
}

}  // namespace qattnc
