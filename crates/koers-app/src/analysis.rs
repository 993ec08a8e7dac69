//! Analyses: ad-hoc SQL over what an organisation may see, saved analyses with typed
//! parameters, their runs, and results as files.
//!
//! Who may do what: everyone who may read (`Read`) sees the saved analyses and runs them;
//! analysts (`Analyse`) run their own SQL and save, replace and delete analyses. Every run of
//! a saved analysis (pages, API, indicators, dashboards) binds its parameters through
//! [`bound_sql`].

use crate::{Error, Input, Principal, Result, Workspace};
use koers_core::Permission;
use koers_core::analysis::builder::{self, ColumnShape, Compiled, Definition, Kind, TableShape};
use koers_core::analysis::{Param, ParamField, ParamKind, bind, param_fields, parse_analysis};
use koers_core::catalog::labels::Labels;
use koers_engine::Sql;
use std::collections::BTreeMap;

pub use crate::catalog::TableInfo;
pub use koers_engine::QueryOutput;
pub use koers_engine::export::ExportFormat;
pub use koers_store::Analysis;

/// Runs ad-hoc SQL (analysts and data stewards) within the engine's row limit.
pub async fn run_sql(ws: &Workspace, who: &Principal, sql: &str) -> Result<QueryOutput> {
    who.require(Permission::Analyse)?;
    if sql.trim().is_empty() {
        return Err(Error::Invalid(koers_core::Invalid::one(
            "sql",
            "required",
            "is verplicht",
        )));
    }
    let limit = ws.engine.config().row_limit;
    ws.query(&who.org.id, sql, limit, None).await
}

/// A saved analysis as a query: its SQL with the typed values of its parameters (the given
/// ones, defaults for the rest), which the engine binds into the parsed statement.
pub fn bound_sql(a: &Analysis, values: &BTreeMap<String, String>) -> Result<Sql> {
    Ok(Sql::new(a.sql.clone(), bind(&a.parameters, values)?))
}

/// Runs a saved analysis (everyone who may read).
pub async fn run_saved(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    values: &BTreeMap<String, String>,
) -> Result<(Analysis, QueryOutput)> {
    who.require(Permission::Read)?;
    run_saved_in(ws, &who.org.id, id, values).await
}

/// A saved analysis as its page shows it: with what its columns mean to a reader — the
/// titles, units and code lists the analysis gives its columns, else a dataset's — read once
/// for both the form that runs it and the headings and words of its result.
pub struct Saved {
    pub analysis: Analysis,
    pub labels: Labels,
}

impl Saved {
    /// The fields of the form that runs it: its parameters by the titles of the columns they
    /// are named after, a choice of words where koers knows the values
    /// ([`koers_core::analysis::param_fields`]).
    pub fn fields(&self) -> Vec<ParamField> {
        param_fields(&self.analysis.parameters, &self.labels)
    }
}

/// A saved analysis with its labels (everyone who may read).
pub async fn saved(ws: &Workspace, who: &Principal, id: &str) -> Result<Saved> {
    let analysis = analysis(ws, who, id).await?;
    let labels = crate::catalog::labels_of(ws, &who.org.id, &analysis).await?;
    Ok(Saved { analysis, labels })
}

/// Runs a saved analysis already read with [`saved`] (everyone who may read).
pub async fn run(
    ws: &Workspace,
    who: &Principal,
    a: &Analysis,
    values: &BTreeMap<String, String>,
) -> Result<QueryOutput> {
    who.require(Permission::Read)?;
    run_analysis_in(ws, &who.org.id, a, values).await
}

/// Runs a saved analysis of an organisation, for whoever may (scheduled refreshes, which
/// have no signed-in person, come here directly).
pub async fn run_saved_in(
    ws: &Workspace,
    org_id: &str,
    id: &str,
    values: &BTreeMap<String, String>,
) -> Result<(Analysis, QueryOutput)> {
    let a = ws.store.catalog().analysis(org_id, id).await?;
    let out = run_analysis_in(ws, org_id, &a, values).await?;
    Ok((a, out))
}

