//! The predicates of filters, evaluated koers' way where that is faster and the same.
//!
//! [`FilterRule`] rewrites the predicate of every filter of an embedded query: bounds of a
//! range of one column become one pass over it ([`crate::range`]), and `=`/`<>` between short
//! texts compare their string views ([`crate::views`]). A cluster's plans are sent as
//! DataFusion's own expressions, so the rule is not used there.

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};

/// Rewrites filters' predicates; see the module.
#[derive(Debug, Default)]
pub struct FilterRule;

impl PhysicalOptimizerRule for FilterRule {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        crate::probe::replace_each(plan, |p| {
            let Some(filter) = p.downcast_ref::<FilterExec>() else {
                return Ok(None);
            };
            let schema = filter.input().schema();
            let ranged = crate::range::fused(filter.predicate(), &schema)?;
            let first = ranged.as_ref().unwrap_or(filter.predicate());
            let Some(predicate) = crate::views::rewrite(first, &schema)?.or(ranged) else {
                return Ok(None);
            };
            let rewritten = FilterExecBuilder::from(filter)
                .with_predicate(predicate)
                .build()?;
            Ok(Some(Arc::new(rewritten) as Arc<dyn ExecutionPlan>))
        })
    }

    fn name(&self) -> &str {
        "koers_filter"
    }

    fn schema_check(&self) -> bool {
        true
    }
}
