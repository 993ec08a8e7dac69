//! Bounds on what a query's functions may produce.
//!
//! A few functions make far more data than they are given: `repeat('x', 1000000000000)`,
//! `lpad('', 2147483647)`, `array_repeat(1, 1e12)`, `range(1e12)`, and, applied again and
//! again (a chain of `WITH` queries), everything that copies its arguments side by side
//! (`concat`, `||`, `make_array`, `array_concat`). DataFusion computes them during constant
//! folding in the optimizer and again for every batch, and a failed allocation aborts the
//! whole process. koers registers its own versions under the same names in every session,
//! before planning:
//!
//! - Before computing, each one estimates from its arguments the bytes its result will take
//!   (an upper bound) and reserves them in the query's memory pool, the pool that also holds
//!   the query's joins, sorts and aggregations. When the pool has no room, the query fails
//!   with a clear message ([`crate::EngineError::ResourcesExhausted`]) and nothing is
//!   allocated. The reservation stays with the result's buffers and is returned to the pool
//!   when the last of them is freed, so the pool sees what is alive, not what was made.
//! - They are volatile, so the optimizer never folds them into a constant (unchecked, and
//!   copied into every row of every batch by execution); a constant argument's result is
//!   made and counted once per batch, for all its rows.
//! - `arrow_cast` refuses fixed-size types wider than [`MAX_FIXED_WIDTH`] bytes a value: a
//!   `NULL` cast to `FixedSizeBinary(2147483647)` would take 2 GiB for every row.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::panic::AssertUnwindSafe;
use std::ptr::NonNull;
use std::sync::Arc;

use datafusion::arrow::array::ArrayData;
use datafusion::arrow::array::{Array, AsArray, RecordBatch, make_array};
use datafusion::arrow::buffer::Buffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Field, FieldRef, Int64Type, IntervalMonthDayNanoType, IntervalUnit, Schema, TimeUnit,
};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result, exec_err};
use datafusion::error::DataFusionError;
use datafusion::execution::FunctionRegistry;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryPool, MemoryReservation};
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::LogicalPlan;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr};
use datafusion::logical_expr::sqlparser::ast::BinaryOperator;
use datafusion::logical_expr::type_coercion::binary::BinaryTypeCoercer;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, Expr, Operator, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::{BinaryExpr, Column};

/// Widest fixed-size value (`FixedSizeBinary`, `FixedSizeList`) `arrow_cast` may produce.
pub const MAX_FIXED_WIDTH: usize = 64 * 1024;

/// Bytes a function's result will take at most, from its arguments and the batch's rows.
type Estimate = fn(&[ColumnarValue], usize) -> Result<u64>;

/// The functions koers bounds, with how each one's result is estimated.
const BOUNDED: &[(&str, Estimate)] = &[
    ("repeat", repeat),
    ("lpad", pad),
    ("rpad", pad),
    ("replace", replace),
    ("regexp_replace", regexp_replace),
    ("concat", sum_of_arguments),
    ("concat_ws", concat_ws),
    ("overlay", sum_of_arguments),
    ("make_array", sum_of_arguments),
    ("array_concat", sum_of_arguments),
    ("array_append", sum_of_arguments),
    ("array_prepend", sum_of_arguments),
    ("array_repeat", array_repeat),
    ("array_resize", array_resize),
    ("array_replace", array_replace),
    ("array_replace_n", array_replace),
    ("array_replace_all", array_replace),
    ("array_to_string", array_to_string),
    ("range", range),
    ("generate_series", range),
];

/// Registers koers' bounded versions of DataFusion's functions in `state`, counting what they
/// make against `pool`, and plans `||` on text as a bounded function too.
pub(crate) fn install(state: &mut SessionState, pool: &Arc<dyn MemoryPool>) -> Result<()> {
    let mut functions = HashMap::new();
    for (name, estimate) in BOUNDED {
        // A function DataFusion was built without cannot be called either.
        if let Some(inner) = state.scalar_functions().get(*name).cloned() {
            let f = Arc::new(ScalarUDF::new_from_impl(Bounded::new(
                inner,
                *estimate,
                pool.clone(),
            )));
            state.register_udf(f.clone())?;
            functions.insert(name.to_string(), f);
        }
    }
    if let Some(inner) = state.scalar_functions().get("arrow_cast").cloned() {
        let f = Arc::new(ScalarUDF::new_from_impl(NarrowCast { inner }));
        state.register_udf(f.clone())?;
        functions.insert("arrow_cast".to_string(), f);
    }
    let concat = Arc::new(ScalarUDF::new_from_impl(StringConcat::new(pool.clone())));
    state.register_udf(concat.clone())?;
    state.register_expr_planner(Arc::new(ConcatPlanner { concat }))?;
    state.add_analyzer_rule(Arc::new(Rebind { functions }));
    Ok(())
}