/// Runs the analysis `a` of an organisation. Its aggregate's state is kept, so that after
/// rows are appended to a dataset it reads, the next run reads those rows only
/// ([`Workspace::query_kept`]).
async fn run_analysis_in(
    ws: &Workspace,
    org_id: &str,
    a: &Analysis,
    values: &BTreeMap<String, String>,
) -> Result<QueryOutput> {
    let sql = bound_sql(a, values)?;
    let limit = ws.engine.config().row_limit;
    let (out, _) = ws.query_kept(org_id, sql, limit).await?;
    Ok(out)
}

/// The organisation's saved analyses (everyone who may read).
pub async fn analyses(ws: &Workspace, who: &Principal) -> Result<Vec<Analysis>> {
    who.require(Permission::Read)?;
    Ok(ws.store.catalog().analyses(&who.org.id).await?)
}

/// One saved analysis (everyone who may read), with its result's columns also when it was
/// saved before koers kept them ([`columns_of`]).
pub async fn analysis(ws: &Workspace, who: &Principal, id: &str) -> Result<Analysis> {
    who.require(Permission::Read)?;
    let mut a = ws.store.catalog().analysis(&who.org.id, id).await?;
    if a.columns.is_empty() {
        a.columns = columns_of(ws, &who.org.id, &a).await;
    }
    Ok(a)
}

/// What the SQL editor shows: the tables the organisation may query and its saved analyses.
pub struct Workbench {
    pub tables: Vec<TableInfo>,
    pub saved: Vec<Analysis>,
}

/// The SQL editor's schema browser and list of saved analyses (everyone who may read).
pub async fn workbench(ws: &Workspace, who: &Principal) -> Result<Workbench> {
    who.require(Permission::Read)?;
    let (_, tables) = ws.tables(&who.org.id).await?;
    let saved = ws.store.catalog().analyses(&who.org.id).await?;
    Ok(Workbench { tables, saved })
}

/// The tables as the query builder sees them: every column with its kind and title, the
/// geometry column marked.
pub fn shapes(tables: &[TableInfo]) -> Vec<TableShape> {
    tables
        .iter()
        .filter(|t| !t.shadowed)
        .map(|t| {
            let columns = t
                .columns
                .as_array()
                .map(|cols| {
                    cols.iter()
                        .filter_map(|c| {
                            let name = c.get("name")?.as_str()?.to_string();
                            let kind = if t.geometry.as_deref() == Some(name.as_str()) {
                                Kind::Geometry
                            } else {
                                Kind::of(c.get("data_type")?.as_str()?)
                            };
                            let title = c.get("title").and_then(|v| v.as_str()).map(str::to_string);
                            Some(ColumnShape { name, kind, title })
                        })
                        .collect()
                })
                .unwrap_or_default();
            TableShape {
                name: t.name.clone(),
                title: t.title.clone(),
                columns,
            }
        })
        .collect()
}

/// The tables the organisation may query, for the query builder (everyone who may read);
/// a column a data steward described is titled as described (`Vervoerd gewicht (ton)`).
pub async fn builder_tables(ws: &Workspace, who: &Principal) -> Result<Vec<TableShape>> {
    who.require(Permission::Read)?;
    let (_, tables) = ws.tables(&who.org.id).await?;
    let labels = crate::catalog::labels(ws, &who.org.id).await?;
    let mut shapes = shapes(&tables);
    for c in shapes.iter_mut().flat_map(|t| t.columns.iter_mut()) {
        let heading = labels.heading(&c.name);
        if heading != c.name {
            c.title = Some(heading);
        }
    }
    Ok(shapes)
}

/// The SQL of a builder definition over the organisation's tables.
async fn compile(ws: &Workspace, org_id: &str, def: &Definition) -> Result<Compiled> {
    let (_, tables) = ws.tables(org_id).await?;
    let limit = u32::try_from(ws.engine.config().row_limit).unwrap_or(u32::MAX);
    Ok(builder::compile(def, &shapes(&tables), limit)?)
}

