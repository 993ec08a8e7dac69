//! How koers' own physical operators travel between the scheduler and the executors: the
//! R-tree spatial join ([`SpatialJoinExec`]), marked by a prefix; everything else as Ballista
//! sends it.

use std::sync::Arc;

use ballista_core::serde::BallistaPhysicalExtensionCodec;
use datafusion::common::Result;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF, WindowUDF};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};

use crate::spatial::join::{SpatialJoinExec, wire};

/// What a spatial join's bytes start with.
const SPATIAL_JOIN: &[u8] = b"koers.SpatialJoinExec/1:";

/// Ballista's physical codec with koers' spatial join.
#[derive(Debug, Default)]
pub struct KoersPhysicalCodec {
    ballista: BallistaPhysicalExtensionCodec,
}

impl PhysicalExtensionCodec for KoersPhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        match buf.strip_prefix(SPATIAL_JOIN) {
            Some(rest) => Ok(Arc::new(wire::decode(rest, inputs, ctx, self)?)),
            None => self.ballista.try_decode(buf, inputs, ctx, proto_converter),
        }
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        match node.downcast_ref::<SpatialJoinExec>() {
            Some(join) => {
                buf.extend_from_slice(SPATIAL_JOIN);
                wire::encode(join, self, buf)
            }
            None => self.ballista.try_encode(node, buf, proto_converter),
        }
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        self.ballista.try_decode_udf(name, buf)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode_udf(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        self.ballista.try_decode_udaf(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> Result<Arc<WindowUDF>> {
        self.ballista.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode_udwf(node, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, EngineConfig};
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::physical_plan::{collect, displayable};
    use datafusion_proto::bytes::{
        physical_plan_from_bytes_with_extension_codec, physical_plan_to_bytes_with_extension_codec,
    };

    fn shown(plan: &Arc<dyn ExecutionPlan>) -> String {
        displayable(plan.as_ref()).indent(true).to_string()
    }

    #[tokio::test]
    async fn a_spatial_join_crosses_to_an_executor_and_answers_the_same() {
        let engine = Engine::new(EngineConfig {
            target_partitions: 2,
            ..EngineConfig::default()
        });
        let ctx = engine.context(&[]).await.unwrap();
        let sql = "SELECT p.id, g.naam FROM (VALUES \
            ('vierkant', ST_GeomFromText('POLYGON((0 0, 0 2, 2 2, 2 0, 0 0))', 4326)), \
            ('ver', ST_GeomFromText('POLYGON((10 10, 10 12, 12 12, 12 10, 10 10))', 4326))) AS g(naam, geom) \
            JOIN (VALUES (1, 1.0, 1.0), (2, 3.0, 3.0), (3, 11.0, 11.5)) AS p(id, x, y) \
            ON ST_Contains(g.geom, ST_Point(p.x, p.y, 4326)) ORDER BY p.id";
        let plan = ctx
            .sql(sql)
            .await
            .unwrap()
            .create_physical_plan()
            .await
            .unwrap();
        assert!(shown(&plan).contains("SpatialJoinExec"), "{}", shown(&plan));
        let codec = KoersPhysicalCodec::default();
        let bytes = physical_plan_to_bytes_with_extension_codec(Arc::clone(&plan), &codec).unwrap();
        let back =
            physical_plan_from_bytes_with_extension_codec(&bytes, &ctx.task_ctx(), &codec).unwrap();
        assert_eq!(shown(&back), shown(&plan));
        let here = collect(plan, ctx.task_ctx()).await.unwrap();
        let there = collect(back, ctx.task_ctx()).await.unwrap();
        let (here, there) = (
            pretty_format_batches(&here).unwrap().to_string(),
            pretty_format_batches(&there).unwrap().to_string(),
        );
        assert_eq!(here, there);
        assert!(here.contains("vierkant") && here.contains("ver"), "{here}");

        // Damaged bytes are an error, not a panic.
        let mut damaged = SPATIAL_JOIN.to_vec();
        damaged.extend_from_slice(&[7, 1, 2]);
        let empty = || -> Arc<dyn ExecutionPlan> {
            Arc::new(datafusion::physical_plan::empty::EmptyExec::new(Arc::new(
                datafusion::arrow::datatypes::Schema::empty(),
            )))
        };
        let inputs = [empty(), empty()];
        assert!(
            codec
                .try_decode(
                    &damaged,
                    &inputs,
                    &ctx.task_ctx(),
                    &datafusion_proto::physical_plan::DefaultPhysicalProtoConverter {}
                )
                .is_err()
        );
    }
}
