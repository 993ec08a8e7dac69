//! Faster `date_part`/`EXTRACT` and `date_trunc` on timestamps without a time zone.
//!
//! DataFusion computes calendar fields and calendar truncations value by value through
//! chrono (`NaiveDate::from_num_days_from_ce_opt`), which cost about a sixth of the CPU time
//! of a yearly aggregation over 10 M rows. Without a time zone the calendar follows from the
//! day number alone, so these wrappers compute it with integer arithmetic (Howard Hinnant's
//! `civil_from_days`) for the common fields on timestamp and date arrays. Every other case
//! (time zones, scalars, other fields, values beyond DataFusion's nanosecond range) goes to
//! DataFusion's own function, and everything else about the function (name, return type,
//! simplification, ordering) is DataFusion's, so plans and column names stay the same.
//!
//! [`FastDateRewrite`] swaps the functions into every plan, including `EXTRACT`, which the
//! SQL planner turns into DataFusion's `date_part` without consulting the function registry.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array, PrimitiveArray};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::{
    ArrowTimestampType, DataType, Date32Type, FieldRef, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::expr_rewriter::FunctionRewrite;
use datafusion::logical_expr::interval_arithmetic::Interval;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::sort_properties::{ExprProperties, SortProperties};
use datafusion::logical_expr::udf_eq::UdfEq;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature,
};

/// (year, month 1–12, day 1–31) of a day number counted from 1970-01-01.
#[inline(always)]
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day number (from 1970-01-01) of a civil date.
#[inline(always)]
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn day_of_year(y: i64, m: u32, d: u32) -> i64 {
    const CUM: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    CUM[(m - 1) as usize] + i64::from(d) + i64::from(m > 2 && is_leap(y))
}

/// Units of a time unit in one day and one second.
fn per_day(unit: TimeUnit) -> (i64, i64) {
    let per_s = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    (86_400 * per_s, per_s)
}

/// The `i64` values and null buffer of a timestamp array without time zone, with its unit.
fn timestamp_values(a: &dyn Array) -> Option<(&[i64], TimeUnit)> {
    let DataType::Timestamp(unit, None) = a.data_type() else {
        return None;
    };
    let v: &[i64] = match unit {
        TimeUnit::Second => a.as_primitive::<TimestampSecondType>().values(),
        TimeUnit::Millisecond => a.as_primitive::<TimestampMillisecondType>().values(),
        TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().values(),
        TimeUnit::Nanosecond => a.as_primitive::<TimestampNanosecondType>().values(),
    };
    Some((v, *unit))
}

#[derive(Clone, Copy)]
enum Part {
    Year,
    Quarter,
    Month,
    Day,
    Hour,
    Minute,
    Dow,
    IsoDow,
    Doy,
}

fn part_of(s: &str) -> Option<Part> {
    let s = s
        .strip_prefix(['\'', '"'])
        .and_then(|s| s.strip_suffix(['\'', '"']))
        .unwrap_or(s);
    Some(match s.to_ascii_lowercase().as_str() {
        "year" | "years" => Part::Year,
        "quarter" | "qtr" => Part::Quarter,
        "month" | "months" => Part::Month,
        "day" | "days" => Part::Day,
        "hour" | "hours" => Part::Hour,
        "minute" | "minutes" => Part::Minute,
        "dow" => Part::Dow,
        "isodow" => Part::IsoDow,
        "doy" => Part::Doy,
        _ => return None,
    })
}

/// `f(day number, second of the day)` of every value. The unit is a constant, so that the
/// divisions compile to multiplications.
#[inline(always)]
fn per_value<const DAY: i64, const PER_S: i64>(
    v: &[i64],
    nulls: Option<NullBuffer>,
    f: impl Fn(i64, i64) -> i32,
) -> Int32Array {
    Int32Array::from_iter_values_with_nulls(
        v.iter()
            .map(|&t| f(t.div_euclid(DAY), t.rem_euclid(DAY) / PER_S)),
        nulls,
    )
}

