// A small program that exercises the OpenQASM 3 subset qattnc reads: a parameterised gate
// definition, ctrl/negctrl/inv modifiers, the OpenQASM 2 names, broadcasting and measurement.
OPENQASM 3.0;
include "stdgates.inc";

input float[64] theta;
input angle phi;

gate entangle(a) x, y {
  ry(a) x;
  cx x, y;
  u3(a / 2, pi / 4, -a) y;
}

qubit[3] q;
bit[3] c;

h q;
entangle(theta) q[0], q[1];
ctrl @ inv @ entangle(2 * phi + 0.1) q[2], q[0], q[1];
negctrl @ rz(phi) q[1], q[2];
cswap q[0], q[1], q[2];
u2(0, pi) q[2];
c = measure q;
