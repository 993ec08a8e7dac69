//! The schema's migrations: one SQL file a step, for both databases. Where SQLite and
//! PostgreSQL need different SQL, a line starts with `--sqlite:` or `--postgres:` and only that
//! database gets it, without the prefix; every other line is for both. So the two can never
//! drift apart where they agree, and what differs stands side by side. The rendered SQL is byte
//! for byte what each database always ran, so the checksums sqlx recorded still match (a test
//! pins them).

use crate::Backend;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::borrow::Cow;

/// Lists the migration files in order with their SQL, embedded at build time.
macro_rules! files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../migrations/", $name)))),*]
    };
}

/// The migrations, each file's name and SQL; a new one is added here (a test checks that
/// none is missing).
const FILES: &[(&str, &str)] = files![
    "0001_foundation.sql",
    "0002_catalog.sql",
    "0003_register.sql",
    "0004_questions.sql",
    "0005_indicators.sql",
    "0006_notifications.sql",
    "0007_maturity.sql",
    "0008_learning.sql",
    "0009_snapshots.sql",
    "0010_indicator_schedules.sql",
    "0011_dashboards.sql",
    "0012_dashboard_schedules.sql",
    "0013_login_failures.sql",
    "0014_monitor_versions.sql",
    "0015_oidc.sql",
    "0016_dataset_sources.sql",
    "0017_login_attempts_and_api_tokens.sql",
    "0018_access.sql",
    "0019_dashboard_bin.sql",
    "0020_analysis_builder.sql",
    "0021_column_labels.sql",
    "0022_choice_lifecycle.sql",
    "0023_meetings.sql",
    "0024_choice_publications.sql",
    "0025_meeting_levels.sql",
    "0026_jobs.sql",
    "0027_learning_content.sql",
    "0028_guests.sql",
    "0029_maturity_rounds_over_years.sql",
    "0030_maturity_report_comments.sql",
    "0031_maturity_recommendations.sql",
    "0032_maturity_interviewee_role.sql",
    "0033_learning_model_and_target_groups.sql",
    "0034_learning_project_dashboards.sql",
    "0035_maturity_respondent_groups.sql",
    "0036_umbrella_organisations.sql",
    "0037_learning_reflections_and_quizzes.sql",
    "0038_appended_versions_and_kept_states.sql",
    "0039_widget_result_basis.sql",
    "0040_analysis_column_labels.sql",
    "0041_audit_log_by_object.sql",
    "0042_sent_forms.sql",
    "0043_product_link_names.sql",
];

/// One file's SQL for one database.
fn render(sql: &str, backend: Backend) -> String {
    let (mine, other) = match backend {
        Backend::Sqlite => ("--sqlite:", "--postgres:"),
        Backend::Postgres => ("--postgres:", "--sqlite:"),
    };
    sql.split_inclusive('\n')
        .filter(|line| !line.starts_with(other))
        .map(|line| line.strip_prefix(mine).unwrap_or(line))
        .collect()
}

