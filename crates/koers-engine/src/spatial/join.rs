//! Indexed spatial join.
//!
//! DataFusion has no spatial join: `JOIN g ON ST_Contains(g.geom, ST_Point(t.x, t.y, 4326))`
//! plans as a nested-loop join that tests every pair (87 s for 5 M points × 12 polygons in a
//! probe of this stack). [`SpatialJoinRule`] finds inner nested-loop joins whose condition is
//! `ST_Contains`, `ST_Within` or `ST_Intersects` between a geometry expression of each side and
//! replaces them with [`SpatialJoinExec`]: the build (left) side is collected once, its
//! geometries' bounding boxes go into an `rstar` R-tree, and every row of the probe (right)
//! side looks up the candidates whose box it touches and checks the exact predicate. Output
//! batches stream per probe batch, in the probe side's partitions.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, UInt32Array};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode, TreeNodeRecursion};
use datafusion::common::{DataFusionError, JoinSide, JoinType, Result};
use datafusion::execution::memory_pool::MemoryReservation;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::utils::collect_columns;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr, ScalarFunctionExpr};
use datafusion::physical_expr::{conjunction, split_conjunction};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::joins::NestedLoopJoinExec;
use datafusion::physical_plan::joins::utils::ColumnIndex;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, Partitioning,
    PlanProperties,
};
use geo::{BoundingRect, Geometry, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::ewkb;
use super::functions::{Func, decode, not_a_geometry, predicate, same_srid};

/// Rewrites spatial-predicate nested-loop joins into [`SpatialJoinExec`].
#[derive(Debug, Default)]
pub struct SpatialJoinRule;

impl PhysicalOptimizerRule for SpatialJoinRule {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let partitions = config.execution.target_partitions;
        crate::probe::replace_each(plan, |p| rewrite(p, partitions))
    }

    fn name(&self) -> &str {
        "koers_spatial_join"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

fn side_of(expr: &Arc<dyn PhysicalExpr>, indices: &[ColumnIndex]) -> Option<JoinSide> {
    let cols = collect_columns(expr);
    let mut side = None;
    for c in cols {
        let s = indices.get(c.index())?.side;
        match side {
            None => side = Some(s),
            Some(prev) if prev != s => return None,
            _ => {}
        }
    }
    side
}

/// Re-point the filter's columns: `to` gives the new index of a column of the filter.
fn remap(
    expr: &Arc<dyn PhysicalExpr>,
    indices: &[ColumnIndex],
    to: impl Fn(&ColumnIndex) -> usize,
) -> Result<Arc<dyn PhysicalExpr>> {
    Arc::clone(expr)
        .transform(|e| {
            let any: &dyn std::any::Any = e.as_ref();
            match any.downcast_ref::<Column>() {
                Some(c) => {
                    let ci = indices
                        .get(c.index())
                        .ok_or_else(|| DataFusionError::Internal("join column".into()))?;
                    Ok(Transformed::yes(
                        Arc::new(Column::new(c.name(), to(ci))) as Arc<dyn PhysicalExpr>
                    ))
                }
                None => Ok(Transformed::no(e)),
            }
        })
        .data()
}

/// Re-point the filter's columns to the columns of one input.
fn to_side(expr: &Arc<dyn PhysicalExpr>, indices: &[ColumnIndex]) -> Result<Arc<dyn PhysicalExpr>> {
    remap(expr, indices, |ci| ci.index)
}

/// Re-point the filter's columns to the columns of the joined rows (left, then right).
fn to_output(
    expr: &Arc<dyn PhysicalExpr>,
    indices: &[ColumnIndex],
    left_len: usize,
) -> Result<Arc<dyn PhysicalExpr>> {
    remap(expr, indices, |ci| match ci.side {
        JoinSide::Left => ci.index,
        _ => left_len + ci.index,
    })
}

/// Fold a projection of plain columns into the join below it, so that the join materialises
/// only the columns used (copying every polygon for every matched point is the slow part
/// otherwise).
fn fold_projection(plan: &Arc<dyn ExecutionPlan>) -> Option<Arc<dyn ExecutionPlan>> {
    let proj = plan.downcast_ref::<ProjectionExec>()?;
    let join = proj.input().downcast_ref::<SpatialJoinExec>()?;
    let mut indices = Vec::with_capacity(proj.expr().len());
    for e in proj.expr() {
        let any: &dyn std::any::Any = e.expr.as_ref();
        let c = any.downcast_ref::<Column>()?;
        indices.push(match &join.projection {
            Some(p) => *p.get(c.index())?,
            None => c.index(),
        });
    }
    let exec = SpatialJoinExec::try_new(
        Arc::clone(&join.left),
        Arc::clone(&join.right),
        join.on.clone(),
        Some(indices),
        proj.schema(),
    )
    .ok()?;
    Some(Arc::new(exec))
}

fn rewrite(
    plan: &Arc<dyn ExecutionPlan>,
    partitions: usize,
) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    if let Some(folded) = fold_projection(plan) {
        return Ok(Some(folded));
    }
    let Some(nlj) = plan.downcast_ref::<NestedLoopJoinExec>() else {
        return Ok(None);
    };
    if *nlj.join_type() != JoinType::Inner {
        return Ok(None);
    }
    let Some(filter) = nlj.filter() else {
        return Ok(None);
    };
    let idx = filter.column_indices();
    // One conjunct is the spatial predicate; any others are checked on the joined rows.
    let conjuncts = split_conjunction(filter.expression());
    let Some((at, on)) = conjuncts
        .iter()
        .enumerate()
        .find_map(|(i, c)| spatial_predicate(c, idx).map(|p| (i, p)))
    else {
        return Ok(None);
    };
    let residual: Vec<Arc<dyn PhysicalExpr>> = conjuncts
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .map(|(_, c)| to_output(c, idx, nlj.left().schema().fields().len()))
        .collect::<Result<_>>()?;
    // The probe is the expensive part: spread it over all partitions.
    let mut right = Arc::clone(nlj.right());
    if right.output_partitioning().partition_count() < partitions {
        right = Arc::new(RepartitionExec::try_new(
            right,
            Partitioning::RoundRobinBatch(partitions),
        )?);
    }
    let on = JoinOn {
        left: to_side(&on.left, idx)?,
        right: to_side(&on.right, idx)?,
        ..on
    };
    // The spatial join of the two sides, keeping `projection` of them as `schema`.
    let join = |projection, schema| {
        SpatialJoinExec::try_new(Arc::clone(nlj.left()), right, on, projection, schema)
    };
    if residual.is_empty() {
        let exec = join(nlj.projection().as_ref().map(|p| p.to_vec()), nlj.schema())?;
        return Ok(Some(Arc::new(exec)));
    }
    // Join every column, filter on the rest of the condition, then keep what the join kept.
    let fields: Vec<_> = nlj
        .left()
        .schema()
        .fields()
        .iter()
        .chain(nlj.right().schema().fields().iter())
        .cloned()
        .collect();
    let joined = Arc::new(join(None, Arc::new(Schema::new(fields)))?);
    let filtered: Arc<dyn ExecutionPlan> =
        Arc::new(FilterExec::try_new(conjunction(residual), joined)?);
    let Some(projection) = nlj.projection() else {
        return Ok(Some(filtered));
    };
    let schema = filtered.schema();
    let columns: Vec<(Arc<dyn PhysicalExpr>, String)> = projection
        .iter()
        .map(|&i| {
            let name = schema.field(i).name().clone();
            (
                Arc::new(Column::new(&name, i)) as Arc<dyn PhysicalExpr>,
                name,
            )
        })
        .collect();
    Ok(Some(Arc::new(ProjectionExec::try_new(columns, filtered)?)))
}

/// What a spatial join joins on: a predicate between a geometry of each side.
#[derive(Debug, Clone)]
pub struct JoinOn {
    pub func: Func,
    /// The geometry of the left (build) side.
    pub left: Arc<dyn PhysicalExpr>,
    /// The geometry of the right (probe) side.
    pub right: Arc<dyn PhysicalExpr>,
    /// Whether the left geometry is the predicate's first argument.
    pub left_is_first: bool,
}

impl JoinOn {
    /// The predicate's arguments in its own order.
    fn arguments(&self) -> (&Arc<dyn PhysicalExpr>, &Arc<dyn PhysicalExpr>) {
        if self.left_is_first {
            (&self.left, &self.right)
        } else {
            (&self.right, &self.left)
        }
    }
}

/// The spatial predicate `expr` is, if it is one.
fn spatial_predicate(expr: &Arc<dyn PhysicalExpr>, idx: &[ColumnIndex]) -> Option<JoinOn> {
    let any: &dyn std::any::Any = expr.as_ref();
    let f = any.downcast_ref::<ScalarFunctionExpr>()?;
    let func = match f.name() {
        "st_contains" => Func::Contains,
        "st_within" => Func::Within,
        "st_intersects" => Func::Intersects,
        _ => return None,
    };
    let [a, b] = f.args() else {
        return None;
    };
    let (left, right, left_is_first) = match (side_of(a, idx), side_of(b, idx)) {
        (Some(JoinSide::Left), Some(JoinSide::Right)) => (a, b, true),
        (Some(JoinSide::Right), Some(JoinSide::Left)) => (b, a, false),
        _ => return None,
    };
    Some(JoinOn {
        func,
        left: Arc::clone(left),
        right: Arc::clone(right),
        left_is_first,
    })
}

type Tree = RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>;

/// The collected build side.
struct Build {
    /// Holds the build side's memory in the query's pool while the join lives.
    _reservation: MemoryReservation,
    batch: RecordBatch,
    geoms: Vec<Option<(Geometry<f64>, i32)>>,
    tree: Tree,
}

/// A join that probes an R-tree over the left side's geometries with each right-side row.
pub struct SpatialJoinExec {
    left: Arc<dyn ExecutionPlan>,
    right: Arc<dyn ExecutionPlan>,
    on: JoinOn,
    projection: Option<Vec<usize>>,
    schema: SchemaRef,
    cache: Arc<PlanProperties>,
    build: Arc<tokio::sync::OnceCell<Arc<Build>>>,
}

impl fmt::Debug for SpatialJoinExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpatialJoinExec")
            .field("on", &self.on)
            .finish()
    }
}

