//! Print EXPLAIN ANALYZE of a SQL file over the bench tables: `explain DATA_DIR QUERY.sql`.

use koers_engine::{Engine, EngineConfig, ImportOptions, NoProgress, TableRef, import_file};

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::path::PathBuf::from(&args[1]);
    let sql = std::fs::read_to_string(&args[2]).unwrap();
    let work = std::env::temp_dir().join(format!("koers-explain-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let v = import_file(
        &data.join("municipalities.csv"),
        &ImportOptions {
            output_dir: work.clone(),
            file_name: "municipalities.parquet".into(),
            format: None,
            crs: None,
            layer: None,
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    let tables = vec![
        TableRef::new("movements", data.join("movements.parquet")),
        TableRef::new("municipalities", v.path),
    ];
    let engine = Engine::new(EngineConfig {
        memory_limit_bytes: 4 << 30,
        ..EngineConfig::default()
    });
    let ctx = engine.context(&tables).await.unwrap();
    let mode = args.get(3).map(String::as_str).unwrap_or("analyze");
    // Further arguments: `key=value` session settings, e.g. datafusion.execution.batch_size=32768.
    for kv in args.iter().skip(4) {
        let (k, v) = kv.split_once('=').unwrap();
        ctx.sql(&format!("SET {k} = {v}")).await.unwrap();
    }
    if mode == "time" {
        let mut times = Vec::new();
        for i in 0..6 {
            let t0 = std::time::Instant::now();
            ctx.sql(&sql).await.unwrap().collect().await.unwrap();
            if i > 0 {
                times.push(t0.elapsed().as_secs_f64());
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "median {:.3} min {:.3} {:?}",
            times[times.len() / 2],
            times[0],
            &args[4..]
        );
        return;
    }
    let q = match mode {
        "plan" => format!("EXPLAIN {sql}"),
        "verbose" => format!("EXPLAIN VERBOSE {sql}"),
        _ => format!("EXPLAIN ANALYZE {sql}"),
    };
    for _ in 0..2 {
        let t0 = std::time::Instant::now();
        let b = ctx.sql(&q).await.unwrap().collect().await.unwrap();
        let el = t0.elapsed();
        println!(
            "{}",
            datafusion::arrow::util::pretty::pretty_format_batches(&b).unwrap()
        );
        println!("elapsed {el:?}");
    }
    let _ = std::fs::remove_dir_all(&work);
}