/// What the builder shows while an analysis is put together: its SQL, the first rows and
/// how many rows the whole result has.
pub struct Preview {
    pub compiled: Compiled,
    pub output: QueryOutput,
    pub total: u64,
    /// The result's columns as a reader reads them (a described column's title and unit).
    pub headings: Vec<String>,
}

/// A builder definition's SQL and the first `rows` rows of its result.
async fn first_rows(
    ws: &Workspace,
    org_id: &str,
    def: &Definition,
    rows: usize,
) -> Result<(Compiled, QueryOutput)> {
    let compiled = compile(ws, org_id, def).await?;
    let sql = Sql::new(
        compiled.sql.clone(),
        bind(&compiled.params, &BTreeMap::new())?,
    );
    let output = ws.query(org_id, sql, rows, None).await?;
    Ok((compiled, output))
}

/// Runs a builder definition for its preview: the first `rows` rows and the row count
/// (everyone who may read: the builder writes only read-only SQL, checked by the sandbox).
pub async fn preview(
    ws: &Workspace,
    who: &Principal,
    def: &Definition,
    rows: usize,
) -> Result<Preview> {
    who.require(Permission::Read)?;
    let (compiled, output) = first_rows(ws, &who.org.id, def, rows).await?;
    let count = Sql::new(
        format!("SELECT COUNT(*) AS n FROM ({}) AS q", compiled.sql),
        bind(&compiled.params, &BTreeMap::new())?,
    );
    let counted = ws.query(&who.org.id, count, 1, None).await?;
    let total = crate::results::Results::from_output(&counted)?
        .rows
        .first()
        .and_then(|r| r.first())
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    let labels = crate::catalog::labels(ws, &who.org.id).await?;
    let headings = compiled
        .columns
        .iter()
        .map(|c| labels.heading(&c.name))
        .collect();
    Ok(Preview {
        compiled,
        output,
        total,
        headings,
    })
}

/// The SQL of a builder definition to take over in the SQL editor: the parameters' defaults
/// written in as values, so it runs there as it is (analysts).
pub async fn editor_sql(ws: &Workspace, who: &Principal, def: &Definition) -> Result<String> {
    who.require(Permission::Analyse)?;
    let mut def = def.clone();
    for f in &mut def.filters {
        f.param = None;
    }
    Ok(compile(ws, &who.org.id, &def).await?.sql)
}

/// The distinct values of a column (at most 200, most frequent first), to choose filter
/// values from instead of typing them (everyone who may read).
pub async fn column_values(
    ws: &Workspace,
    who: &Principal,
    dataset: &str,
    column: &str,
) -> Result<Vec<String>> {
    let def = Definition {
        dataset: dataset.to_string(),
        groups: vec![builder::Group {
            column: column.to_string(),
            grain: None,
        }],
        measures: vec![builder::Measure {
            func: builder::Func::Count,
            column: None,
            name: None,
        }],
        sort: Some(builder::Sort {
            column: "aantal".into(),
            descending: true,
        }),
        limit: Some(200),
        ..Definition::default()
    };
    who.require(Permission::Read)?;
    let (_, output) = first_rows(ws, &who.org.id, &def, 200).await?;
    let r = crate::results::Results::from_output(&output)?;
    Ok(r.rows
        .iter()
        .filter_map(|row| match row.first()? {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            v => Some(v.to_string()),
        })
        .collect())
}

