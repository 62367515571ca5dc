//! The batched state-preparation kernel ([`StatePrepKernel`]) as a candle custom op: an N × P
//! angle matrix in, the N prepared states out as real rows — 2^n amplitudes for the real kernel,
//! `[Re ψ | Im ψ]` (2 · 2^n values) for the complex one, so that in both cases the dot product of
//! two rows is Re⟨ψ_a|ψ_b⟩. The backward pass returns dL/dθ by adjoint differentiation
//! (design.md §4; the complex convention is in [`ComplexStatePrep`](crate::sim::ComplexStatePrep)).
//! [`ColumnsOp`] does the same for the columns U(θ_g)|c⟩ of a template's unitary, one block per
//! angle set: with them a unitary shared by many states is one matrix product, which is how
//! [`SharedPrefix`] prepares every head's ψ_q and ψ_k from one encoded state per token.
//! CPU only, `f32` or `f64`, contiguous input.

use crate::ir::Circuit;
use crate::layer::{LayerSpec, ParameterGroup, Side, side_groups};
use crate::sim::{Real, SimError, StatePrepKernel};
use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor, WithDType,
};
use std::sync::Arc;

/// ψ = U(θ)|0⟩ for every row θ of an N × P tensor.
#[derive(Clone, Debug)]
pub struct StatePrepOp {
    prep: Arc<StatePrepKernel>,
}

impl StatePrepOp {
    /// The op for a compiled template (real or complex kernel).
    pub fn new(prep: Arc<StatePrepKernel>) -> StatePrepOp {
        StatePrepOp { prep }
    }

    /// The states for `angles` (N × P), recording the adjoint backward pass.
    pub fn states(&self, angles: &Tensor) -> Result<Tensor> {
        angles.apply_op1(self.clone())
    }
}

/// The rows of a contiguous 2-D input, checked against the template's parameter count.
fn rows(prep: &StatePrepKernel, layout: &Layout, what: &str) -> Result<(usize, usize)> {
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("state-prep: {what} must be contiguous");
    };
    let (n, p) = layout.shape().dims2()?;
    if p != prep.num_params() {
        candle_core::bail!(
            "state-prep: {what} has {p} columns, the template {} parameters",
            prep.num_params()
        );
    }
    debug_assert_eq!(end - start, n * p);
    Ok((start, n))
}

fn sim_error(e: crate::sim::SimError) -> candle_core::Error {
    candle_core::Error::Msg(format!("state-prep: {e}"))
}

/// The `n` states for the angle rows `theta`, as candle storage of the angles' type.
fn prepared<T: Real + WithDType>(
    prep: &StatePrepKernel,
    theta: &[T],
    n: usize,
) -> Result<CpuStorage> {
    let mut out = vec![T::zero(); n * prep.width()];
    prep.states(theta, &mut out).map_err(sim_error)?;
    Ok(T::to_cpu_storage_owned(out))
}

/// dL/dθ for the angle rows `theta` and upstream gradients `dl_dpsi`, as candle storage.
fn adjoint<T: Real + WithDType>(
    prep: &StatePrepKernel,
    theta: &[T],
    dl_dpsi: &[T],
    n: usize,
) -> Result<CpuStorage> {
    let mut grad = vec![T::zero(); n * prep.num_params()];
    prep.gradients(theta, dl_dpsi, &mut grad)
        .map_err(sim_error)?;
    Ok(T::to_cpu_storage_owned(grad))
}

impl CustomOp1 for StatePrepOp {
    fn name(&self) -> &'static str {
        "state-prep"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let (start, n) = rows(&self.prep, layout, "the angle matrix")?;
        let (p, dim) = (self.prep.num_params(), self.prep.width());
        let shape = Shape::from((n, dim));
        let storage = match storage {
            CpuStorage::F32(values) => prepared(&self.prep, &values[start..start + n * p], n)?,
            CpuStorage::F64(values) => prepared(&self.prep, &values[start..start + n * p], n)?,
            _ => candle_core::bail!("state-prep: angles must be f32 or f64"),
        };
        Ok((storage, shape))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let grad = arg.apply_op2_no_bwd(
            &grad_res.contiguous()?,
            &StatePrepGradient {
                prep: self.prep.clone(),
            },
        )?;
        Ok(Some(grad))
    }
}

/// dL/dθ (N × P) from θ (N × P) and dL/d(state rows): the adjoint sweep of the kernel.
struct StatePrepGradient {
    prep: Arc<StatePrepKernel>,
}

