//! koers on PostgreSQL: the main paths of the other modules run again with their koers on a
//! fresh PostgreSQL database of their own, and two koers processes share one database (a
//! session made on one works on the other; a due refresh runs on one of them only).
//!
//! Needs `KOERS_TEST_POSTGRES_URL` (`scripts/postgres`); without it these tests are skipped
//! with a note, or fail when `CI` is set.

use crate::helpers::{PASSWORD, TestApp, on_postgres, session_id};
use serde_json::{Value, json};

/// `module: test, …;` runs each named `#[tokio::test]` of `crate::module` on PostgreSQL as
/// `postgres::module::test`.
macro_rules! on_postgres_too {
    ($($module:ident: $($test:ident),+;)+) => {
        $(
            mod $module {
                $(
                    #[test]
                    fn $test() {
                        crate::helpers::on_postgres(crate::$module::$test);
                    }
                )+
            }
        )+
    };
}

on_postgres_too! {
    api: session_lifecycle_and_tampered_cookies, roles_are_checked, changes_are_in_the_audit_log,
        catalog_and_analyses_through_the_api, instance_admins_create_organisations;
    pages: a_planted_session_id_is_never_adopted, add_member_form_lists_every_problem_and_escapes_user_text;
    catalog: import_a_geojson_and_see_its_page, other_organisations_see_only_public_datasets;
    analysis: saved_analyses_with_parameters;
    questions: a_question_closes_the_policy_cycle, pages_for_the_board_list_question_and_cycle;
    register: choices_are_routed_to_the_board_and_decided_with_a_reference,
        the_framework_is_versioned_and_reroutes_choices,
        the_decision_aid_sets_the_risk_group_and_the_requirements,
        another_organisation_sees_nothing_of_the_register;
    products: an_indicator_is_refreshed_judged_and_shown,
        snapshots_freeze_what_was_shown_and_crossing_a_threshold_alerts,
        snapshots_of_awkward_numbers_and_text_verify_byte_for_byte,
        scheduled_refreshes_run_once_when_due;
    notifications: assignments_steps_and_comments_notify_the_people_on_a_question;
    maturity: tokens_are_single_use_and_bad_links_change_nothing;
    learning: capacity_holds_under_concurrent_enrolment, completion_rule_certificate_and_links;
    isolation: every_api_route_hides_another_organisations_objects;
    dashboards: a_dashboard_filters_drills_down_keeps_versions_and_refuses_bad_input,
        sharing_by_role_and_by_public_link_shows_only_that_dashboard;
}

#[test]
fn two_processes_share_sessions_jobs_and_the_sign_in_limit_and_claim_a_refresh_once() {
    on_postgres(two_processes);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes() {
    let one = TestApp::spawn().await;
    let two = one.spawn_sibling().await;
    assert_eq!(two.store.backend(), koers_store::Backend::Postgres);

    // Sign in on one; the session cookie and its CSRF token work on two.
    let r = one
        .anonymous()
        .try_sign_in("admin@pv26.example", PASSWORD)
        .await
        .expect(201);
    let session = session_id(r.headers());
    let cookie = format!("koers_session={session}");
    let csrf = r.json()["csrfToken"].as_str().unwrap().to_string();
    let plain = reqwest::Client::new();
    let me: Value = two
        .current_session_with(&session)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["organisation"]["cbsCode"], "PV26");

    // An indicator defined on two, scheduled on one.
    let analysis = crate::products::with_freight(&one).await;
    let r = plain
        .post(two.url("/api/v1/indicators"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&crate::products::definition(&analysis))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = plain
        .put(one.url(&format!("/api/v1/indicators/{id}/schedule")))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"every": "hourly"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Both schedulers wake at the same moment, several times: the refresh runs once.
    let later = chrono::Utc::now() + chrono::Duration::minutes(61);
    let runs = run_both(&one, &two, later).await;
    assert_eq!(runs, 1, "the due refresh ran {runs} times");
    let result = two.latest_result(&id).await.expect("refreshed");
    assert_eq!(result.latest_value, Some(950.0));
    let refreshed = one
        .audit_log(100)
        .await
        .into_iter()
        .filter(|e| e.action == "indicator.refreshed")
        .count();
    assert_eq!(refreshed, 1);

    // An import started on one is followed on two, to its end.
    let form = crate::helpers::inwoners_upload();
    let r = plain
        .post(one.url("/api/v1/datasets"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.unwrap();
    let job_url = two.url(&format!("/api/v1/jobs/{}", job["id"].as_str().unwrap()));
    let mut state = Value::Null;
    for _ in 0..200 {
        state = plain
            .get(&job_url)
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if state["state"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state["state"], "done", "two follows one's import: {state}");
    assert!(state["datasetId"].is_string());
    // Another organisation does not see the job on either process.
    let other = two.api_as("admin@gm0796.example").await;
    other
        .get(&format!("/api/v1/jobs/{}", job["id"].as_str().unwrap()))
        .await
        .assert_status(404);

    // Failed sign-ins count on both: the limit reached by alternating holds on either.
    for i in 0..5 {
        let app = if i % 2 == 0 { &one } else { &two };
        app.anonymous()
            .try_sign_in("viewer@pv26.example", "fout fout fout")
            .await
            .assert_status(401);
    }
    for app in [&one, &two] {
        let r = app
            .anonymous()
            .try_sign_in("viewer@pv26.example", PASSWORD)
            .await;
        assert_eq!(r.status(), 429, "the limit holds on every process");
    }

    // Signing out on one ends the session on two as well.
    let r = plain
        .delete(one.url("/api/v1/sessions/current"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let r = two.current_session_with(&session).await;
    assert_eq!(r.status(), 401);
}

/// Runs the due refreshes on both processes at once, three rounds; how many ran in all.
async fn run_both(one: &TestApp, two: &TestApp, at: chrono::DateTime<chrono::Utc>) -> usize {
    let mut total = 0;
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            koers_app::products::run_due_refreshes(&one.state.ws, at),
            koers_app::products::run_due_refreshes(&two.state.ws, at)
        );
        total += a + b;
    }
    total
}