/// Reads parameters from parallel lists `paramName`, `paramKind`, `paramDefault`.
fn read_params(input: &mut Input) -> Result<Vec<Param>> {
    let names = input.texts("paramName");
    let kinds = input.texts("paramKind");
    let defaults = input.texts("paramDefault");
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if name.trim().is_empty() {
            continue;
        }
        let kind = ParamKind::parse(kinds.get(i).map(String::as_str).unwrap_or("text"))?;
        out.push(Param {
            name: name.trim().to_string(),
            kind,
            default: defaults.get(i).cloned().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Saves a new analysis (`id` is `None`), or replaces the one with `id` (analysts). The
/// fields are `title`, `description`, `sql` and the parameters as parallel lists
/// `paramName`, `paramKind`, `paramDefault`; the SQL must pass the sandbox with the
/// parameters' defaults before it is saved.
pub async fn save(
    ws: &Workspace,
    who: &Principal,
    id: Option<&str>,
    mut input: Input,
) -> Result<Analysis> {
    if let Some(id) = id {
        ws.store.catalog().analysis(&who.org.id, id).await?;
    }
    who.require(Permission::Analyse)?;
    let title = input.text("title");
    let description = input.text("description");
    let definition: Option<Definition> = input.structured("builder");
    let (sql, params, columns) = match &definition {
        Some(def) => {
            if !input.text("sql").is_empty() {
                return Err(Error::Invalid(koers_core::Invalid::one(
                    "sql",
                    "conflict",
                    "geef SQL of een builder-definitie, niet beide",
                )));
            }
            let c = compile(ws, &who.org.id, def).await?;
            let columns = c.columns.into_iter().map(|o| o.name).collect();
            (c.sql, c.params, Some(columns))
        }
        None => (input.text("sql"), read_params(&mut input)?, None),
    };
    let used = koers_engine::params::names(&sql).map_err(|e| Error::Rejected(e.to_string()))?;
    let (title, sql) = input.finish(parse_analysis(&title, &sql, &params, &used))?;
    let defaults = Sql::new(sql.as_str(), bind(&params, &BTreeMap::new())?);
    let (refs, _) = ws.tables(&who.org.id).await?;
    let names: Vec<&str> = refs.iter().map(|t| t.name.as_str()).collect();
    koers_engine::sandbox::statement(&defaults, &names)
        .map_err(|e| Error::Rejected(e.to_string()))?;
    // The result's column names, for forms that offer them: the builder knows them; SQL is
    // planned (not run) for them.
    let columns = match columns {
        Some(c) => c,
        None => result_columns(ws, &who.org.id, defaults).await?,
    };
    let actor = who.actor();
    let fields = koers_store::catalog::AnalysisFields {
        title,
        description,
        sql,
        parameters: params,
        builder: definition,
        columns,
    };
    Ok(match id {
        Some(id) => {
            ws.store
                .catalog()
                .update_analysis(&who.org.id, id, &fields, &actor)
                .await?
        }
        None => {
            ws.store
                .catalog()
                .create_analysis(&who.org.id, &fields, &actor)
                .await?
        }
    })
}

/// The columns a saved analysis returns, with their kinds, and how many rows it returns with
/// its parameters' defaults, counted up to `most` (everyone who may read).
pub async fn shape(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    most: usize,
) -> Result<(Analysis, Vec<(String, Kind)>, u64)> {
    let a = analysis(ws, who, id).await?;
    let out = ws
        .query(
            &who.org.id,
            probe(bound_sql(&a, &BTreeMap::new())?, most),
            most.max(1),
            None,
        )
        .await?;
    let results = crate::results::Results::from_output(&out)?;
    let geometry = results.geometry_column;
    let columns = out
        .schema
        .fields()
        .iter()
        .map(|f| {
            let kind = if geometry.as_deref() == Some(f.name().as_str()) {
                Kind::Geometry
            } else {
                Kind::of(&f.data_type().to_string())
            };
            (f.name().clone(), kind)
        })
        .collect();
    Ok((a, columns, results.rows.len() as u64))
}

/// `sql` wrapped in a `LIMIT rows`: with 0 the engine answers from the plan without reading
/// the data; with a few, it stops reading once it has them.
fn probe(sql: Sql, rows: usize) -> Sql {
    Sql::new(
        format!(
            "SELECT * FROM ({}) AS q LIMIT {rows}",
            sql.text.trim_end().trim_end_matches(';')
        ),
        sql.params,
    )
}

/// The names of the columns a saved analysis returns: as kept with it, or, for one saved
/// before koers kept them, read from its plan (with its parameters' defaults; empty when
/// the plan fails).
pub(crate) async fn columns_of(ws: &Workspace, org_id: &str, a: &Analysis) -> Vec<String> {
    if !a.columns.is_empty() {
        return a.columns.clone();
    }
    match bound_sql(a, &BTreeMap::new()) {
        Ok(sql) => result_columns(ws, org_id, sql).await.unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// The organisation's saved analyses, each with its result's columns ([`columns_of`]).
pub async fn with_columns(ws: &Workspace, org_id: &str) -> Result<Vec<Analysis>> {
    let mut analyses = ws.store.catalog().analyses(org_id).await?;
    for a in analyses.iter_mut() {
        a.columns = columns_of(ws, org_id, a).await;
    }
    Ok(analyses)
}

/// The names of the columns `sql` returns, read from its plan.
async fn result_columns(ws: &Workspace, org_id: &str, sql: Sql) -> Result<Vec<String>> {
    let out = ws.query(org_id, probe(sql, 0), 1, None).await?;
    Ok(out.column_names())
}

/// Deletes a saved analysis (analysts); one that does not exist is not found, whoever asks.
pub async fn delete(ws: &Workspace, who: &Principal, id: &str) -> Result<()> {
    ws.store.catalog().analysis(&who.org.id, id).await?;
    who.require(Permission::Analyse)?;
    Ok(ws
        .store
        .catalog()
        .delete_analysis(&who.org.id, id, &who.actor())
        .await?)
}

/// Says what a result column of a saved analysis means (analysts), as a data steward says it
/// of a dataset's column: `title`, `unit` and `codes` (see [`crate::catalog::label_column`]);
/// all empty forgets them. The column must be one the analysis returns.
pub async fn label_column(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    column: &str,
    input: Input,
) -> Result<Analysis> {
    let a = analysis(ws, who, id).await?;
    who.require(Permission::Analyse)?;
    let what = (koers_store::catalog::Labelled::Analysis, id);
    crate::catalog::label(ws, who, what, (column, &a.columns), input).await?;
    // Its columns stay as they were read above (not read from its plan again).
    let labelled = ws.store.catalog().analysis(&who.org.id, id).await?;
    Ok(Analysis {
        columns: a.columns,
        ..labelled
    })
}

/// Parses an export format name: `csv`, `csv-nl`, `csv-raw`, `geojson` or `parquet`.
pub fn export_format(name: &str) -> Result<ExportFormat> {
    match name {
        "csv" => Ok(ExportFormat::Csv),
        "csv-raw" => Ok(ExportFormat::CsvRaw),
        "csv-nl" => Ok(ExportFormat::CsvNl),
        "geojson" => Ok(ExportFormat::GeoJson),
        "parquet" => Ok(ExportFormat::Parquet),
        other => Err(Error::Invalid(koers_core::Invalid::one(
            "format",
            "enum",
            &format!(
                "onbekend exportformaat {other:?}; kies csv, csv-nl, csv-raw, geojson of parquet"
            ),
        ))),
    }
}

/// A result as the bytes of a file in `format` for a person of `who`'s organisation:
/// "Excel (NL)" heads the columns with their titles and writes codes as their labels
/// (`Vervoerd gewicht (ton)`, `Weg`, `Utrecht`); the other formats as the result is.
pub async fn export_for(
    ws: &Workspace,
    who: &Principal,
    out: &QueryOutput,
    format: ExportFormat,
) -> Result<Vec<u8>> {
    if format != ExportFormat::CsvNl {
        return export(out, format);
    }
    let labels = crate::catalog::labels(ws, &who.org.id).await?;
    let shown =
        koers_engine::export::relabel(out, &|c| labels.heading(c), &|c, v| labels.value(c, v))?;
    export(&shown, format)
}

/// A result as the bytes of a file in `format`.
fn export(out: &QueryOutput, format: ExportFormat) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    koers_engine::export::export(out, format, &mut buf)
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_formats_by_name() {
        assert!(matches!(export_format("csv-raw"), Ok(ExportFormat::CsvRaw)));
        assert!(matches!(export_format("csv-nl"), Ok(ExportFormat::CsvNl)));
        assert!(matches!(export_format("xml"), Err(Error::Invalid(_))));
    }
}
