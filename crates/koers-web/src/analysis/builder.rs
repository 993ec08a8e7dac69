//! The query builder's page ("Nieuwe analyse zonder SQL"): one form whose sections are the
//! builder's steps — dataset, join, filters, groups, measures, order — each choice from a
//! list of what exists (datasets, their columns with titles, a column's values), with a
//! preview of the first rows, the row count and the SQL after every change. Without
//! JavaScript every change is a button press; with it, a changed list refreshes the page
//! and focus returns to that list.

use crate::auth::Ctx;
use crate::error::{AppError, Reply};
use crate::input::{FormInput, Input};
use crate::shell::page_with_status;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use koers_app::analysis::{self as analysis, Preview};
use koers_app::results::Results;
use koers_core::Permission;
use koers_core::analysis::builder::{
    Definition, Filter, FilterOp, Func, Grain, Group, Join, JoinOn, Kind, Measure, Sort,
    TableShape, suggest_joins,
};
use koers_core::dashboards::Widget;
use minijinja::{Value, context};
use serde::Serialize;

/// Rows shown in the preview.
const PREVIEW_ROWS: usize = 10;

/// What the form asks the page to do besides showing the preview.
#[derive(Debug, PartialEq)]
enum Action {
    Preview,
    Add(char),
    Remove(char, usize),
    Save,
    Editor,
}

fn action(input: &mut Input) -> Action {
    let a = input.text("action");
    match a.as_str() {
        "save" => Action::Save,
        "editor" => Action::Editor,
        "add-filter" => Action::Add('f'),
        "add-group" => Action::Add('g'),
        "add-measure" => Action::Add('m'),
        _ => match a.strip_prefix("remove-").and_then(|r| r.split_once('-')) {
            Some((kind, i)) => match (kind.chars().next(), i.parse()) {
                (Some(k), Ok(i)) => Action::Remove(k, i),
                _ => Action::Preview,
            },
            None => Action::Preview,
        },
    }
}

/// A `<select>` value that is a join: `key:<left>=<right>`, `within:` or
/// `within:<lon>,<lat>`.
fn join_on(raw: &str) -> Option<JoinOn> {
    if let Some(k) = raw.strip_prefix("key:") {
        let (left, right) = k.split_once('=')?;
        return Some(JoinOn::Key {
            left: left.into(),
            right: right.into(),
        });
    }
    let w = raw.strip_prefix("within:")?;
    Some(match w.split_once(',') {
        Some((lon, lat)) => JoinOn::Within {
            lon: Some(lon.into()),
            lat: Some(lat.into()),
        },
        None => JoinOn::Within {
            lon: None,
            lat: None,
        },
    })
}

fn count(input: &mut Input, name: &str) -> usize {
    input.text(name).parse::<usize>().unwrap_or(0).min(20)
}