impl CustomOp2 for StatePrepGradient {
    fn name(&self) -> &'static str {
        "state-prep-gradient"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (start, n) = rows(&self.prep, l1, "the angle matrix")?;
        let Some((g_start, _)) = l2.contiguous_offsets() else {
            candle_core::bail!("state-prep: dL/dψ must be contiguous");
        };
        let (p, dim) = (self.prep.num_params(), self.prep.width());
        if l2.shape().dims2()? != (n, dim) {
            candle_core::bail!(
                "state-prep: dL/dψ has shape {:?}, expected ({n}, {dim})",
                l2.shape()
            );
        }
        let shape = Shape::from((n, p));
        let (rows, upstream) = (start..start + n * p, g_start..g_start + n * dim);
        let storage = match (s1, s2) {
            (CpuStorage::F32(theta), CpuStorage::F32(dl_dpsi)) => {
                adjoint(&self.prep, &theta[rows], &dl_dpsi[upstream], n)?
            }
            (CpuStorage::F64(theta), CpuStorage::F64(dl_dpsi)) => {
                adjoint(&self.prep, &theta[rows], &dl_dpsi[upstream], n)?
            }
            _ => candle_core::bail!("state-prep: angles and dL/dψ must both be f32 or both f64"),
        };
        Ok((storage, shape))
    }
}

/// The columns U(θ_g)|c⟩ (c < 2^n) of the template's unitary for every row θ_g of a G × P
/// tensor, as state rows: G × 2^n × [`StatePrepKernel::width`]. The backward pass sums each
/// column's adjoint sweep (started from the saved column, so nothing is prepared twice).
#[derive(Clone, Debug)]
pub struct ColumnsOp {
    prep: Arc<StatePrepKernel>,
}

impl ColumnsOp {
    /// The op for a compiled template (real or complex kernel).
    pub fn new(prep: Arc<StatePrepKernel>) -> ColumnsOp {
        ColumnsOp { prep }
    }

    /// The columns for `sets` (G × P), recording the adjoint backward pass.
    pub fn columns(&self, sets: &Tensor) -> Result<Tensor> {
        sets.apply_op1(self.clone())
    }
}

fn columns<T: Real + WithDType>(
    prep: &StatePrepKernel,
    sets: &[T],
    g: usize,
) -> Result<CpuStorage> {
    let mut out = vec![T::zero(); g * prep.dim() * prep.width()];
    prep.columns(sets, &mut out).map_err(sim_error)?;
    Ok(T::to_cpu_storage_owned(out))
}

fn column_gradients<T: Real + WithDType>(
    prep: &StatePrepKernel,
    sets: &[T],
    cols: &[T],
    upstream: &[T],
    g: usize,
) -> Result<CpuStorage> {
    let mut grad = vec![T::zero(); g * prep.num_params()];
    prep.column_gradients(sets, cols, upstream, &mut grad)
        .map_err(sim_error)?;
    Ok(T::to_cpu_storage_owned(grad))
}

impl CustomOp1 for ColumnsOp {
    fn name(&self) -> &'static str {
        "unitary-columns"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let (start, g) = rows(&self.prep, layout, "the angle sets")?;
        let p = self.prep.num_params();
        let shape = Shape::from((g, self.prep.dim(), self.prep.width()));
        let storage = match storage {
            CpuStorage::F32(values) => columns(&self.prep, &values[start..start + g * p], g)?,
            CpuStorage::F64(values) => columns(&self.prep, &values[start..start + g * p], g)?,
            _ => candle_core::bail!("unitary-columns: angles must be f32 or f64"),
        };
        Ok((storage, shape))
    }

    fn bwd(&self, arg: &Tensor, res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let grad = arg.apply_op3_no_bwd(
            &res.contiguous()?,
            &grad_res.contiguous()?,
            &ColumnsGradient {
                prep: self.prep.clone(),
            },
        )?;
        Ok(Some(grad))
    }
}

/// dL/dθ (G × P) from θ (G × P), the columns and dL/d(columns) (both G × 2^n × width).
struct ColumnsGradient {
    prep: Arc<StatePrepKernel>,
}