/// Whether `f` gives the same answer for the same arguments at any time. koers' bounded
/// functions say they are volatile only to keep the optimizer from folding them; what they
/// compute is what the function they bound computes, and `||` on text is always the same.
pub(crate) fn immutable(f: &ScalarUDF) -> bool {
    let inner: &dyn std::any::Any = f.inner().as_ref();
    if let Some(b) = inner.downcast_ref::<Bounded>() {
        b.inner.signature().volatility == Volatility::Immutable
    } else {
        inner.is::<StringConcat>() || f.signature().volatility == Volatility::Immutable
    }
}

/// Replaces DataFusion's own versions of the bounded functions in a plan by koers' ones,
/// before the optimizer sees it: its syntax planners call them directly (`list || list` is
/// `array_concat`, `[a, b]` is `make_array`, `OVERLAY(… PLACING …)` is `overlay`).
#[derive(Debug)]
struct Rebind {
    functions: HashMap<String, Arc<ScalarUDF>>,
}

impl AnalyzerRule for Rebind {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|p| {
            p.map_expressions(|e| {
                e.transform_up(|e| match e {
                    Expr::ScalarFunction(f) => match self.functions.get(f.func.name()) {
                        Some(own) if !Arc::ptr_eq(own, &f.func) => Ok(Transformed::yes(
                            Expr::ScalarFunction(ScalarFunction::new_udf(own.clone(), f.args)),
                        )),
                        _ => Ok(Transformed::no(Expr::ScalarFunction(f))),
                    },
                    other => Ok(Transformed::no(other)),
                })
            })
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "koers_bounded_functions"
    }
}

/// Reserves `bytes` for a result of `what` in `pool`, or says why not.
fn reserve(pool: &Arc<dyn MemoryPool>, what: &str, bytes: u64) -> Result<MemoryReservation> {
    let reservation = MemoryConsumer::new(format!("result of {what}")).register(pool);
    let wanted = usize::try_from(bytes).unwrap_or(usize::MAX);
    reservation.try_grow(wanted).map_err(|_| {
        DataFusionError::ResourcesExhausted(format!(
            "{what} would produce about {} for {}; the query's memory limit does not allow it",
            human_bytes(bytes),
            "this query"
        ))
    })?;
    Ok(reservation)
}

/// `bytes` for people: `1.5 GiB`.
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The result of a bounded function as an array of `rows` rows, its reservation resized to
/// the memory it takes and kept until its buffers are freed.
fn charged(
    out: ColumnarValue,
    rows: usize,
    reservation: MemoryReservation,
) -> Result<ColumnarValue> {
    let array = out.into_array(rows)?;
    reservation.resize(array.get_array_memory_size());
    let held = Arc::new(Held {
        _reservation: AssertUnwindSafe(reservation),
    });
    Ok(ColumnarValue::Array(make_array(rewrap(
        array.to_data(),
        &held,
    )?)))
}

/// A reservation kept alive by the buffers of a result.
struct Held {
    _reservation: AssertUnwindSafe<MemoryReservation>,
}

/// A buffer of a result, owning the result's reservation.
struct Owner {
    _buffer: Buffer,
    _held: Arc<Held>,
}

/// `data` with every buffer (and its children's) also owning `held`.
fn rewrap(data: ArrayData, held: &Arc<Held>) -> Result<ArrayData> {
    let buffers = data
        .buffers()
        .iter()
        .map(|b| owned(b.clone(), held))
        .collect();
    let children = data
        .child_data()
        .iter()
        .map(|c| rewrap(c.clone(), held))
        .collect::<Result<Vec<_>>>()?;
    Ok(data
        .into_builder()
        .buffers(buffers)
        .child_data(children)
        .build()?)
}