/// The year of every value: by a table of the first instant of each year from 1900 to 2100
/// and an estimate from the mean year's length (one multiplication and a comparison or two,
/// a third of the calendar arithmetic's cost), by the calendar outside that range.
fn years<const DAY: i64>(v: &[i64], nulls: Option<NullBuffer>) -> Int32Array {
    const FIRST: i64 = 1900;
    const COUNT: usize = 202;
    let starts: [i64; COUNT] =
        std::array::from_fn(|i| days_from_civil(FIRST + i as i64, 1, 1) * DAY);
    let per_year = 1.0 / (365.2425 * DAY as f64);
    let (low, high) = (starts[0], starts[COUNT - 1]);
    Int32Array::from_iter_values_with_nulls(
        v.iter().map(|&t| {
            if t < low || t >= high {
                return civil_from_days(t.div_euclid(DAY)).0 as i32;
            }
            let mut i =
                ((t as f64 * per_year) as i64 + 1970 - FIRST).clamp(0, COUNT as i64 - 2) as usize;
            while t < starts[i] {
                i -= 1;
            }
            while t >= starts[i + 1] {
                i += 1;
            }
            (FIRST + i as i64) as i32
        }),
        nulls,
    )
}

fn part_values<const DAY: i64, const PER_S: i64>(
    v: &[i64],
    part: Part,
    nulls: Option<NullBuffer>,
) -> Int32Array {
    match part {
        Part::Year => years::<DAY>(v, nulls),
        Part::Quarter => {
            per_value::<DAY, PER_S>(v, nulls, |d, _| ((civil_from_days(d).1 - 1) / 3 + 1) as i32)
        }
        Part::Month => per_value::<DAY, PER_S>(v, nulls, |d, _| civil_from_days(d).1 as i32),
        Part::Day => per_value::<DAY, PER_S>(v, nulls, |d, _| civil_from_days(d).2 as i32),
        Part::Hour => per_value::<DAY, PER_S>(v, nulls, |_, s| (s / 3600) as i32),
        Part::Minute => per_value::<DAY, PER_S>(v, nulls, |_, s| (s / 60 % 60) as i32),
        Part::Dow => per_value::<DAY, PER_S>(v, nulls, |d, _| (d + 4).rem_euclid(7) as i32),
        Part::IsoDow => {
            per_value::<DAY, PER_S>(v, nulls, |d, _| ((d + 3).rem_euclid(7) + 1) as i32)
        }
        Part::Doy => per_value::<DAY, PER_S>(v, nulls, |d, _| {
            let (y, m, dd) = civil_from_days(d);
            day_of_year(y, m, dd) as i32
        }),
    }
}

fn scalar_str(v: &ColumnarValue) -> Option<&str> {
    match v {
        ColumnarValue::Scalar(
            ScalarValue::Utf8(Some(s))
            | ScalarValue::Utf8View(Some(s))
            | ScalarValue::LargeUtf8(Some(s)),
        ) => Some(s),
        _ => None,
    }
}

/// `date_part` for the fields of [`Part`] on timestamp (no time zone) and date arrays.
fn fast_date_part(args: &[ColumnarValue]) -> Option<ArrayRef> {
    let [part, ColumnarValue::Array(a)] = args else {
        return None;
    };
    let part = part_of(scalar_str(part)?)?;
    let nulls = a.nulls().cloned();
    let out: Int32Array = if let Some((v, unit)) = timestamp_values(a.as_ref()) {
        match unit {
            TimeUnit::Second => part_values::<86_400, 1>(v, part, nulls),
            TimeUnit::Millisecond => part_values::<86_400_000, 1_000>(v, part, nulls),
            TimeUnit::Microsecond => part_values::<86_400_000_000, 1_000_000>(v, part, nulls),
            TimeUnit::Nanosecond => {
                part_values::<86_400_000_000_000, 1_000_000_000>(v, part, nulls)
            }
        }
    } else if a.data_type() == &DataType::Date32 {
        let days: Vec<i64> = a
            .as_primitive::<Date32Type>()
            .values()
            .iter()
            .map(|&d| i64::from(d))
            .collect();
        part_values::<1, 1>(&days, part, nulls)
    } else {
        return None;
    };
    Some(Arc::new(out))
}

/// The starts of the weeks, months, quarters or years of `v`, in the same unit (`DAY` per day).
fn trunc_values<const DAY: i64>(v: &[i64], granularity: &str) -> Vec<i64> {
    let per =
        |f: fn(i64) -> i64| -> Vec<i64> { v.iter().map(|&t| f(t.div_euclid(DAY)) * DAY).collect() };
    match granularity {
        // Weeks start on Monday; 1970-01-01 was a Thursday.
        "week" => per(|d| d - (d + 3).rem_euclid(7)),
        "month" => per(|d| {
            let (y, m, _) = civil_from_days(d);
            days_from_civil(y, m, 1)
        }),
        "quarter" => per(|d| {
            let (y, m, _) = civil_from_days(d);
            days_from_civil(y, (m - 1) / 3 * 3 + 1, 1)
        }),
        _ => per(|d| days_from_civil(civil_from_days(d).0, 1, 1)),
    }
}