impl CustomOp3 for ColumnsGradient {
    fn name(&self) -> &'static str {
        "unitary-columns-gradient"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (start, g) = rows(&self.prep, l1, "the angle sets")?;
        let (p, size) = (self.prep.num_params(), self.prep.dim() * self.prep.width());
        let expected = (g, self.prep.dim(), self.prep.width());
        let mut offsets = [0; 2];
        for (offset, (layout, what)) in offsets
            .iter_mut()
            .zip([(l2, "the columns"), (l3, "dL/d(columns)")])
        {
            let Some((o, _)) = layout.contiguous_offsets() else {
                candle_core::bail!("unitary-columns: {what} must be contiguous");
            };
            if layout.shape().dims3()? != expected {
                candle_core::bail!(
                    "unitary-columns: {what} has shape {:?}, expected {expected:?}",
                    layout.shape()
                );
            }
            *offset = o;
        }
        let (sets, cols, up) = (
            start..start + g * p,
            offsets[0]..offsets[0] + g * size,
            offsets[1]..offsets[1] + g * size,
        );
        let storage = match (s1, s2, s3) {
            (CpuStorage::F32(a), CpuStorage::F32(c), CpuStorage::F32(u)) => {
                column_gradients(&self.prep, &a[sets], &c[cols], &u[up], g)?
            }
            (CpuStorage::F64(a), CpuStorage::F64(c), CpuStorage::F64(u)) => {
                column_gradients(&self.prep, &a[sets], &c[cols], &u[up], g)?
            }
            _ => candle_core::bail!("unitary-columns: angles and gradients must share f32 or f64"),
        };
        Ok((storage, Shape::from((g, p))))
    }
}

/// Every head's ψ_q,h and ψ_k,h of a layer from the prefix they share (design.md §4).
///
/// ψ_q,h(i) = U_q,h φ(i) and ψ_k,h(i) = U_k,h φ(i) with φ(i) = U_prop U_pos(i) U_tok(i)|0⟩: the
/// token, position and property unitaries and their angles are the same for both sides and
/// every head, and they act on disjoint registers, so φ(i) = φ_prop ⊗ φ_pos(i) ⊗ φ_tok(i) is a
/// product of small states, each prepared by its register's own template (a [`StatePrepOp`]
/// on 2^{n_reg} amplitudes) and multiplied out per token. The 2h unitaries U_q,h, U_k,h — each
/// the same for every token — are built once per step as 2^n columns ([`ColumnsOp`]), and all
/// 2h·N states are one matrix product φ · [M_q,0 | … | M_k,h−1]. The backward pass is candle's:
/// the matrix product sums the 2h heads' cotangents at the prefix boundary, each register's
/// adjoint runs once per row, and each unitary's adjoint runs over its 2^n columns.
///
/// Per token this costs a (w × 2h·w) row product instead of 2h whole templates, which wins while
/// 2^n is small against the ansatz's gate count: layers of more than [`SharedPrefix::MAX_QUBITS`]
/// working qubits keep preparing whole templates.
#[derive(Clone, Debug)]
pub struct SharedPrefix {
    /// The token, position and property registers' templates (those present, in that order,
    /// which is also the order of their qubits: the token register holds the lowest bits).
    encodings: Vec<StatePrepOp>,
    ansatz: ColumnsOp,
    complex: bool,
    /// The last encoding register is the property register, whose state is the same for every
    /// token of a sequence ([`SharedPrefix::overlap_queries`] contracts it into V_h).
    per_sequence: bool,
}

/// The circuit of `group`'s gates on `qubits` qubits (the group's own register, relabelled from
/// 0, or the working register), its inputs declared in order.
fn group_circuit(spec: &LayerSpec, group: &ParameterGroup, qubits: usize) -> Circuit {
    let mut circuit = Circuit::new(qubits, 0);
    for name in group.input_names() {
        circuit.declare_input(name);
    }
    circuit
        .extend_gates(group.gates(spec, 0))
        .expect("a layer's gates fit its register");
    circuit
}

/// The rows r(i·x) = `[−Im x | Re x]` of complex state rows r(x) = `[Re x | Im x]` along `dim`.
pub(crate) fn times_i(rows: &Tensor, dim: usize) -> Result<Tensor> {
    let d = rows.dim(dim)? / 2;
    let (re, im) = (rows.narrow(dim, 0, d)?, rows.narrow(dim, d, d)?);
    Tensor::cat(&[&im.neg()?, &re], dim)
}

impl SharedPrefix {
    /// The most working qubits for which the shared prefix is used (2^n × 2^n unitaries).
    pub const MAX_QUBITS: usize = 8;