fn opt(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The definition the form describes, with the rows an action adds or removes.
fn read_form(input: &mut Input, act: &Action) -> Definition {
    let keep = |k: char, i: usize| *act != Action::Remove(k, i);
    let mut def = Definition {
        dataset: input.text("dataset"),
        ..Definition::default()
    };
    if let Some(ds) = opt(input.text("joinDataset")) {
        if let Some(on) = join_on(&input.text("joinOn")) {
            def.join = Some(Join { dataset: ds, on });
        } else {
            def.join = Some(Join {
                dataset: ds,
                on: JoinOn::Key {
                    left: String::new(),
                    right: String::new(),
                },
            });
        }
    }
    for i in 0..count(input, "nFilters") {
        let p = format!("f{i}_");
        let column = input.text(&format!("{p}column"));
        let op = match input.text(&format!("{p}kind")).as_str() {
            "between" => FilterOp::Between {
                from: opt(input.text(&format!("{p}from"))),
                to: opt(input.text(&format!("{p}to"))),
            },
            "year" => FilterOp::Year {
                year: input.text(&format!("{p}year")).trim().parse().unwrap_or(0),
            },
            _ => FilterOp::In {
                values: input.texts(&format!("{p}values")),
            },
        };
        let param = opt(input.text(&format!("{p}param")));
        if keep('f', i) {
            def.filters.push(Filter { column, op, param });
        }
    }
    for i in 0..count(input, "nGroups") {
        let column = input.text(&format!("g{i}_column"));
        let grain = Grain::ALL
            .into_iter()
            .find(|g| g.as_str() == input.text(&format!("g{i}_grain")));
        if keep('g', i) && !column.is_empty() {
            def.groups.push(Group { column, grain });
        }
    }
    for i in 0..count(input, "nMeasures") {
        let f = input.text(&format!("m{i}_fn"));
        let func = Func::ALL
            .into_iter()
            .find(|x| x.as_str() == f)
            .unwrap_or(Func::Count);
        let column = opt(input.text(&format!("m{i}_column")));
        let name = opt(input.text(&format!("m{i}_name")));
        if keep('m', i) {
            def.measures.push(Measure { func, column, name });
        }
    }
    def.sort = opt(input.text("sortColumn")).map(|column| Sort {
        column,
        descending: input.flag("sortDesc"),
    });
    def.limit = input.text("limit").trim().parse().ok().filter(|l| *l > 0);
    match act {
        Action::Add('f') => {
            let column = def
                .groups
                .first()
                .map(|g| g.column.clone())
                .unwrap_or_default();
            def.filters.push(Filter {
                column,
                op: FilterOp::In { values: vec![] },
                param: None,
            })
        }
        Action::Add('g') => def.groups.push(Group {
            column: String::new(),
            grain: None,
        }),
        Action::Add(_) => def.measures.push(Measure {
            func: Func::Count,
            column: None,
            name: None,
        }),
        _ => {}
    }
    def
}

/// The definition without the rows that are still being filled in (a filter without a
/// value, a measure without its column), so the preview shows what is chosen so far.
fn chosen(def: &Definition) -> Definition {
    let mut d = def.clone();
    d.filters.retain(|f| match &f.op {
        FilterOp::In { values } => !values.iter().all(|v| v.trim().is_empty()),
        FilterOp::Between { from, to } => from.is_some() || to.is_some(),
        FilterOp::Year { year } => *year != 0,
    });
    d.measures
        .retain(|m| m.func == Func::Count || m.column.is_some());
    d
}

/// A column to choose: its value in the form and its label (title and name).
#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    kind: Kind,
}

fn choices(base: &TableShape, joined: Option<&TableShape>) -> Vec<Choice> {
    let of = |t: &TableShape, prefix: Option<&str>| -> Vec<Choice> {
        t.columns
            .iter()
            .filter(|c| c.kind != Kind::Geometry)
            .map(|c| {
                let value = match prefix {
                    Some(p) => format!("{p}.{}", c.name),
                    None => c.name.clone(),
                };
                let label = match &c.title {
                    Some(title) => format!("{title} ({value})"),
                    None => value.clone(),
                };
                Choice {
                    value,
                    label,
                    kind: c.kind,
                }
            })
            .collect()
    };
    let mut out = of(base, None);
    if let Some(j) = joined {
        out.extend(of(j, Some(&j.name)));
    }
    out
}

/// The values to choose from for each value-list filter on a text column.
async fn filter_values(ctx: &Ctx, def: &Definition, cols: &[Choice]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for f in &def.filters {
        let text = cols
            .iter()
            .any(|c| c.value == f.column && matches!(c.kind, Kind::Text));
        let values = match (&def.join, f.column.split_once('.')) {
            _ if !text => Ok(vec![]),
            (Some(j), Some((t, c))) if t == j.dataset => {
                analysis::column_values(ctx.ws(), &ctx.who, t, c).await
            }
            _ => analysis::column_values(ctx.ws(), &ctx.who, &def.dataset, &f.column).await,
        };
        out.push(values.unwrap_or_default());
    }
    out
}