fn owned(buffer: Buffer, held: &Arc<Held>) -> Buffer {
    let len = buffer.len();
    let Some(ptr) = NonNull::new(buffer.as_ptr().cast_mut()) else {
        return buffer;
    };
    let owner = Arc::new(Owner {
        _buffer: buffer,
        _held: held.clone(),
    });
    // SAFETY: `owner` keeps the original buffer, and so the `len` bytes at `ptr`, alive for as
    // long as the new buffer exists; the bytes are never written through either buffer.
    unsafe { Buffer::from_custom_allocation(ptr, len, owner) }
}

/// A DataFusion function that reserves its result's memory before making it.
#[derive(Debug)]
struct Bounded {
    inner: Arc<ScalarUDF>,
    signature: Signature,
    estimate: Estimate,
    pool: Arc<dyn MemoryPool>,
}

impl Bounded {
    fn new(inner: Arc<ScalarUDF>, estimate: Estimate, pool: Arc<dyn MemoryPool>) -> Self {
        let mut signature = inner.signature().clone();
        signature.volatility = Volatility::Volatile;
        Bounded {
            inner,
            signature,
            estimate,
            pool,
        }
    }
}

impl PartialEq for Bounded {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
            && std::ptr::addr_eq(Arc::as_ptr(&self.pool), Arc::as_ptr(&other.pool))
    }
}

impl Eq for Bounded {}

impl Hash for Bounded {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.inner.hash(state);
    }
}

impl ScalarUDFImpl for Bounded {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }

    fn short_circuits(&self) -> bool {
        self.inner.short_circuits()
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let bytes = (self.estimate)(&args.args, rows)?;
        let reservation = reserve(&self.pool, self.name(), bytes)?;
        let out = self.inner.invoke_with_args(args)?;
        charged(out, rows, reservation)
    }
}

/// `arrow_cast`, refusing fixed-size types wider than [`MAX_FIXED_WIDTH`].
#[derive(Debug, PartialEq, Eq, Hash)]
struct NarrowCast {
    inner: Arc<ScalarUDF>,
}

/// Bytes one value of `dt` takes whatever it holds (also when it is `NULL`).
fn fixed_width(dt: &DataType) -> u64 {
    match dt {
        DataType::FixedSizeBinary(n) => u64::try_from(*n).unwrap_or(0),
        DataType::FixedSizeList(f, n) => u64::try_from(*n)
            .unwrap_or(0)
            .saturating_mul(fixed_width(f.data_type()).max(1)),
        DataType::Struct(fields) => fields
            .iter()
            .map(|f| fixed_width(f.data_type()))
            .fold(0u64, u64::saturating_add),
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::Map(f, _) => fixed_width(f.data_type()).min(1),
        DataType::Dictionary(_, v) => fixed_width(v),
        other => other.primitive_width().unwrap_or(0) as u64,
    }
}

impl ScalarUDFImpl for NarrowCast {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let field = self.inner.return_field_from_args(args)?;
        let width = fixed_width(field.data_type());
        if width > MAX_FIXED_WIDTH as u64 {
            return exec_err!(
                "arrow_cast to {} is not allowed: every value would take {}, at most {} is",
                field.data_type(),
                human_bytes(width),
                human_bytes(MAX_FIXED_WIDTH as u64)
            );
        }
        Ok(field)
    }

    fn simplify(
        &self,
        args: Vec<Expr>,
        info: &datafusion::logical_expr::simplify::SimplifyContext,
    ) -> Result<datafusion::logical_expr::simplify::ExprSimplifyResult> {
        self.inner.inner().simplify(args, info)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        self.inner.invoke_with_args(args)
    }
}

/// Name of the function `a || b` on text is planned as.
const CONCAT_OPERATOR: &str = "koers_concat_operator";

/// `a || b` on text (DataFusion's `BinaryExpr` with its coercion and `NULL` rules), with its
/// result reserved like the other bounded functions'.
#[derive(Debug)]
struct StringConcat {
    signature: Signature,
    pool: Arc<dyn MemoryPool>,
}