impl SpatialJoinExec {
    /// A spatial join of `left` (build) and `right` (probe) `on` a predicate, keeping
    /// `projection` of their columns (all when `None`) as `schema`.
    pub fn try_new(
        left: Arc<dyn ExecutionPlan>,
        right: Arc<dyn ExecutionPlan>,
        on: JoinOn,
        projection: Option<Vec<usize>>,
        schema: SchemaRef,
    ) -> Result<Self> {
        let cache = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&schema)),
            Partitioning::UnknownPartitioning(right.output_partitioning().partition_count()),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        Ok(SpatialJoinExec {
            left,
            right,
            on,
            projection,
            schema,
            cache,
            build: Arc::new(tokio::sync::OnceCell::new()),
        })
    }
}

impl DisplayAs for SpatialJoinExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let (first, second) = self.on.arguments();
        write!(
            f,
            "SpatialJoinExec: {}({first}, {second}) R-tree on left",
            self.func_name(),
        )
    }
}

impl SpatialJoinExec {
    fn func_name(&self) -> &'static str {
        match self.on.func {
            Func::Contains => "ST_Contains",
            Func::Within => "ST_Within",
            _ => "ST_Intersects",
        }
    }
}

async fn build_side(
    left: Arc<dyn ExecutionPlan>,
    expr: Arc<dyn PhysicalExpr>,
    ctx: Arc<TaskContext>,
) -> Result<Arc<Build>> {
    // The batch plus decoded geometries and the tree, roughly twice the batch.
    let (batch, reservation) =
        crate::probe::collect_build(left, ctx, "SpatialJoinExec build side", |b| {
            b.get_array_memory_size()
        })
        .await?;
    let values = expr.evaluate(&batch)?.into_array(batch.num_rows())?;
    let mut geoms = Vec::with_capacity(batch.num_rows());
    let mut boxes = Vec::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        match super::bytes_at(&values, i) {
            None => geoms.push(None),
            Some(b) => {
                let g = decode(b)?;
                if let Some(r) = g.geometry.bounding_rect() {
                    boxes.push(GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i as u32,
                    ));
                }
                geoms.push(Some((g.geometry, g.srid)));
            }
        }
    }
    Ok(Arc::new(Build {
        _reservation: reservation,
        batch,
        geoms,
        tree: RTree::bulk_load(boxes),
    }))
}