    /// The split templates of `spec` (each encoding register's, then one head's `query` group,
    /// whose gates are the `key` group's too), or `None` when the layer is too wide for it or a
    /// part has no parameters. Every part runs on the complex kernel when one needs it.
    pub fn for_layer(spec: &LayerSpec) -> std::result::Result<Option<SharedPrefix>, SimError> {
        let n = spec.registers.working();
        let groups = side_groups(spec, Side::Query);
        if n > Self::MAX_QUBITS || groups.iter().any(|g| g.count == 0) {
            return Ok(None);
        }
        let circuits: Vec<Circuit> = groups
            .iter()
            .map(|g| {
                if g.is_whole() {
                    group_circuit(spec, g, n)
                } else {
                    let own = ParameterGroup {
                        qubits: 0..g.qubits.len(),
                        ..g.clone()
                    };
                    group_circuit(spec, &own, own.qubits.len())
                }
            })
            .collect();
        let mut kernels = circuits
            .iter()
            .map(StatePrepKernel::from_circuit)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let complex = kernels.iter().any(StatePrepKernel::is_complex);
        if complex {
            kernels = circuits
                .iter()
                .map(StatePrepKernel::complex)
                .collect::<std::result::Result<Vec<_>, _>>()?;
        }
        // side_groups lists the encoding registers, then U_q on the whole register.
        let ansatz = kernels.pop().map(Arc::new);
        match (ansatz, groups.last().is_some_and(ParameterGroup::is_whole)) {
            (Some(ansatz), true) => Ok(Some(SharedPrefix {
                encodings: kernels
                    .into_iter()
                    .map(|k| StatePrepOp::new(Arc::new(k)))
                    .collect(),
                ansatz: ColumnsOp::new(ansatz),
                complex,
                per_sequence: spec.registers.property > 0,
            })),
            _ => Ok(None),
        }
    }

    /// Whether the states are complex (rows `[Re ψ | Im ψ]`).
    pub fn is_complex(&self) -> bool {
        self.complex
    }

    /// The state rows ((B·T) × G·w, block g = U(θ_g)φ(b, t) for row b·T + t) under the G angle
    /// sets `sets` (G × P_ansatz: one head's `query` or `key` angles per row) of the tokens whose
    /// encoding angles are `registers`: one tensor per encoding register in
    /// [`Self::for_layer`]'s order, of shape (B or 1) × (T or 1) × r_reg (token angles per
    /// token, position angles per position, property angles per sequence).
    pub fn states(&self, registers: &[Tensor], sets: &Tensor) -> Result<Tensor> {
        let phi = self.encoded(registers, &self.encodings)?;
        let m = self.unitaries(sets)?;
        // m[g, k, j] = row k of M_g, entry j; φ · M_g for every g in one product.
        let (g, w, _) = m.dims3()?;
        let blocks = m.transpose(0, 1)?.contiguous()?.reshape((w, g * w))?;
        phi.matmul(&blocks)
    }