impl StringConcat {
    fn new(pool: Arc<dyn MemoryPool>) -> Self {
        StringConcat {
            signature: Signature::user_defined(Volatility::Volatile),
            pool,
        }
    }

    fn types(arg_types: &[DataType]) -> Result<BinaryTypeCoercer<'_>> {
        match arg_types {
            [l, r] => Ok(BinaryTypeCoercer::new(l, &Operator::StringConcat, r)),
            _ => exec_err!("|| takes two operands"),
        }
    }
}

impl PartialEq for StringConcat {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.pool), Arc::as_ptr(&other.pool))
    }
}

impl Eq for StringConcat {}

impl Hash for StringConcat {
    fn hash<H: Hasher>(&self, state: &mut H) {
        CONCAT_OPERATOR.hash(state);
    }
}

impl ScalarUDFImpl for StringConcat {
    fn name(&self) -> &str {
        CONCAT_OPERATOR
    }

    fn display_name(&self, args: &[Expr]) -> Result<String> {
        match args {
            [l, r] => Ok(format!("{l} || {r}")),
            _ => exec_err!("|| takes two operands"),
        }
    }

    fn schema_name(&self, args: &[Expr]) -> Result<String> {
        match args {
            [l, r] => Ok(format!("{} || {}", l.schema_name(), r.schema_name())),
            _ => exec_err!("|| takes two operands"),
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let (l, r) = Self::types(arg_types)?.get_input_types()?;
        Ok(vec![l, r])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Self::types(arg_types)?.get_result_type()
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let bytes = sum_of_arguments(&args.args, rows)?;
        let reservation = reserve(&self.pool, "||", bytes)?;
        let arrays = args
            .args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<Vec<_>>>()?;
        let schema = Schema::new(
            arrays
                .iter()
                .enumerate()
                .map(|(i, a)| Field::new(format!("a{i}"), a.data_type().clone(), true))
                .collect::<Vec<_>>(),
        );
        let batch = RecordBatch::try_new(Arc::new(schema), arrays)?;
        let expr = BinaryExpr::new(
            Arc::new(Column::new("a0", 0)),
            Operator::StringConcat,
            Arc::new(Column::new("a1", 1)),
        );
        charged(expr.evaluate(&batch)?, rows, reservation)
    }
}

/// Plans `a || b` on text as [`StringConcat`] (on lists, DataFusion's own planner has
/// already made it `array_concat`, which [`Rebind`] bounds too).
#[derive(Debug)]
struct ConcatPlanner {
    concat: Arc<ScalarUDF>,
}

impl ExprPlanner for ConcatPlanner {
    fn plan_binary_op(
        &self,
        expr: RawBinaryExpr,
        _schema: &DFSchema,
    ) -> Result<PlannerResult<RawBinaryExpr>> {
        if expr.op != BinaryOperator::StringConcat {
            return Ok(PlannerResult::Original(expr));
        }
        Ok(PlannerResult::Planned(Expr::ScalarFunction(
            ScalarFunction::new_udf(self.concat.clone(), vec![expr.left, expr.right]),
        )))
    }
}

// ---- estimates -------------------------------------------------------------------------

/// Bytes of offsets and validity per row, added to every estimate.
const PER_ROW: u64 = 16;

/// Bytes of each row's value of `arg` (0 for `NULL`).
fn sizes(arg: &ColumnarValue, rows: usize) -> Result<Vec<u64>> {
    match arg {
        ColumnarValue::Scalar(s) => {
            let one = if s.is_null() {
                0
            } else {
                let a = s.to_array_of_size(1)?;
                value_size(a.as_ref(), 0)?
            };
            Ok(vec![one; rows])
        }
        ColumnarValue::Array(a) => (0..a.len()).map(|i| value_size(a.as_ref(), i)).collect(),
    }
}

/// Bytes of value `i` of `a`.
fn value_size(a: &dyn Array, i: usize) -> Result<u64> {
    if a.is_null(i) {
        return Ok(0);
    }
    let n = match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().value(i).len(),
        DataType::LargeUtf8 => a.as_string::<i64>().value(i).len(),
        DataType::Utf8View => a.as_string_view().value(i).len(),
        DataType::Binary => a.as_binary::<i32>().value(i).len(),
        DataType::LargeBinary => a.as_binary::<i64>().value(i).len(),
        DataType::BinaryView => a.as_binary_view().value(i).len(),
        dt => match dt.primitive_width() {
            Some(w) => w,
            None => a.slice(i, 1).to_data().get_slice_memory_size()?,
        },
    };
    Ok(n as u64)
}