struct Probe {
    on: JoinOn,
    projection: Option<Vec<usize>>,
    schema: SchemaRef,
}

impl Probe {
    /// The predicate with a point on the probe side, without generic dispatch where possible.
    fn holds_point(&self, build: &Geometry<f64>, point: &Point<f64>, p: &Geometry<f64>) -> bool {
        use geo::{Contains, Intersects};
        match (self.on.func, self.on.left_is_first) {
            (Func::Contains, true) | (Func::Within, false) => build.contains(point),
            (Func::Intersects, _) => build.intersects(point),
            _ => self.holds(build, p),
        }
    }

    fn holds(&self, build: &Geometry<f64>, probe: &Geometry<f64>) -> bool {
        if self.on.left_is_first {
            predicate(self.on.func, build, probe)
        } else {
            predicate(self.on.func, probe, build)
        }
    }

    fn batch(&self, build: &Build, batch: RecordBatch) -> Result<RecordBatch> {
        let values = self
            .on
            .right
            .evaluate(&batch)?
            .into_array(batch.num_rows())?;
        let mut bi: Vec<u32> = Vec::new();
        let mut pi: Vec<u32> = Vec::new();
        for i in 0..batch.num_rows() {
            let Some(bytes) = super::bytes_at(&values, i) else {
                continue;
            };
            if let Some((x, y)) = ewkb::decode_point(bytes) {
                let srid = ewkb::srid_of(bytes).map_err(not_a_geometry)?;
                let point = Point::new(x, y);
                let p = Geometry::Point(point);
                for c in build.tree.locate_all_at_point(&[x, y]) {
                    if let Some((g, s)) = &build.geoms[c.data as usize] {
                        same_srid(self.on.func, *s, srid)?;
                        if self.holds_point(g, &point, &p) {
                            bi.push(c.data);
                            pi.push(i as u32);
                        }
                    }
                }
                continue;
            }
            let g = decode(bytes)?;
            let Some(r) = g.geometry.bounding_rect() else {
                continue;
            };
            let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
            for c in build.tree.locate_in_envelope_intersecting(&env) {
                if let Some((bg, s)) = &build.geoms[c.data as usize] {
                    same_srid(self.on.func, *s, g.srid)?;
                    if self.holds(bg, &g.geometry) {
                        bi.push(c.data);
                        pi.push(i as u32);
                    }
                }
            }
        }
        let bi = UInt32Array::from(bi);
        let pi = UInt32Array::from(pi);
        let mut cols: Vec<ArrayRef> =
            Vec::with_capacity(build.batch.num_columns() + batch.num_columns());
        for c in build.batch.columns() {
            cols.push(take(c.as_ref(), &bi, None)?);
        }
        for c in batch.columns() {
            cols.push(take(c.as_ref(), &pi, None)?);
        }
        let cols = match &self.projection {
            Some(p) => p.iter().map(|i| Arc::clone(&cols[*i])).collect(),
            None => cols,
        };
        let opts = datafusion::arrow::record_batch::RecordBatchOptions::new()
            .with_row_count(Some(bi.len()));
        Ok(RecordBatch::try_new_with_options(
            Arc::clone(&self.schema),
            cols,
            &opts,
        )?)
    }
}

