//! What the readers share about columns: the kind a column is read as (inferred from its
//! values or taken from the file's declaration), its Arrow type, the builder that collects a
//! batch of it, and the batch a geometry reader ends with.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder,
    StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;

use crate::error::Result;

/// The kind of values a column holds. `Unknown` while inference has seen only empty values;
/// such a column is read as text.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Unknown,
    Bool,
    Int,
    Float,
    Date,
    Timestamp,
    Blob,
    Text,
}

impl Kind {
    /// The kind that holds the values of both: an unknown kind gives way, whole and decimal
    /// numbers make decimals, dates and timestamps make timestamps, anything else text.
    pub(crate) fn merge(self, other: Kind) -> Kind {
        use Kind::*;
        match (self, other) {
            (Unknown, x) | (x, Unknown) => x,
            (x, y) if x == y => x,
            (Int, Float) | (Float, Int) => Float,
            (Date, Timestamp) | (Timestamp, Date) => Timestamp,
            _ => Text,
        }
    }

    /// The Arrow type of the column.
    pub(crate) fn data_type(self) -> DataType {
        match self {
            Kind::Bool => DataType::Boolean,
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Date => DataType::Date32,
            Kind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            Kind::Blob => DataType::Binary,
            Kind::Unknown | Kind::Text => DataType::Utf8,
        }
    }
}

/// A column of a batch being built.
pub(crate) enum Col {
    Bool(BooleanBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
    Blob(BinaryBuilder),
    Text(StringBuilder),
}

impl Col {
    pub(crate) fn new(kind: Kind) -> Col {
        match kind {
            Kind::Bool => Col::Bool(BooleanBuilder::new()),
            Kind::Int => Col::Int(Int64Builder::new()),
            Kind::Float => Col::Float(Float64Builder::new()),
            Kind::Date => Col::Date(Date32Builder::new()),
            Kind::Timestamp => Col::Timestamp(TimestampMicrosecondBuilder::new()),
            Kind::Blob => Col::Blob(BinaryBuilder::new()),
            Kind::Unknown | Kind::Text => Col::Text(StringBuilder::new()),
        }
    }

    /// Appends an empty value.
    pub(crate) fn append_null(&mut self) {
        match self {
            Col::Bool(b) => b.append_null(),
            Col::Int(b) => b.append_null(),
            Col::Float(b) => b.append_null(),
            Col::Date(b) => b.append_null(),
            Col::Timestamp(b) => b.append_null(),
            Col::Blob(b) => b.append_null(),
            Col::Text(b) => b.append_null(),
        }
    }

    pub(crate) fn finish(self) -> ArrayRef {
        match self {
            Col::Bool(mut b) => Arc::new(b.finish()),
            Col::Int(mut b) => Arc::new(b.finish()),
            Col::Float(mut b) => Arc::new(b.finish()),
            Col::Date(mut b) => Arc::new(b.finish()),
            Col::Timestamp(mut b) => Arc::new(b.finish()),
            Col::Blob(mut b) => Arc::new(b.finish()),
            Col::Text(mut b) => Arc::new(b.finish()),
        }
    }
}

/// The builders for a batch of columns of `kinds`.
pub(crate) fn builders(kinds: impl IntoIterator<Item = Kind>) -> Vec<Col> {
    kinds.into_iter().map(Col::new).collect()
}

/// A batch of `schema` from the attribute columns followed by the geometry column.
pub(crate) fn batch_with_geometry(
    schema: &SchemaRef,
    cols: Vec<Col>,
    mut geoms: BinaryBuilder,
) -> Result<RecordBatch> {
    let mut arrays: Vec<ArrayRef> = cols.into_iter().map(Col::finish).collect();
    arrays.push(Arc::new(geoms.finish()));
    Ok(RecordBatch::try_new(Arc::clone(schema), arrays)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_widen_to_what_holds_both() {
        assert_eq!(Kind::Unknown.merge(Kind::Int), Kind::Int);
        assert_eq!(Kind::Int.merge(Kind::Float), Kind::Float);
        assert_eq!(Kind::Date.merge(Kind::Timestamp), Kind::Timestamp);
        assert_eq!(Kind::Int.merge(Kind::Text), Kind::Text);
        assert_eq!(Kind::Bool.merge(Kind::Int), Kind::Text);
        assert_eq!(Kind::Unknown.data_type(), DataType::Utf8);
    }
}
