//! What the readers share about columns: the kind a column is read as (inferred from its
//! values or taken from the file's declaration), its Arrow type, the builder that collects a
//! batch of it, and the batches a geometry reader makes of the rows its thread sends.

use std::sync::Arc;
use std::sync::mpsc::Receiver;

use datafusion::arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder,
    StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;

use super::{BATCH_ROWS, SourceGeometry};
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

    /// Appends a JSON value (a GeoJSON property, a field of a JSON record): a number, a
    /// boolean or text as the column holds it, a nested object or list as its JSON text.
    /// JSON values are never read as dates, timestamps or binary.
    pub(crate) fn append_json(&mut self, v: &serde_json::Value) {
        use serde_json::Value;
        match self {
            Col::Bool(b) => b.append_option(v.as_bool()),
            Col::Int(b) => b.append_option(v.as_i64()),
            Col::Float(b) => b.append_option(v.as_f64()),
            Col::Text(b) => match v {
                Value::Null => b.append_null(),
                Value::String(s) => b.append_value(s),
                other => b.append_value(other.to_string()),
            },
            other @ (Col::Date(_) | Col::Timestamp(_) | Col::Blob(_)) => other.append_null(),
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
fn batch_with_geometry(
    schema: &SchemaRef,
    cols: Vec<Col>,
    mut geoms: BinaryBuilder,
) -> Result<RecordBatch> {
    let mut arrays: Vec<ArrayRef> = cols.into_iter().map(Col::finish).collect();
    arrays.push(Arc::new(geoms.finish()));
    Ok(RecordBatch::try_new(Arc::clone(schema), arrays)?)
}

/// The rows of a source with a geometry column (the schema's last), as its reader thread
/// sends them, numbered from 1 as they arrive.
pub(crate) struct GeometryRows<T> {
    schema: SchemaRef,
    geometry: SourceGeometry,
    rows: Receiver<T>,
    index: usize,
}

impl<T> GeometryRows<T> {
    /// `column` is the geometry column's name, `srid` its coordinates' EPSG code.
    pub(crate) fn new(schema: SchemaRef, (column, srid): (&str, i32), rows: Receiver<T>) -> Self {
        GeometryRows {
            schema,
            geometry: SourceGeometry {
                column: column.into(),
                srid,
            },
            rows,
            index: 0,
        }
    }

    pub(crate) fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    pub(crate) fn geometry(&self) -> SourceGeometry {
        self.geometry.clone()
    }

    /// The EPSG code of the geometry's coordinates.
    pub(crate) fn srid(&self) -> i32 {
        self.geometry.srid
    }

    /// How many rows have arrived.
    pub(crate) fn received(&self) -> usize {
        self.index
    }

    /// The next batch: up to [`BATCH_ROWS`] rows, each added by `add` (with its number) to
    /// the columns (of `kinds`) and the geometry; `None` when the thread sent no more.
    pub(crate) fn batch(
        &mut self,
        kinds: impl IntoIterator<Item = Kind>,
        mut add: impl FnMut(T, usize, &mut [Col], &mut BinaryBuilder) -> Result<()>,
    ) -> Result<Option<RecordBatch>> {
        let mut cols = builders(kinds);
        let mut geoms = BinaryBuilder::new();
        let mut n = 0;
        while n < BATCH_ROWS {
            let Ok(row) = self.rows.recv() else {
                break;
            };
            self.index += 1;
            add(row, self.index, &mut cols, &mut geoms)?;
            n += 1;
        }
        if n == 0 {
            return Ok(None);
        }
        batch_with_geometry(&self.schema, cols, geoms).map(Some)
    }
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