impl ExecutionPlan for SpatialJoinExec {
    fn name(&self) -> &'static str {
        "SpatialJoinExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.cache
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.left, &self.right]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        if f(&self.on.left)? == TreeNodeRecursion::Stop {
            return Ok(TreeNodeRecursion::Stop);
        }
        f(&self.on.right)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let [left, right] = crate::error::exactly(children, "SpatialJoinExec's inputs")?;
        Ok(Arc::new(SpatialJoinExec::try_new(
            left,
            right,
            self.on.clone(),
            self.projection.clone(),
            Arc::clone(&self.schema),
        )?))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let (left, left_expr) = (Arc::clone(&self.left), Arc::clone(&self.on.left));
        let probe = Probe {
            on: self.on.clone(),
            projection: self.projection.clone(),
            schema: Arc::clone(&self.schema),
        };
        let ctx = Arc::clone(&context);
        crate::probe::probe_stream(
            (Arc::clone(&self.build), move || {
                build_side(left, left_expr, ctx)
            }),
            (Arc::clone(&self.right), partition, context),
            Arc::clone(&self.schema),
            move |build, batch| probe.batch(build, batch),
        )
    }
}

/// [`SpatialJoinExec`] on the wire, for a Ballista cluster (see
/// [`crate::distributed::codec`]): the function, which side's geometry comes first, the
/// projection, both geometry expressions and the output schema; the two inputs travel as
/// Ballista sends any plan's children.
#[cfg(feature = "ballista")]
pub(crate) mod wire {
    use super::*;
    use datafusion_proto::physical_plan::PhysicalExtensionCodec;
    use datafusion_proto::physical_plan::from_proto::parse_physical_expr;
    use datafusion_proto::physical_plan::to_proto::serialize_physical_expr;
    use datafusion_proto::protobuf;
    use prost::Message;

