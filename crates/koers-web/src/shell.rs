//! The frame every signed-in page shares: the navigation of the seven product modules,
//! the organisation switcher and the language switch ([`page`]), and the one way a page
//! answers a sent form ([`form_outcome`]). A bottom module: it imports no page module.

use crate::auth::Ctx;
use crate::error::{AppError, Reply};
use crate::templates::Templates;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use koers_core::Permission;
use minijinja::{Value, context};
use serde::Serialize;

/// One of the seven product modules, as the navigation shows it.
#[derive(Serialize)]
pub struct Module {
    pub slug: &'static str,
    /// Translation key of the module's name; its description is `<key>.desc`.
    pub key: &'static str,
}

pub const MODULES: [Module; 7] = [
    Module {
        slug: "bronnen",
        key: "module.catalog",
    },
    Module {
        slug: "analyses",
        key: "module.analysis",
    },
    Module {
        slug: "informatieproducten",
        key: "module.products",
    },
    Module {
        slug: "datavragen",
        key: "module.questions",
    },
    Module {
        slug: "toepassingen",
        key: "module.register",
    },
    Module {
        slug: "volwassenheid",
        key: "module.maturity",
    },
    Module {
        slug: "leertrajecten",
        key: "module.learning",
    },
];

/// The context that shows a form's own problem on its page. Invalid input: every problem in
/// the error summary at the top of the page (`form_problems`, the frame draws it) and beside its
/// field (`field_errors`); anything else: the message (`error`).
pub fn form_problem(e: &AppError) -> Value {
    match e {
        AppError::Invalid(i) => context! {
            form_problems => i.0.iter().map(|f| f.reason.clone()).collect::<Vec<_>>(),
            field_errors => e.field_errors(),
        },
        _ => context! { error => e.detail(), field_errors => e.field_errors() },
    }
}

/// Whether a form for a change that cannot easily be undone carries its confirmation: the
/// `confirm` checkbox of the [`confirm`](../../templates/macros.html) macro. Refused, the form
/// is shown again with the checkbox's problem; nothing changes.
pub fn confirmed(input: &koers_app::Input, lang: crate::i18n::Lang) -> Result<(), AppError> {
    match input.fields().get("confirm").and_then(|v| v.as_str()) {
        Some("on") => Ok(()),
        _ => Err(AppError::Invalid(koers_core::Invalid::one(
            "confirm",
            "required",
            &crate::i18n::t(lang, "form.confirm_required"),
        ))),
    }
}

/// Runs `act` when the form carries its confirmation ([`confirmed`]); the refusal otherwise,
/// and then `act` never runs.
pub async fn when_confirmed<T>(
    input: &koers_app::Input,
    lang: crate::i18n::Lang,
    act: impl std::future::Future<Output = Result<T, koers_app::Error>>,
) -> Result<T, AppError> {
    confirmed(input, lang)?;
    Ok(act.await?)
}