    /// The rows of every head's overlap query, side by side ((B·T) × h·w'), and the key rows
    /// that every head shares ((B·T) × w'), for the h query and h key angle sets (each h ×
    /// P_ansatz) and the encoding angles `registers` of [`Self::states`]. With V_h = U_k,h† U_q,h,
    /// ⟨ψ_q,h(i)|ψ_k,h(j)⟩ = ⟨U_q,h φ(i)|U_k,h φ(j)⟩ = ⟨V_h φ(i)|φ(j)⟩, whose real part is the
    /// row product of V_h φ(i) and φ(j) (`[Re | Im]` rows for complex states): every head scores
    /// against the same φ, and each token carries one block per head instead of two. The h
    /// products V_h (w × w, row form M_q,h · M_k,hᵀ) are made once per call; candle's autograd
    /// runs through them.
    ///
    /// When the last register is the property register, φ(i) = p ⊗ χ(i) with p the same for
    /// every token of the sequence, and ⟨V_h φ(i)|φ(j)⟩ = ⟨A_h χ(i)|χ(j)⟩ with
    /// A_h = (p† ⊗ I) V_h (p ⊗ I), one w_χ × w_χ matrix per sequence and head
    /// ([`Self::contract_property`]): the query rows are A_h χ(i) and the key rows χ(i), both
    /// narrower than φ by the property register's dimension. Otherwise they are V_h φ(i) and φ(i).
    ///
    /// With `imaginary` (complex layers only) the query rows are those of i·V_h φ(i) (i·A_h χ(i)),
    /// whose row product with the key rows is Im⟨ψ_q,h(i)|ψ_k,h(j)⟩.
    pub fn overlap_queries(
        &self,
        registers: &[Tensor],
        query_sets: &Tensor,
        key_sets: &Tensor,
        imaginary: bool,
    ) -> Result<(Tensor, Tensor)> {
        if imaginary && !self.complex {
            candle_core::bail!("shared prefix: i·V_h needs complex states");
        }
        let h = query_sets.dim(0)?;
        let m = self.unitaries(&Tensor::cat(&[query_sets, key_sets], 0)?)?;
        // r(U_k† x) = r(x) · M_kᵀ (the row form of a unitary is orthogonal).
        let v = m
            .narrow(0, 0, h)?
            .matmul(&m.narrow(0, h, h)?.transpose(1, 2)?)?;
        let split = match (self.per_sequence, registers.split_last()) {
            (true, Some((property, tokens))) if !tokens.is_empty() => Some((property, tokens)),
            _ => None,
        };
        let Some((property, tokens)) = split else {
            let phi = self.encoded(registers, &self.encodings)?;
            let v = if imaginary { times_i(&v, 2)? } else { v };
            let w = v.dim(1)?;
            let blocks = v.transpose(0, 1)?.contiguous()?.reshape((w, h * w))?;
            return Ok((phi.matmul(&blocks)?, phi));
        };
        let (b, t, _) = tokens[0].dims3()?;
        let (pb, pt, r) = property.dims3()?;
        if pb != b || pt != 1 {
            candle_core::bail!(
                "shared prefix: property angles of shape {pb} × {pt} for {b} sequences"
            );
        }
        let last = self.encodings.len() - 1;
        let chi = self.encoded(tokens, &self.encodings[..last])?;
        let p = self.encodings[last].states(&property.reshape((b, r))?.contiguous()?)?;
        let a = self.contract_property(&v, &p)?;
        let a = if imaginary { times_i(&a, 3)? } else { a };
        let w = a.dim(2)?;
        let blocks = a.transpose(1, 2)?.contiguous()?.reshape((b, w, h * w))?;
        let queries = chi.reshape((b, t, w))?.matmul(&blocks)?;
        Ok((queries.reshape((b * t, h * w))?, chi))
    }

    /// The row forms a (B × h × w_χ × w_χ, r(A x) = r(x) · a) of A_{b,h} = (p_b† ⊗ I) V_h (p_b ⊗ I)
    /// from the row forms v (h × w × w) of V_h and the property state rows p (B × w_p), the
    /// property register on the highest bits. With T = Vᵀ indexed [(y, a), (x, c)] (y, x the
    /// property's basis states), Aᵀ[a, c] = Σ_{y,x} p_y p̄_x T[(y, a), (x, c)]: one matrix
    /// product of the B outer products p ⊗ p̄ with T rearranged as (y, x) × (h, a, c).
    fn contract_property(&self, v: &Tensor, p: &Tensor) -> Result<Tensor> {
        let h = v.dim(0)?;
        let (b, p_width) = p.dims2()?;
        let np = if self.complex { p_width / 2 } else { p_width };
        let w = if self.complex {
            v.dim(1)? / 2
        } else {
            v.dim(1)?
        };
        let m = w / np;
        // T (or a part of it) as (y, x) × (h, a, c).
        let pairs = |t: &Tensor| -> Result<Tensor> {
            t.reshape((h, np, m, np, m))?
                .permute((1, 3, 0, 2, 4))?
                .contiguous()?
                .reshape((np * np, h * m * m))
        };
        // The outer product of two B × np rows, B × np².
        let outer = |y: &Tensor, x: &Tensor| -> Result<Tensor> {
            y.unsqueeze(2)?
                .broadcast_mul(&x.unsqueeze(1)?)?
                .reshape((b, np * np))
        };
        if !self.complex {
            return outer(p, p)?.matmul(&pairs(v)?)?.reshape((b, h, m, m));
        }
        // v = [[Tr, Ti], [−Ti, Tr]]; with q = p ⊗ p̄, q·T in row form is
        // [qr | qi] · [[Tr, Ti], [−Ti, Tr]].
        let top = v.narrow(1, 0, w)?;
        let (tr, ti) = (pairs(&top.narrow(2, 0, w)?)?, pairs(&top.narrow(2, w, w)?)?);
        let block = Tensor::cat(
            &[
                &Tensor::cat(&[&tr, &ti], 1)?,
                &Tensor::cat(&[&ti.neg()?, &tr], 1)?,
            ],
            0,
        )?;
        let (pr, pi) = (p.narrow(1, 0, np)?, p.narrow(1, np, np)?);
        // p_y p̄_x = (pr_y pr_x + pi_y pi_x) + i (pi_y pr_x − pr_y pi_x).
        let qr = (outer(&pr, &pr)? + outer(&pi, &pi)?)?;
        let qi = (outer(&pi, &pr)? - outer(&pr, &pi)?)?;
        let a = Tensor::cat(&[&qr, &qi], 1)?.matmul(&block)?;
        let k = h * m * m;
        let part = |offset| a.narrow(1, offset, k)?.reshape((b, h, m, m));
        let top = Tensor::cat(&[&part(0)?, &part(k)?], 3)?;
        Tensor::cat(&[&top, &times_i(&top, 3)?], 2)
    }