    fn put(buf: &mut Vec<u8>, n: usize) -> Result<()> {
        let n = u32::try_from(n)
            .map_err(|_| DataFusionError::Internal("SpatialJoinExec too large to send".into()))?;
        buf.extend_from_slice(&n.to_le_bytes());
        Ok(())
    }

    fn bad() -> DataFusionError {
        DataFusionError::Internal("a damaged SpatialJoinExec arrived".into())
    }

    fn take<'a>(buf: &mut &'a [u8], n: usize) -> Result<&'a [u8]> {
        if buf.len() < n {
            return Err(bad());
        }
        let (head, rest) = buf.split_at(n);
        *buf = rest;
        Ok(head)
    }

    fn get(buf: &mut &[u8]) -> Result<u32> {
        let b = take(buf, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn encode(
        j: &SpatialJoinExec,
        codec: &dyn PhysicalExtensionCodec,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        buf.push(match j.on.func {
            Func::Contains => 0,
            Func::Within => 1,
            _ => 2,
        });
        buf.push(u8::from(j.on.left_is_first));
        match &j.projection {
            None => buf.extend_from_slice(&u32::MAX.to_le_bytes()),
            Some(p) => {
                put(buf, p.len())?;
                for &i in p {
                    put(buf, i)?;
                }
            }
        }
        let parts = [
            serialize_physical_expr(&j.on.left, codec)?.encode_to_vec(),
            serialize_physical_expr(&j.on.right, codec)?.encode_to_vec(),
            protobuf::Schema::try_from(j.schema.as_ref())?.encode_to_vec(),
        ];
        for part in parts {
            put(buf, part.len())?;
            buf.extend_from_slice(&part);
        }
        Ok(())
    }

    pub(crate) fn decode(
        mut buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        codec: &dyn PhysicalExtensionCodec,
    ) -> Result<SpatialJoinExec> {
        let [left, right] = inputs else {
            return Err(DataFusionError::Internal(
                "SpatialJoinExec has two inputs".into(),
            ));
        };
        let head = take(&mut buf, 2)?;
        let func = match head[0] {
            0 => Func::Contains,
            1 => Func::Within,
            2 => Func::Intersects,
            _ => return Err(bad()),
        };
        let left_is_first = head[1] == 1;
        let projection = match get(&mut buf)? {
            u32::MAX => None,
            n => Some(
                (0..n)
                    .map(|_| get(&mut buf).map(|i| i as usize))
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        let mut part = || -> Result<&[u8]> {
            let n = get(&mut buf)? as usize;
            take(&mut buf, n)
        };
        let expr = |bytes: &[u8], schema: &Schema| -> Result<Arc<dyn PhysicalExpr>> {
            let node = protobuf::PhysicalExprNode::decode(bytes).map_err(|_| bad())?;
            parse_physical_expr(&node, ctx, schema, codec)
        };
        let on = JoinOn {
            func,
            left: expr(part()?, &left.schema())?,
            right: expr(part()?, &right.schema())?,
            left_is_first,
        };
        let schema = protobuf::Schema::decode(part()?).map_err(|_| bad())?;
        let schema = Arc::new(Schema::try_from(&schema)?);
        SpatialJoinExec::try_new(Arc::clone(left), Arc::clone(right), on, projection, schema)
    }
}
