//! Short text compared as the string views it is stored in.
//!
//! Codes, modes and categories — what monitors filter and join on — are short: a string of
//! at most 12 bytes stands whole in its 16-byte Arrow string view (its length, then its
//! bytes, zero-padded), so two such strings are equal exactly when their views are: one
//! 128-bit comparison, without branches. Arrow's comparison of string views takes a branch
//! per row on whether the two are short and alike: in the reference workload's q2, the join
//! filter `o.province_code <> d.province_code` over 10 M joined rows took a fifth of the
//! query's time.
//!
//! `rewrite` replaces `a = b` and `a <> b` between string views by [`ViewsEqual`], which
//! compares the views where that is exact — a literal of at most 12 bytes against any
//! column (a longer string's view holds a greater length, so it never equals a short one's),
//! or two columns whose strings are all short — and leaves any other batch to Arrow's
//! comparison. Nulls stay null, as with Arrow's. Used for the predicates of filters and joins
//! ([`crate::filter::FilterRule`], which keeps a filter's `=` where DataFusion derives what
//! it knows of the rows from it), in embedded queries only.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringViewArray};
use datafusion::arrow::buffer::{BooleanBuffer, NullBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, Operator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::BinaryExpr;
use datafusion::physical_expr_common::datum::apply_cmp;

/// `expr` with each `=` and `<>` between string views made a [`ViewsEqual`], or `None` when
/// it has none.
pub(crate) fn rewrite(
    expr: &Arc<dyn PhysicalExpr>,
    schema: &Schema,
) -> Result<Option<Arc<dyn PhysicalExpr>>> {
    let out = Arc::clone(expr).transform_up(|e| {
        let Some(b) = e.downcast_ref::<BinaryExpr>() else {
            return Ok(Transformed::no(e));
        };
        let negated = match b.op() {
            Operator::Eq => false,
            Operator::NotEq => true,
            _ => return Ok(Transformed::no(e)),
        };
        let views = |side: &Arc<dyn PhysicalExpr>| {
            side.data_type(schema)
                .is_ok_and(|t| t == DataType::Utf8View)
        };
        if !(views(b.left()) && views(b.right())) {
            return Ok(Transformed::no(e));
        }
        Ok(Transformed::yes(Arc::new(ViewsEqual {
            left: Arc::clone(b.left()),
            right: Arc::clone(b.right()),
            negated,
        }) as Arc<dyn PhysicalExpr>))
    })?;
    Ok(out.transformed.then_some(out.data))
}

/// `left = right` (or `<>`: `negated`) over string views; see the module.
#[derive(Debug, Clone, Eq)]
pub struct ViewsEqual {
    left: Arc<dyn PhysicalExpr>,
    right: Arc<dyn PhysicalExpr>,
    negated: bool,
}

impl PartialEq for ViewsEqual {
    fn eq(&self, other: &Self) -> bool {
        self.left.as_ref() == other.left.as_ref()
            && self.right.as_ref() == other.right.as_ref()
            && self.negated == other.negated
    }
}

impl Hash for ViewsEqual {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.left.as_ref().hash(state);
        self.right.as_ref().hash(state);
        self.negated.hash(state);
    }
}

/// The most bytes a string can have and still stand whole in its view.
pub(crate) const SHORT_BYTES: usize = 12;

/// The view of a string's `bytes`, as a string view array holds it.
pub(crate) fn view_of(bytes: &[u8]) -> u128 {
    datafusion::arrow::array::builder::make_view(bytes, 0, 0)
}

/// The length of the string a view stands for.
pub(crate) fn length(view: u128) -> usize {
    view as u32 as usize
}