    /// The rows of the product state of the registers' factors, (B·T) × w (φ(b, t) = φ_prop ⊗
    /// φ_pos(t) ⊗ φ_tok(b, t) for all of them), from the encoding angles `registers` of
    /// [`Self::states`] and the registers' ops.
    fn encoded(&self, registers: &[Tensor], encodings: &[StatePrepOp]) -> Result<Tensor> {
        if registers.len() != encodings.len() {
            candle_core::bail!(
                "shared prefix: {} encoding registers given, the layer has {}",
                registers.len(),
                encodings.len()
            );
        }
        let mut phi: Option<Tensor> = None;
        for (angles, op) in registers.iter().zip(encodings) {
            let (b, t, r) = angles.dims3()?;
            let rows = op.states(&angles.reshape((b * t, r))?.contiguous()?)?;
            let factor = rows.reshape((b, t, ()))?;
            phi = Some(match phi {
                None => factor,
                Some(low) => self.kron(&factor, &low)?,
            });
        }
        let phi = phi.ok_or_else(|| candle_core::Error::Msg("no encoding register".into()))?;
        let (b, t, w) = phi.dims3()?;
        phi.reshape((b * t, w))
    }

    /// The row forms M_g (G × w × w, r(U_g x) = r(x) · M_g for state rows r) of the ansatz
    /// unitaries under the G angle sets `sets`.
    fn unitaries(&self, sets: &Tensor) -> Result<Tensor> {
        let columns = self.ansatz.columns(sets)?;
        if self.complex {
            // Rows of U(i|c⟩) = i·U|c⟩: [−Im | Re] of the columns' rows.
            Tensor::cat(&[&columns, &times_i(&columns, 2)?], 1)
        } else {
            Ok(columns)
        }
    }