/// Each row's value of `arg` as a whole number (`NULL` as `None`).
fn integers(arg: &ColumnarValue, rows: usize) -> Result<Vec<Option<i64>>> {
    let a = cast(&arg.to_array(rows)?, &DataType::Int64)?;
    Ok(a.as_primitive::<Int64Type>().iter().collect())
}

/// Each row's value of `arg` as a count: negative and `NULL` as 0.
fn counts(arg: &ColumnarValue, rows: usize) -> Result<Vec<u64>> {
    Ok(integers(arg, rows)?
        .into_iter()
        .map(|n| n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
        .collect())
}

fn arg(args: &[ColumnarValue], i: usize) -> Result<&ColumnarValue> {
    match args.get(i) {
        Some(a) => Ok(a),
        None => exec_err!("missing argument {}", i + 1),
    }
}

fn total(parts: impl Iterator<Item = u64>, rows: usize) -> u64 {
    parts
        .fold(0u64, u64::saturating_add)
        .saturating_add(PER_ROW.saturating_mul(rows as u64))
}

/// `repeat(s, n)`: `n` copies of `s`.
fn repeat(args: &[ColumnarValue], rows: usize) -> Result<u64> {
    let s = sizes(arg(args, 0)?, rows)?;
    let n = counts(arg(args, 1)?, rows)?;
    Ok(total(
        s.iter().zip(&n).map(|(s, n)| s.saturating_mul(*n)),
        rows,
    ))
}

/// `lpad(s, n [, fill])`, `rpad`: `n` characters of at most 4 bytes.
fn pad(args: &[ColumnarValue], rows: usize) -> Result<u64> {
    let n = counts(arg(args, 1)?, rows)?;
    Ok(total(n.iter().map(|n| n.saturating_mul(4)), rows))
}

/// `replace(s, from, to)`: every occurrence of `from` (at most one per byte) becomes `to`.
fn replace(args: &[ColumnarValue], rows: usize) -> Result<u64> {
    let s = sizes(arg(args, 0)?, rows)?;
    let from = sizes(arg(args, 1)?, rows)?;
    let to = sizes(arg(args, 2)?, rows)?;
    Ok(total(
        (0..rows).map(|i| {
            let occurrences = s[i] / from[i].max(1) + 1;
            s[i].saturating_add(occurrences.saturating_mul(to[i]))
        }),
        rows,
    ))
}

/// `regexp_replace(s, pattern, replacement [, flags])`: at most one match per byte and one
/// at the end, each replaced by the replacement, whose group references together repeat at
/// most the matched text.
fn regexp_replace(args: &[ColumnarValue], rows: usize) -> Result<u64> {
    let s = sizes(arg(args, 0)?, rows)?;
    let r = sizes(arg(args, 2)?, rows)?;
    Ok(total(
        (0..rows).map(|i| {
            s[i].saturating_add(1)
                .saturating_mul(r[i].saturating_mul(2).saturating_add(1))
        }),
        rows,
    ))
}

/// Functions whose result holds copies of their arguments side by side.
fn sum_of_arguments(args: &[ColumnarValue], rows: usize) -> Result<u64> {
    let mut parts = Vec::with_capacity(args.len());
    for a in args {
        parts.push(argument_bytes(a, rows)?);
    }
    Ok(total(parts.into_iter(), rows))
}

/// Bytes of `a` over `rows` rows (a constant counts once per row).
fn argument_bytes(a: &ColumnarValue, rows: usize) -> Result<u64> {
    Ok(match a {
        ColumnarValue::Scalar(_) => sizes(a, 1)?[0].saturating_mul(rows as u64),
        ColumnarValue::Array(a) => a.to_data().get_slice_memory_size()? as u64,
    })
}

/// `concat_ws(separator, a, b, …)`: the separator between every two arguments.
fn concat_ws(args: &[ColumnarValue], rows: usize) -> Result<u64> {
    let sep = argument_bytes(arg(args, 0)?, rows)?;
    let rest = sum_of_arguments(&args[1..], rows)?;
    Ok(rest.saturating_add(sep.saturating_mul(args.len() as u64)))
}

/// `array_repeat(element, n)`: `n` copies of the element.
fn array_repeat(args: &[ColumnarValue], rows: usize) -> Result<u64> {
    let e = sizes(arg(args, 0)?, rows)?;
    let n = counts(arg(args, 1)?, rows)?;
    Ok(total(
        e.iter()
            .zip(&n)
            .map(|(e, n)| n.saturating_mul(e.saturating_add(PER_ROW))),
        rows,
    ))
}

/// `array_resize(array, n [, fill])`: the array, and up to `n` copies of the fill value.
fn array_resize(args: &[ColumnarValue], rows: usize) -> Result<u64> {
    let a = sizes(arg(args, 0)?, rows)?;
    let n = counts(arg(args, 1)?, rows)?;
    let fill = match args.get(2) {
        Some(f) => sizes(f, rows)?,
        None => vec![0; rows],
    };
    Ok(total(
        (0..rows)
            .map(|i| a[i].saturating_add(n[i].saturating_mul(fill[i].saturating_add(PER_ROW)))),
        rows,
    ))
}

/// Number of elements of lists (through nested lists down to the values) in `a`.
fn leaves(a: &dyn Array) -> usize {
    match a.data_type() {
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            let o = l.value_offsets();
            let (start, end) = (o[0] as usize, o[l.len()] as usize);
            leaves(l.values().slice(start, end - start).as_ref())
        }
        DataType::LargeList(_) => {
            let l = a.as_list::<i64>();
            let o = l.value_offsets();
            let (start, end) = (o[0] as usize, o[l.len()] as usize);
            leaves(l.values().slice(start, end - start).as_ref())
        }
        DataType::FixedSizeList(_, n) => {
            let l = a.as_fixed_size_list();
            let n = usize::try_from(*n).unwrap_or(0);
            leaves(l.values().slice(l.offset() * n, l.len() * n).as_ref())
        }
        _ => a.len(),
    }
}