/// `a` without its data buffers, when it is a string view array that has some and every
/// string of it stands whole in its view (the views of its nulls made empty); `None`
/// otherwise. Arrow and DataFusion compare, hash and group such an array by its views alone.
pub(crate) fn inlined(a: &ArrayRef) -> Option<ArrayRef> {
    let s = a.as_string_view_opt()?;
    if s.data_buffers().is_empty() || !all_short(s) {
        return None;
    }
    let views: ScalarBuffer<u128> = match s.nulls() {
        Some(nulls) => s
            .views()
            .iter()
            .zip(nulls.iter())
            .map(|(&v, valid)| if valid { v } else { 0 })
            .collect(),
        None => s.views().clone(),
    };
    // SAFETY: every view is one of a valid string view array whose string stands whole in it
    // (checked above), or empty (a null's), so it points into no buffer and holds valid
    // UTF-8; the nulls are the array's own, of the same length. (Checking again would read
    // every string: a tenth of a cold query over 10 M rows.)
    let inlined = unsafe { StringViewArray::new_unchecked(views, Vec::new(), s.nulls().cloned()) };
    Some(Arc::new(inlined))
}

/// Whether every string of `a` stands whole in its view (what the views of nulls say does
/// not count).
fn all_short(a: &StringViewArray) -> bool {
    let short = |v: &u128| length(*v) <= SHORT_BYTES;
    a.data_buffers().is_empty()
        || match a.nulls() {
            None => a.views().iter().all(short),
            Some(nulls) => a
                .views()
                .iter()
                .zip(nulls)
                .all(|(v, valid)| !valid || short(v)),
        }
}

/// The view of a literal that stands whole in it (`None`: null or longer than
/// [`SHORT_BYTES`]).
fn short_view(s: &ScalarValue) -> Option<u128> {
    match s {
        ScalarValue::Utf8View(Some(t)) if t.len() <= SHORT_BYTES => Some(view_of(t.as_bytes())),
        _ => None,
    }
}

impl ViewsEqual {
    fn op(&self) -> Operator {
        if self.negated {
            Operator::NotEq
        } else {
            Operator::Eq
        }
    }

    /// The answer per row, where `same(i)` tells whether row `i`'s two views are equal.
    fn mask(
        &self,
        rows: usize,
        same: impl Fn(usize) -> bool,
        nulls: Option<NullBuffer>,
    ) -> ColumnarValue {
        let negated = self.negated;
        let values = BooleanBuffer::collect_bool(rows, |i| same(i) != negated);
        ColumnarValue::Array(Arc::new(BooleanArray::new(values, nulls)))
    }
}

impl fmt::Display for ViewsEqual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} (views)", self.left, self.op(), self.right)
    }
}

impl PhysicalExpr for ViewsEqual {
    fn data_type(&self, _input_schema: &Schema) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn nullable(&self, input_schema: &Schema) -> Result<bool> {
        Ok(self.left.nullable(input_schema)? || self.right.nullable(input_schema)?)
    }

    fn evaluate(&self, batch: &datafusion::arrow::array::RecordBatch) -> Result<ColumnarValue> {
        let l = self.left.evaluate(batch)?;
        let r = self.right.evaluate(batch)?;
        let fast = match (&l, &r) {
            (ColumnarValue::Array(a), ColumnarValue::Array(b)) => {
                match (a.as_string_view_opt(), b.as_string_view_opt()) {
                    (Some(a), Some(b)) if all_short(a) && all_short(b) => {
                        let (av, bv) = (a.views(), b.views());
                        let nulls = NullBuffer::union(a.nulls(), b.nulls());
                        Some(self.mask(a.len(), |i| av[i] == bv[i], nulls))
                    }
                    _ => None,
                }
            }
            (ColumnarValue::Array(a), ColumnarValue::Scalar(s))
            | (ColumnarValue::Scalar(s), ColumnarValue::Array(a)) => {
                match (a.as_string_view_opt(), short_view(s)) {
                    (Some(a), Some(v)) => {
                        let views = a.views();
                        Some(self.mask(a.len(), |i| views[i] == v, a.nulls().cloned()))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        match fast {
            Some(answer) => Ok(answer),
            None => apply_cmp(self.op(), &l, &r),
        }
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.left, &self.right]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        let [left, right] = crate::error::exactly(children, "the sides of a comparison")?;
        Ok(Arc::new(Self {
            left,
            right,
            negated: self.negated,
        }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.left.fmt_sql(f)?;
        write!(f, " {} ", self.op())?;
        self.right.fmt_sql(f)
    }
}

#[cfg(test)]
mod tests;
