"""Checks a routed OpenQASM 3 program with Qiskit: two-qubit gates against a device's coupling
map, and the readout <Z> of the qubit measured into c[0] per binding.

usage: check_routed.py PROGRAM.qasm DEVICE.json BINDINGS.json
prints one JSON object: {"off_map": [...], "two_qubit_gates": n, "readout_z": [...]}
"""

import json
import sys

from qiskit.quantum_info import Statevector
from qiskit.transpiler import CouplingMap
from qiskit_qasm3_import import parse


def main() -> None:
    program, device, bindings = sys.argv[1:4]
    circuit = parse(open(program).read())
    coupling = CouplingMap(json.load(open(device))["coupling_map"])
    coupling.make_symmetric()
    edges = set(map(tuple, coupling.get_edges()))
    pairs = [
        tuple(circuit.find_bit(q).index for q in inst.qubits)
        for inst in circuit.data
        if len(inst.qubits) == 2
    ]
    readout = next(
        circuit.find_bit(inst.qubits[0]).index
        for inst in circuit.data
        if inst.operation.name == "measure" and circuit.find_bit(inst.clbits[0]).index == 0
    )
    body = circuit.remove_final_measurements(inplace=False)
    readout_z = []
    for binding in json.load(open(bindings)):
        bound = body.assign_parameters({p: binding[p.name] for p in body.parameters})
        p0, p1 = Statevector(bound).probabilities([readout])
        readout_z.append(p0 - p1)
    print(json.dumps({
        "off_map": [list(p) for p in pairs if p not in edges],
        "two_qubit_gates": len(pairs),
        "readout_z": readout_z,
    }))


if __name__ == "__main__":
    main()