/// The migrations for a database up to and including `last` (all of them with `i64::MAX`).
pub(crate) fn migrator(backend: Backend, last: i64) -> Migrator {
    let migrations = FILES
        .iter()
        .filter_map(|(file, sql)| {
            let (number, rest) = file.split_once('_')?;
            let version: i64 = number.parse().ok()?;
            let description = rest.trim_end_matches(".sql").replace('_', " ");
            (version <= last).then(|| {
                Migration::new(
                    version,
                    Cow::Owned(description),
                    MigrationType::Simple,
                    Cow::Owned(render(sql, backend)),
                    false,
                )
            })
        })
        .collect::<Vec<_>>();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn every_file_is_listed_and_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|f| f.file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let listed: Vec<&str> = FILES.iter().map(|(name, _)| *name).collect();
        assert_eq!(on_disk, listed);
        assert_eq!(
            migrator(Backend::Sqlite, i64::MAX).migrations.len(),
            FILES.len()
        );
        assert_eq!(migrator(Backend::Postgres, 17).migrations.len(), 17);
    }

    /// The SHA-384 of each file as sqlx recorded it in existing databases: a change to a
    /// migration that has shipped would make those databases refuse to start.
    #[test]
    fn rendered_migrations_keep_their_recorded_checksums() {
        let pinned = [
            (
                "0001_foundation.sql",
                "30048d270c25d21391feb330af040bf32e9bde894898db077ff3aae27af5536735d7110ac86cb8e6ed2ef3487d94ffc3",
                "ca9e55fccbc346e9eb96382bdfeca9c65c4beed223d1621a558f01abd7768e6bc5dcecd98508c7b6481da65789d545b9",
            ),
            (
                "0002_catalog.sql",
                "5b76477d3f073eb0b148fe19ed8e6504d07adbb3114da490f648c7facd3ff1a03b0246bf7c2480266881d8d963e0473d",
                "f245dcc395cc76766a42cbb3cdb70b6fc716bc67c9a487ce72b88cfa35292bb15d16e3d25b61b0730964f2bcacbf32dc",
            ),
            (
                "0003_register.sql",
                "b6cdef6398b6085ab466d0be3549f6858eabfafb5bce8113a5ba9d27d8d7aa4085c8f02efd499b3ad97461b7472efac1",
                "36b45d25e4fa4538bffc34a1c5eed43f3179fddfd3ddca15d66c960208abd59860d0b3cb6a7385f9953a015477e169fb",
            ),
            (
                "0004_questions.sql",
                "8fdf0075a92da38cded7eaa61fd334d7d7b0c54ed8ffbc3df4057f81fee16e11e92283968545d9b2bb7638b50e379dfa",
                "8fdf0075a92da38cded7eaa61fd334d7d7b0c54ed8ffbc3df4057f81fee16e11e92283968545d9b2bb7638b50e379dfa",
            ),
            (
                "0005_indicators.sql",
                "5f7a346823a9c91824de9752f051e804053d6e00e67df10475024535b4b9a48505199170c576d3cf636a69310e7354cc",
                "b8c6735c2736afccb1e56de07b2108dd207bcb1e660224d34e755dec53827dc363c754e9f15b7b17efc447d70830ca61",
            ),
            (
                "0006_notifications.sql",
                "036610f15ac32c95d5b8accdd77e287d4da03a823bc06e8a1e58e7e3da3ae4011745040b4fb3596a12352abdcaeff6d3",
                "036610f15ac32c95d5b8accdd77e287d4da03a823bc06e8a1e58e7e3da3ae4011745040b4fb3596a12352abdcaeff6d3",
            ),
            (
                "0007_maturity.sql",
                "bbde6eaec849f1ae1d7d0c18ab941de297d00aa72e51868c5f9c210f1b40611fea223ac1384dde0ccc5922e53b6c0bfe",
                "e1c67aad4e01e413dc05d14118048e5389fbad904d8df47f025a487dd9efe17853d7de25b49f376140cef0016bc7bebc",
            ),
            (
                "0008_learning.sql",
                "279bb4da16c6b15d9aa9edc24a37750678a55f92d70e61d4773b8d9ddc063d8085288e8b49d578fe5b718e5645b53969",
                "887d321e8914ec32b15ceeee84b88a628f406e3f2af6dcaec37dc7fb8ce201cf7bc76ec9f554a7438783a717651f86a6",
            ),
            (
                "0009_snapshots.sql",
                "fccb37d882a3bb7aae2eb7b020e2bae5ec550d6234c8ea53ef6a709aa009c1513ba69460d9f9802d1e36fcc2276ab14b",
                "663bff0e8cf12333f22fb608c547fb5860adb44e8ca350972627e0515680c024cf8b703adde66bad7b9209f0a2b7dc97",
            ),
            (
                "0010_indicator_schedules.sql",
                "d80d0686989b4d6a8b0d76aeae62e48689adce9cbb9f11ada31e58398d45f8aa58a9a4ea2a4f7d5267896732531c254d",
                "d80d0686989b4d6a8b0d76aeae62e48689adce9cbb9f11ada31e58398d45f8aa58a9a4ea2a4f7d5267896732531c254d",
            ),
            (
                "0011_dashboards.sql",
                "9335460f4683d9f385dbaaef0f9c2fdf906ed08b333ac153ec166c19813887dd724eba9a2b73ec25934ec99d82e6998a",
                "f72d34d5306398d09076fe7d7f0b4fee85112f87801807408f29f0999feb46d6d6fef8816171c2a93d60440644a4fa3f",
            ),
            (
                "0012_dashboard_schedules.sql",
                "87ca0818a0ff84c9d7b44e7a8e0abbd9127b2dc894a94f962261c5aaa5b12c2e48b0dd7f25fefec49152bc81938449f2",
                "87ca0818a0ff84c9d7b44e7a8e0abbd9127b2dc894a94f962261c5aaa5b12c2e48b0dd7f25fefec49152bc81938449f2",
            ),
            (
                "0013_login_failures.sql",
                "4cb9aa43bed4db9363927b4e3d271adc937ec016f17971e89fbfb1013285ffa415f4428b5b3413fa0bdbf8534eed3d96",
                "4cb9aa43bed4db9363927b4e3d271adc937ec016f17971e89fbfb1013285ffa415f4428b5b3413fa0bdbf8534eed3d96",
            ),
            (
                "0014_monitor_versions.sql",
                "b71103c0e6972cc9bd61bbeed4db8e21073652b872d7882279f1294a5bee5688bce12d97591c425aa0e73dc64b4e684a",
                "a89a95af71868bcca476e4ccf3f88e7d88aee9125f21772f24ff7f50f9f66bda90992830cefb8e5a8746704c2a9dac4a",
            ),
            (
                "0015_oidc.sql",
                "ce4c9402c1d9652f8489c92416612c4269e24357c8c64dbfefdf364ad5e59770876b9a7b5a34b3a35db39691943071f2",
                "ce4c9402c1d9652f8489c92416612c4269e24357c8c64dbfefdf364ad5e59770876b9a7b5a34b3a35db39691943071f2",
            ),
            (
                "0016_dataset_sources.sql",
                "4e2b83839de595c932548a267703201d40c5c71c4cc15515cdb50bfdb57c42df5c1753d4a48c3dbb1787959010a95d2c",
                "4e2b83839de595c932548a267703201d40c5c71c4cc15515cdb50bfdb57c42df5c1753d4a48c3dbb1787959010a95d2c",
            ),
            (
                "0017_login_attempts_and_api_tokens.sql",
                "e78016c29d0142b15034b0fafd76c4c683e54b62d989df2e26b5a38266218e004be5f2e8b6d8a0e01745cf809bf63124",
                "e78016c29d0142b15034b0fafd76c4c683e54b62d989df2e26b5a38266218e004be5f2e8b6d8a0e01745cf809bf63124",
            ),
            (
                "0018_access.sql",
                "e047cf48ff161569b30ee160a5021b803e1a3337e6a63bf8c511aeda1697ec1cdf4b3d7ceef3973a1d2c644fdabe3590",
                "f16506e449d5bfd71bf8245898bad20617319e03fff2f47809a3b9e7d4908fab897dc4e73ea3bec5b8c29064d2413cde",
            ),
        ];
        let sqlite = migrator(Backend::Sqlite, i64::MAX);
        let postgres = migrator(Backend::Postgres, i64::MAX);
        for (i, (file, lite, pg)) in pinned.iter().enumerate() {
            assert_eq!(
                hex(&sqlite.migrations[i].checksum),
                *lite,
                "{file} on SQLite"
            );
            assert_eq!(
                hex(&postgres.migrations[i].checksum),
                *pg,
                "{file} on PostgreSQL"
            );
        }
        assert_eq!(
            sqlite.migrations[16].description,
            "login attempts and api tokens"
        );
    }

    #[test]
    fn a_prefixed_line_goes_only_to_its_database() {
        let sql = "CREATE TABLE t (\n--sqlite:    n INTEGER\n--postgres:    n BIGINT\n);\n";
        assert_eq!(
            render(sql, Backend::Sqlite),
            "CREATE TABLE t (\n    n INTEGER\n);\n"
        );
        assert_eq!(
            render(sql, Backend::Postgres),
            "CREATE TABLE t (\n    n BIGINT\n);\n"
        );
    }
}