/// `array_replace(array, from, to [, n])` and its kinds: every element may become `to`.
fn array_replace(args: &[ColumnarValue], rows: usize) -> Result<u64> {
    let a = arg(args, 0)?.to_array(rows)?;
    let to = sizes(arg(args, 2)?, rows)?;
    let mut parts = Vec::with_capacity(rows);
    for (i, to) in to.iter().enumerate() {
        let row = a.slice(i, 1);
        let own = row.to_data().get_slice_memory_size()? as u64;
        parts.push(own.saturating_add((leaves(row.as_ref()) as u64).saturating_mul(*to)));
    }
    Ok(total(parts.into_iter(), rows))
}

/// `array_to_string(array, separator [, null text])`: every element as text (at most 40
/// bytes for a number or date), a separator and possibly the null text.
fn array_to_string(args: &[ColumnarValue], rows: usize) -> Result<u64> {
    let a = arg(args, 0)?.to_array(rows)?;
    let sep = sizes(arg(args, 1)?, rows)?;
    let null = match args.get(2) {
        Some(n) => sizes(n, rows)?,
        None => vec![0; rows],
    };
    let mut parts = Vec::with_capacity(rows);
    for i in 0..rows {
        let row = a.slice(i, 1);
        let own = row.to_data().get_slice_memory_size()? as u64;
        let each = 40u64.saturating_add(sep[i]).saturating_add(null[i]);
        parts.push(own.saturating_add((leaves(row.as_ref()) as u64).saturating_mul(each)));
    }
    Ok(total(parts.into_iter(), rows))
}

/// Nanoseconds (or units, for whole numbers) per unit of a `range` bound of type `dt`.
fn ticks_per_unit(dt: &DataType) -> i128 {
    match dt {
        DataType::Date32 => 86_400_000_000_000,
        DataType::Date64 | DataType::Timestamp(TimeUnit::Millisecond, _) => 1_000_000,
        DataType::Timestamp(TimeUnit::Second, _) => 1_000_000_000,
        DataType::Timestamp(TimeUnit::Microsecond, _) => 1_000,
        _ => 1,
    }
}