/// What a form that went through leads to.
pub enum Done {
    /// On to another page (303 See Other), usually the thing just made or changed.
    To(String),
    /// Back to the page at this address (303 See Other), which shows this notice once.
    Back(String, &'static str),
    /// The same page again, with this context (a notice and what was just made): only for
    /// what is shown once and may not travel in an address or cookie (a new invitation link,
    /// an initial password).
    Show(Value),
}

/// After a form was sent, the one way every page answers: on success, what `done` says (a
/// redirect to another page, or back to the form's own with a notice, or — only for what may
/// not travel in an address or cookie — the page again); when the input was invalid, the page
/// again (400) with the fields as sent (`form`) and every field's problem; other errors as
/// usual. `render` draws the page with a status and extra context.
pub async fn form_outcome<T>(
    r: Result<T, impl Into<AppError>>,
    form: Value,
    done: impl FnOnce(T) -> Done,
    render: impl AsyncFnOnce(StatusCode, Value) -> Reply,
) -> Reply {
    form_outcome_owning(r, form, |_| false, done, render).await
}

/// Runs `act` on the input of `form` and answers as [`form_outcome`] does, with the fields
/// as sent when the form is shown again.
pub async fn run_form<T, E: Into<AppError>>(
    form: crate::input::FormInput,
    act: impl AsyncFnOnce(koers_app::Input) -> Result<T, E>,
    done: impl FnOnce(T) -> Done,
    render: impl AsyncFnOnce(StatusCode, Value) -> Reply,
) -> Reply {
    let value = form.value();
    let r = act(form.0).await;
    form_outcome(r, value, done, render).await
}

/// [`form_outcome`] where the errors `own` picks out are the form's own problem too: they
/// show on the page again (with their status) like invalid input, with the fields as sent.
async fn form_outcome_owning<T>(
    r: Result<T, impl Into<AppError>>,
    form: Value,
    own: impl Fn(&AppError) -> bool,
    done: impl FnOnce(T) -> Done,
    render: impl AsyncFnOnce(StatusCode, Value) -> Reply,
) -> Reply {
    match r.map_err(Into::into) {
        Ok(v) => match done(v) {
            Done::To(url) => Ok(Redirect::to(&url).into_response()),
            Done::Back(url, notice) => Ok(crate::notice::back(&url, notice)),
            Done::Show(extra) => render(StatusCode::OK, extra).await,
        },
        Err(e) if matches!(e, AppError::Invalid(_)) || own(&e) => {
            render(e.status(), context! { form => form, ..form_problem(&e) }).await
        }
        Err(e) => Err(e),
    }
}

/// [`form_outcome`] for a form whose conflicts (it exists already, the last administrator
/// would go) are the form's own problem too: they show on the page again (409) like
/// invalid input, with the fields as sent.
pub async fn form_outcome_with_conflicts<T>(
    r: Result<T, impl Into<AppError>>,
    form: Value,
    done: impl FnOnce(T) -> Done,
    render: impl AsyncFnOnce(StatusCode, Value) -> Reply,
) -> Reply {
    let own = |e: &AppError| matches!(e, AppError::Conflict(_));
    form_outcome_owning(r, form, own, done, render).await
}

/// [`form_outcome`] for a form whose success leads back to its page (`back`, its address)
/// with `notice`.
pub async fn after_form<T>(
    r: Result<T, impl Into<AppError>>,
    (back, notice): (String, &'static str),
    render: impl AsyncFnOnce(StatusCode, Value) -> Reply,
) -> Reply {
    form_outcome(r, Value::UNDEFINED, |_| Done::Back(back, notice), render).await
}

/// [`after_form`] for a page whose forms may be refused where things stand: a step not
/// allowed from here (409) or not for this person (403) shows on the page too, like invalid
/// input.
pub async fn after_form_or_refused<T>(
    r: Result<T, impl Into<AppError>>,
    form: Value,
    (back, notice): (String, &'static str),
    render: impl AsyncFnOnce(StatusCode, Value) -> Reply,
) -> Reply {
    let own = |e: &AppError| matches!(e, AppError::Conflict(_) | AppError::Forbidden);
    form_outcome_owning(r, form, own, |_| Done::Back(back, notice), render).await
}

/// Renders a page for a signed-in user: the shell (navigation, organisation switcher,
/// language switch) plus the page's own context.
pub async fn page(
    ctx: &Ctx,
    name: &str,
    current: &str,
    extra: Value,
) -> Result<Html<String>, AppError> {
    let frame = koers_app::accounts::frame(ctx.ws(), &ctx.who).await?;
    let base = context! {
        unread => frame.unread_notifications,
        lang => ctx.lang.code(),
        user => ctx.user,
        org => ctx.org,
        orgs => frame.organisations,
        roles => ctx.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        csrf => ctx.csrf(),
        can_manage => ctx.require(Permission::ManageMembers).is_ok(),
        can_audit => ctx.require(Permission::ReadAudit).is_ok(),
        is_guest => ctx.is_guest(),
        shared_with_me => frame.shared_with_me,
        modules => MODULES,
        current => current,
        here => ctx.here.as_deref().unwrap_or(current),
        notice => ctx.notice,
        sent_to => ctx.sent_to,
    };
    Ok(Html(Templates::render(name, context! { ..extra, ..base })?))
}

/// [`page`] answered with `status`: how a page's own `render` draws it, at first (200) and
/// again after a form (with the form's problem or a notice in `extra`).
pub async fn page_with_status(
    ctx: &Ctx,
    status: StatusCode,
    name: &str,
    current: &str,
    extra: Value,
) -> Reply {
    let html = page(ctx, name, current, extra).await?;
    Ok((status, html).into_response())
}

/// Where to go after signing in, through a provider, or after switching language: `next` when
/// it is a path on this site, else `/` (no open redirect). A browser parsing the Location
/// drops tabs and line breaks and reads `\` as `/`, so `next` must be a path (one leading
/// `/`) without any control character, whitespace or backslash; it is then normalised as a
/// browser would (dot segments, percent-encoding) and taken only when it still is a path on
/// this site. What comes back is always a valid Location header.
pub fn safe_next(next: Option<&str>) -> String {
    let home = || "/".to_string();
    let Some(n) = next else {
        return home();
    };
    if !n.starts_with('/')
        || n.starts_with("//")
        || n.chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return home();
    }
    let Ok(base) = url::Url::parse("http://koers.invalid/") else {
        return home();
    };
    match base.join(n) {
        Ok(u) if u.origin() == base.origin() && u.username().is_empty() => {
            let path = &u[url::Position::BeforePath..];
            if path.starts_with('/') && !path.starts_with("//") {
                path.to_string()
            } else {
                home()
            }
        }
        _ => home(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_site() {
        for (next, to) in [
            ("/organisatie", "/organisatie"),
            ("/analyses?q=1&r=2#resultaat", "/analyses?q=1&r=2#resultaat"),
            ("/datasets/../organisatie", "/organisatie"),
            ("/caf\u{e9}", "/caf%C3%A9"),
            ("/%09/evil.example", "/%09/evil.example"),
        ] {
            assert_eq!(safe_next(Some(next)), to, "{next:?}");
        }
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/x\\..\\..\\/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " /evil.example",
            "/\u{0}/evil.example",
            "/\u{85}/evil.example",
            "/\u{7f}/evil.example",
            "/\u{2028}/evil.example",
            "/a b",
            "/..//evil.example",
            "/./..//evil.example",
            "/%2e%2e//evil.example",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