/// The builder page for `def`, with its preview or what is wrong with it.
async fn render(
    ctx: &Ctx,
    mut def: Definition,
    id: Option<&str>,
    extra: Value,
    status: StatusCode,
) -> Reply {
    let tables = analysis::builder_tables(ctx.ws(), &ctx.who).await?;
    let base = tables.iter().find(|t| t.name == def.dataset);
    let joined = def
        .join
        .as_ref()
        .and_then(|j| tables.iter().find(|t| t.name == j.dataset));
    let found = match (base, joined) {
        (Some(b), Some(j)) => suggest_joins(b, j),
        _ => vec![],
    };
    // A second dataset just chosen is joined the most likely way until another is chosen.
    if let (Some(j), Some(first)) = (def.join.as_mut(), found.first())
        && matches!(&j.on, JoinOn::Key { left, .. } if left.is_empty())
    {
        j.on = first.clone();
    }
    let suggestions: Vec<(String, String)> = match (base, joined) {
        (Some(b), Some(j)) => found
            .iter()
            .map(|s| {
                let label = match s {
                    JoinOn::Key { left, right } => format!("{left} = {}.{right}", j.name),
                    JoinOn::Within {
                        lon: Some(lon),
                        lat: Some(lat),
                    } => format!("({lon}, {lat}) ∈ {}", j.name),
                    JoinOn::Within { .. } => format!("{} ∈ {}", b.name, j.name),
                };
                (join_value(s), label)
            })
            .collect(),
        _ => vec![],
    };
    let cols = base.map(|b| choices(b, joined)).unwrap_or_default();
    let values = filter_values(ctx, &def, &cols).await;
    let mut preview = Value::UNDEFINED;
    let mut problem = Value::UNDEFINED;
    if base.is_some() {
        match analysis::preview(ctx.ws(), &ctx.who, &chosen(&def), PREVIEW_ROWS)
            .await
            .map_err(AppError::from)
        {
            Ok(p) => preview = preview_context(&p, ctx.lang)?,
            Err(e) => problem = crate::shell::form_problem(&e),
        }
    }
    let chosen_join = def.join.as_ref().map(|j| join_value(&j.on));
    page_with_status(
        ctx,
        status,
        "analysis_builder.html",
        "/analyses",
        context! {
            tables => tables,
            def => def,
            join_value => chosen_join,
            suggestions => suggestions,
            columns => cols,
            values => values,
            funcs => Func::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            grains => Grain::ALL.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
            preview => preview,
            id => id,
            can_save => ctx.may(Permission::Analyse),
            ..context! { ..problem, ..extra }
        },
    )
    .await
}

/// A join as the `<select>` value [`join_on`] reads.
fn join_value(on: &JoinOn) -> String {
    match on {
        JoinOn::Key { left, right } => format!("key:{left}={right}"),
        JoinOn::Within {
            lon: Some(lon),
            lat: Some(lat),
        } => format!("within:{lon},{lat}"),
        JoinOn::Within { .. } => "within:".into(),
    }
}

fn preview_context(p: &Preview, lang: crate::i18n::Lang) -> Result<Value, AppError> {
    let r = Results::from_output(&p.output)?;
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(&r.columns)
                .map(|(v, c)| crate::i18n::cell_of(lang, c, v))
                .collect()
        })
        .collect();
    let shape: Vec<(String, Kind)> = p
        .compiled
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.kind))
        .collect();
    // The suggestion names its columns by their headings, as the preview's table does.
    let heading_of: std::collections::BTreeMap<&str, &str> = shape
        .iter()
        .map(|(name, _)| name.as_str())
        .zip(p.headings.iter().map(String::as_str))
        .collect();
    Ok(context! {
        heading_of => heading_of,
        sql => p.compiled.sql,
        params => p.compiled.params,
        columns => r.columns,
        headings => p.headings,
        rows => rows,
        total => p.total,
        suggestion => Widget::suggested_for("", "", &shape, p.total),
    })
}

/// A new, empty builder.
pub async fn new(ctx: Ctx) -> Reply {
    render(
        &ctx,
        Definition::default(),
        None,
        Value::UNDEFINED,
        StatusCode::OK,
    )
    .await
}