/// Each row's bound of `range` as ticks (see [`ticks_per_unit`]).
fn bounds(arg: &ColumnarValue, rows: usize) -> Result<Vec<Option<i128>>> {
    let per = ticks_per_unit(&arg.data_type());
    Ok(integers(arg, rows)?
        .into_iter()
        .map(|v| v.map(|v| i128::from(v) * per))
        .collect())
}

/// Each row's step of `range` as ticks: whole numbers as they are; an interval as its
/// shortest length (a month of 28 days, a day of 23 hours), or 1 when its parts differ in
/// sign.
fn steps(arg: &ColumnarValue, rows: usize) -> Result<Vec<i128>> {
    let step_of = |v: Option<i128>| v.map_or(1, |v| v.abs().max(1));
    if let DataType::Interval(_) = arg.data_type() {
        let a = cast(
            &arg.to_array(rows)?,
            &DataType::Interval(IntervalUnit::MonthDayNano),
        )?;
        Ok(a.as_primitive::<IntervalMonthDayNanoType>()
            .iter()
            .map(|v| {
                let Some(v) = v else { return 1 };
                let (m, d, n) = (
                    i128::from(v.months),
                    i128::from(v.days),
                    i128::from(v.nanoseconds),
                );
                let same_sign = (m >= 0 && d >= 0 && n >= 0) || (m <= 0 && d <= 0 && n <= 0);
                if !same_sign {
                    return 1;
                }
                step_of(Some(
                    m.abs() * 28 * 86_400_000_000_000 + d.abs() * 82_800_000_000_000 + n.abs(),
                ))
            })
            .collect())
    } else {
        Ok(integers(arg, rows)?
            .into_iter()
            .map(|v| step_of(v.map(i128::from)))
            .collect())
    }
}

/// `range(stop)`, `range(start, stop [, step])`, `generate_series`: `|stop − start| / step`
/// elements of 8 bytes.
fn range(args: &[ColumnarValue], rows: usize) -> Result<u64> {
    let (start, stop) = match args {
        [stop] => (vec![Some(0); rows], bounds(stop, rows)?),
        [start, stop, ..] => (bounds(start, rows)?, bounds(stop, rows)?),
        [] => return exec_err!("range needs at least one argument"),
    };
    let step = match args.get(2) {
        Some(s) => steps(s, rows)?,
        None => vec![1; rows],
    };
    Ok(total(
        (0..rows).map(|i| match (start[i], stop[i]) {
            (Some(a), Some(b)) => {
                let n = (b - a).abs() / step[i] + 1;
                u64::try_from(n).unwrap_or(u64::MAX).saturating_mul(8)
            }
            _ => 0,
        }),
        rows,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::common::ScalarValue;

    #[test]
    fn human_bytes_reads_well() {
        assert_eq!(human_bytes(12), "12 bytes");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(1 << 40), "1.0 TiB");
    }

    #[test]
    fn fixed_width_counts_nested_fixed_sizes() {
        let fsb = DataType::FixedSizeBinary(1 << 20);
        assert_eq!(fixed_width(&fsb), 1 << 20);
        let list = DataType::FixedSizeList(Arc::new(Field::new("x", DataType::Int64, true)), 1000);
        assert_eq!(fixed_width(&list), 8000);
        assert_eq!(fixed_width(&DataType::Utf8), 0);
    }

    #[test]
    fn range_counts_elements_of_a_date_range() {
        let day = ScalarValue::new_interval_mdn(0, 1, 0);
        let args = [
            ColumnarValue::Scalar(ScalarValue::Date32(Some(0))),
            ColumnarValue::Scalar(ScalarValue::Date32(Some(365))),
            ColumnarValue::Scalar(day),
        ];
        // 366 days of 8 bytes, but a day counts as 23 hours: at most 382 elements.
        let bytes = range(&args, 1).unwrap();
        assert!((366 * 8..=400 * 8 + PER_ROW).contains(&bytes), "{bytes}");
    }
}