/// `date_trunc` to week, month, quarter or year on timestamp arrays without time zone.
fn fast_date_trunc(args: &[ColumnarValue]) -> Option<ArrayRef> {
    let [g, ColumnarValue::Array(a)] = args else {
        return None;
    };
    let g = scalar_str(g)?.to_ascii_lowercase();
    if !matches!(g.as_str(), "week" | "month" | "quarter" | "year") {
        return None;
    }
    let (v, unit) = timestamp_values(a.as_ref())?;
    let (_, per_s) = per_day(unit);
    // DataFusion computes these in nanoseconds and fails beyond that range: let it.
    let ns = 1_000_000_000 / per_s;
    if v.iter().any(|t| t.checked_mul(ns).is_none()) {
        return None;
    }
    let values = match unit {
        TimeUnit::Second => trunc_values::<86_400>(v, &g),
        TimeUnit::Millisecond => trunc_values::<86_400_000>(v, &g),
        TimeUnit::Microsecond => trunc_values::<86_400_000_000>(v, &g),
        TimeUnit::Nanosecond => trunc_values::<86_400_000_000_000>(v, &g),
    };
    let nulls = a.nulls().cloned();
    /// A timestamp column in `T`'s unit.
    fn column<T: ArrowTimestampType>(values: Vec<i64>, nulls: Option<NullBuffer>) -> ArrayRef {
        Arc::new(PrimitiveArray::<T>::new(values.into(), nulls))
    }
    Some(match unit {
        TimeUnit::Second => column::<TimestampSecondType>(values, nulls),
        TimeUnit::Millisecond => column::<TimestampMillisecondType>(values, nulls),
        TimeUnit::Microsecond => column::<TimestampMicrosecondType>(values, nulls),
        TimeUnit::Nanosecond => column::<TimestampNanosecondType>(values, nulls),
    })
}

/// DataFusion's `date_part` or `date_trunc` with a fast path for arrays.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct FastDate {
    inner: UdfEq<Arc<dyn ScalarUDFImpl>>,
    trunc: bool,
}

impl FastDate {
    fn udf(inner: &ScalarUDF, trunc: bool) -> ScalarUDF {
        ScalarUDF::new_from_impl(FastDate {
            inner: Arc::clone(inner.inner()).into(),
            trunc,
        })
    }
}

impl ScalarUDFImpl for FastDate {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }
    fn schema_name(&self, args: &[Expr]) -> Result<String> {
        self.inner.schema_name(args)
    }
    fn signature(&self) -> &Signature {
        self.inner.signature()
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        self.inner.return_field_from_args(args)
    }
    fn is_strict(&self) -> bool {
        self.inner.is_strict()
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let fast = if self.trunc {
            fast_date_trunc(&args.args)
        } else {
            fast_date_part(&args.args)
        };
        match fast {
            Some(a) => Ok(ColumnarValue::Array(a)),
            None => self.inner.invoke_with_args(args),
        }
    }
    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        self.inner.simplify(args, info)
    }
    fn preimage(
        &self,
        args: &[Expr],
        lit_expr: &Expr,
        info: &SimplifyContext,
    ) -> Result<datafusion::logical_expr::preimage::PreimageResult> {
        self.inner.preimage(args, lit_expr, info)
    }
    fn short_circuits(&self) -> bool {
        self.inner.short_circuits()
    }
    fn evaluate_bounds(&self, input: &[&Interval]) -> Result<Interval> {
        self.inner.evaluate_bounds(input)
    }
    fn propagate_constraints(
        &self,
        interval: &Interval,
        inputs: &[&Interval],
    ) -> Result<Option<Vec<Interval>>> {
        self.inner.propagate_constraints(interval, inputs)
    }
    fn output_ordering(&self, inputs: &[ExprProperties]) -> Result<SortProperties> {
        self.inner.output_ordering(inputs)
    }
    fn preserves_lex_ordering(&self, inputs: &[ExprProperties]) -> Result<bool> {
        self.inner.preserves_lex_ordering(inputs)
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }
    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }
}

/// Replaces DataFusion's `date_part` and `date_trunc` in plans with [`FastDate`].
#[derive(Debug)]
pub struct FastDateRewrite {
    part: Arc<ScalarUDF>,
    trunc: Arc<ScalarUDF>,
}