/// A saved builder analysis, opened in the builder again.
pub async fn open(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let a = analysis::analysis(ctx.ws(), &ctx.who, &id).await?;
    let Some(def) = a.builder.clone() else {
        return Ok(Redirect::to(&format!("/analyses/{}", a.id)).into_response());
    };
    let extra = context! { form => context! { title => a.title, description => a.description } };
    render(&ctx, def, Some(&a.id), extra, StatusCode::OK).await
}

/// A change to the builder's form: the page again with its preview, or, for "save", the
/// saved analysis; for "open in the SQL editor", the editor with the SQL.
pub async fn change(ctx: Ctx, FormInput(mut input): FormInput) -> Reply {
    let act = action(&mut input);
    let def = read_form(&mut input, &act);
    let id = opt(input.text("id"));
    let focus = input.text("focus");
    let form = context! { title => input.text("title"), description => input.text("description") };
    match act {
        Action::Save => {
            let mut fields = serde_json::Map::new();
            fields.insert("title".into(), input.text("title").into());
            fields.insert("description".into(), input.text("description").into());
            fields.insert(
                "builder".into(),
                serde_json::to_value(&def).map_err(|e| AppError::Internal(e.to_string()))?,
            );
            match analysis::save(
                ctx.ws(),
                &ctx.who,
                id.as_deref(),
                Input::from_object(fields),
            )
            .await
            .map_err(AppError::from)
            {
                Ok(a) => Ok(Redirect::to(&format!("/analyses/{}", a.id)).into_response()),
                Err(
                    e @ (AppError::Invalid(_)
                    | AppError::BadRequest(_)
                    | AppError::Unprocessable(_)),
                ) => {
                    let status = e.status();
                    let extra = context! { form => form, ..crate::shell::form_problem(&e) };
                    render(&ctx, def, id.as_deref(), extra, status).await
                }
                Err(e) => Err(e),
            }
        }
        Action::Editor => {
            let sql = analysis::editor_sql(ctx.ws(), &ctx.who, &def).await?;
            let mut pairs = vec![("sql".to_string(), sql)];
            pairs.push(("csrf_token".to_string(), String::new()));
            super::pages::run_with(ctx, Input::from_pairs(pairs)).await
        }
        _ => {
            let extra = context! { form => form, focus => focus };
            render(&ctx, def, id.as_deref(), extra, StatusCode::OK).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(pairs: &[(&str, &str)]) -> Input {
        Input::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn the_form_is_a_definition() {
        let mut i = input(&[
            ("dataset", "movements"),
            ("joinDataset", "gemeenten"),
            ("joinOn", "within:origin_lon,origin_lat"),
            ("nFilters", "2"),
            ("f0_column", "mode"),
            ("f0_kind", "in"),
            ("f0_values", "road"),
            ("f0_values", "rail"),
            ("f1_column", "ts"),
            ("f1_kind", "year"),
            ("f1_year", "2024"),
            ("f1_param", "jaar"),
            ("nGroups", "1"),
            ("g0_column", "ts"),
            ("g0_grain", "month"),
            ("nMeasures", "1"),
            ("m0_fn", "sum"),
            ("m0_column", "tonnes"),
            ("sortColumn", "tonnes"),
            ("sortDesc", "on"),
            ("limit", "5"),
            ("action", "remove-f-0"),
        ]);
        let act = action(&mut i);
        assert_eq!(act, Action::Remove('f', 0));
        let d = read_form(&mut i, &act);
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::json!({
                "dataset": "movements",
                "join": {"dataset": "gemeenten", "on": {"kind": "within", "lon": "origin_lon", "lat": "origin_lat"}},
                "filters": [{"column": "ts", "op": {"kind": "year", "year": 2024}, "param": "jaar"}],
                "groups": [{"column": "ts", "grain": "month"}],
                "measures": [{"fn": "sum", "column": "tonnes"}],
                "sort": {"column": "tonnes", "descending": true},
                "limit": 5
            })
        );
        let mut i = input(&[("dataset", "movements"), ("action", "add-measure")]);
        let act = action(&mut i);
        assert_eq!(read_form(&mut i, &act).measures.len(), 1);
    }
}