    /// The rows of high ⊗ low (high on the higher bits) for state rows of shapes
    /// (B or 1) × (T or 1) × w_high and × w_low, broadcast over B and T.
    fn kron(&self, high: &Tensor, low: &Tensor) -> Result<Tensor> {
        let outer = |a: &Tensor, b: &Tensor| -> Result<Tensor> {
            let product = a.unsqueeze(3)?.broadcast_mul(&b.unsqueeze(2)?)?;
            let (bb, tt, wa, wb) = product.dims4()?;
            product.reshape((bb, tt, wa * wb))
        };
        if !self.complex {
            return outer(high, low);
        }
        let split = |x: &Tensor| -> Result<(Tensor, Tensor)> {
            let d = x.dim(2)? / 2;
            Ok((x.narrow(2, 0, d)?, x.narrow(2, d, d)?))
        };
        let ((hr, hi), (lr, li)) = (split(high)?, split(low)?);
        let re = (outer(&hr, &lr)? - outer(&hi, &li)?)?;
        let im = (outer(&hr, &li)? + outer(&hi, &lr)?)?;
        Tensor::cat(&[&re, &im], 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Angle, Circuit, Control, Gate, GateOp};
    use crate::sim::{Amplitude, Program};
    use candle_core::{DType, Device, Var};

    /// A complex template on 3 qubits: rx, rz, p, crx, cz, s and sx with affine angles.
    fn template() -> Circuit {
        let mut c = Circuit::new(3, 0);
        for name in ["a", "b", "c", "d"] {
            c.declare_input(name);
        }
        let x = |name: &str, k: f64| Angle::input(name).scale(k);
        let ops = [
            GateOp::rotation(Gate::Rx, x("a", 1.0), 0),
            GateOp::fixed(Gate::H, &[1]),
            GateOp::rotation(Gate::Rz, x("b", 0.5).add(&Angle::constant(0.3)), 1),
            GateOp::fixed(Gate::Z, &[2]).controlled_by(Control::on(0)),
            GateOp::rotation(Gate::Rx, x("c", -1.0), 2).controlled_by(Control::on(1)),
            GateOp::fixed(Gate::S, &[0]),
            GateOp::rotation(Gate::P, x("d", 1.0).add(&x("a", 0.25)), 1),
            GateOp::fixed(Gate::Sx, &[2]),
            GateOp::rotation(Gate::Ry, x("b", 1.0), 0).controlled_by(Control::on_zero(2)),
        ];
        for op in ops {
            c.push_gate(op).unwrap();
        }
        c
    }

    /// L = Σ_ij W_ij Re⟨ψ_i|ψ_j⟩ + Σ V·[Re ψ | Im ψ] from simulated states.
    fn slow_loss(program: &Program, angles: &[f64], w: &[f64], v: &[f64]) -> f64 {
        let rows: Vec<Vec<f64>> = angles
            .chunks(4)
            .map(|row| {
                let s = program.run(row).unwrap().to_complex();
                s.iter()
                    .map(|z| z.re)
                    .chain(s.iter().map(|z| z.im))
                    .collect()
            })
            .collect();
        let n = rows.len();
        let mut loss = 0.0;
        for i in 0..n {
            for j in 0..n {
                let dot: f64 = rows[i].iter().zip(&rows[j]).map(|(a, b)| a * b).sum();
                loss += w[i * n + j] * dot;
            }
            loss += rows[i]
                .iter()
                .zip(&v[i * 16..])
                .map(|(a, b)| a * b)
                .sum::<f64>();
        }
        loss
    }

    #[test]
    fn the_complex_op_backward_equals_finite_differences_of_the_simulator() -> Result<()> {
        let circuit = template();
        let kernel = StatePrepKernel::from_circuit(&circuit).unwrap();
        assert!(kernel.is_complex());
        let op = StatePrepOp::new(Arc::new(kernel));
        let program = Program::compile(&circuit, Amplitude::Complex).unwrap();
        let n = 3;
        let angles: Vec<f64> = (0..n * 4).map(|k| (k as f64 * 0.77).sin() * 2.0).collect();
        let w: Vec<f64> = (0..n * n).map(|k| (k as f64 * 1.3).cos()).collect();
        let v: Vec<f64> = (0..n * 16).map(|k| (k as f64 * 0.41).sin()).collect();
        let device = Device::Cpu;
        let theta = Var::from_vec(angles.clone(), (n, 4), &device)?;
        let states = op.states(theta.as_tensor())?;
        assert_eq!(states.dims(), &[n, 16]);
        let gram = states.matmul(&states.t()?)?;
        let loss = ((gram * Tensor::from_vec(w.clone(), (n, n), &device)?)?.sum_all()?
            + (&states * Tensor::from_vec(v.clone(), (n, 16), &device)?)?.sum_all()?)?;
        let value = loss.to_scalar::<f64>()?;
        assert!((value - slow_loss(&program, &angles, &w, &v)).abs() < 1e-12);
        let grads = loss.backward()?;
        let grad = grads.get(&theta).unwrap().flatten_all()?.to_vec1::<f64>()?;
        let h = 1e-6;
        for k in 0..n * 4 {
            let (mut plus, mut minus) = (angles.clone(), angles.clone());
            plus[k] += h;
            minus[k] -= h;
            let numeric = (slow_loss(&program, &plus, &w, &v)
                - slow_loss(&program, &minus, &w, &v))
                / (2.0 * h);
            assert!(
                (numeric - grad[k]).abs() < 1e-6 * (1.0 + numeric.abs()),
                "θ[{k}]: backward {} vs central difference {numeric}",
                grad[k]
            );
        }
        // f32 forward agrees with f64.
        let states32 = op.states(&theta.as_tensor().to_dtype(DType::F32)?)?;
        let diff = (states32.to_dtype(DType::F64)? - &states)?
            .abs()?
            .max_all()?
            .to_scalar::<f64>()?;
        assert!(diff < 1e-5, "{diff}");
        Ok(())
    }
}