impl Default for FastDateRewrite {
    fn default() -> Self {
        FastDateRewrite {
            part: Arc::new(FastDate::udf(
                &datafusion::functions::datetime::date_part(),
                false,
            )),
            trunc: Arc::new(FastDate::udf(
                &datafusion::functions::datetime::date_trunc(),
                true,
            )),
        }
    }
}

impl FunctionRewrite for FastDateRewrite {
    fn name(&self) -> &str {
        "koers_fast_date"
    }

    fn rewrite(
        &self,
        expr: Expr,
        _schema: &DFSchema,
        _config: &ConfigOptions,
    ) -> Result<Transformed<Expr>> {
        use datafusion::functions::datetime::{date_part::DatePartFunc, date_trunc::DateTruncFunc};
        if let Expr::ScalarFunction(f) = &expr {
            let with = if f.func.inner().is::<DatePartFunc>() {
                &self.part
            } else if f.func.inner().is::<DateTruncFunc>() {
                &self.trunc
            } else {
                return Ok(Transformed::no(expr));
            };
            let Expr::ScalarFunction(f) = expr else {
                unreachable!()
            };
            return Ok(Transformed::yes(Expr::ScalarFunction(
                ScalarFunction::new_udf(Arc::clone(with), f.args),
            )));
        }
        Ok(Transformed::no(expr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::TimestampMicrosecondArray;
    use datafusion::arrow::datatypes::Field;
    use datafusion::logical_expr::ScalarUDFImpl;

    fn run(udf: &dyn ScalarUDFImpl, part: &str, a: ArrayRef) -> ArrayRef {
        let args = vec![
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(part.into()))),
            ColumnarValue::Array(Arc::clone(&a)),
        ];
        let fields: Vec<FieldRef> = vec![
            Arc::new(Field::new("p", DataType::Utf8, false)),
            Arc::new(Field::new("t", a.data_type().clone(), true)),
        ];
        let scalars = [Some(&args_scalar(part)), None];
        let ret = udf
            .return_field_from_args(ReturnFieldArgs {
                arg_fields: &fields,
                scalar_arguments: &scalars,
            })
            .unwrap();
        let out = udf
            .invoke_with_args(ScalarFunctionArgs {
                args,
                arg_fields: fields,
                number_rows: a.len(),
                return_field: ret,
                config_options: Arc::new(ConfigOptions::default()),
            })
            .unwrap();
        out.into_array(a.len()).unwrap()
    }

    fn args_scalar(part: &str) -> ScalarValue {
        ScalarValue::Utf8(Some(part.into()))
    }

    /// Timestamps from 1717 to 2223 (within DataFusion's nanosecond range) in microseconds, with nulls and the edges of days.
    fn sample() -> ArrayRef {
        let mut v = Vec::new();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let t = (x % 16_000_000_000_000_000) as i64 - 8_000_000_000_000_000;
            v.push(if i % 97 == 0 { None } else { Some(t) });
            v.push(Some(t.div_euclid(86_400_000_000) * 86_400_000_000));
            v.push(Some(t.div_euclid(86_400_000_000) * 86_400_000_000 - 1));
        }
        // The turn of every year around the years' table.
        for y in 1890..2110 {
            let t = days_from_civil(y, 1, 1) * 86_400_000_000;
            v.extend([Some(t - 1), Some(t), Some(t + 1)]);
        }
        Arc::new(TimestampMicrosecondArray::from(v))
    }

    #[test]
    fn date_part_matches_datafusion() {
        let df = datafusion::functions::datetime::date_part();
        let fast = FastDate::udf(&df, false);
        let a = sample();
        for part in [
            "year", "QUARTER", "month", "day", "hour", "minute", "dow", "isodow", "doy",
        ] {
            assert_eq!(
                &run(fast.inner().as_ref(), part, Arc::clone(&a)),
                &run(df.inner().as_ref(), part, Arc::clone(&a)),
                "{part}"
            );
        }
    }

    #[test]
    fn date_trunc_matches_datafusion() {
        let df = datafusion::functions::datetime::date_trunc();
        let fast = FastDate::udf(&df, true);
        let a = sample();
        for g in ["week", "month", "quarter", "Year", "day"] {
            assert_eq!(
                &run(fast.inner().as_ref(), g, Arc::clone(&a)),
                &run(df.inner().as_ref(), g, Arc::clone(&a)),
                "{g}"
            );
        }
    }
}
