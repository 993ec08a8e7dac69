//! HTML templates (minijinja), embedded in the binary. Auto-escaping is on for every
//! `.html` template, so user text can never become markup.

use crate::i18n::{Lang, t};
use minijinja::{Environment, State, Value};
use rust_embed::RustEmbed;
use std::sync::LazyLock;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Files;

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // A form shown for the first time has no `form` values yet: `form.email` is then empty.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    env.set_loader(|name| {
        Ok(Files::get(name).map(|f| String::from_utf8_lossy(&f.data).into_owned()))
    });
    env.add_function("t", |state: &State, key: &str| -> String {
        let lang = state
            .lookup("lang")
            .and_then(|v| v.as_str().and_then(Lang::parse))
            .unwrap_or_default();
        t(lang, key)
    });
    env
});

/// A template that could not be rendered: a bug in koers, an internal error to the user.
#[derive(Debug)]
pub struct TemplateError(pub String);

/// The embedded templates.
pub struct Templates;

impl Templates {
    /// Renders `name` with `ctx`; an error is a template bug.
    pub fn render(name: &str, ctx: Value) -> Result<String, TemplateError> {
        ENV.get_template(name)
            .and_then(|tpl| tpl.render(ctx))
            .map_err(|e| TemplateError(format!("template {name}: {e:#}")))
    }

    /// Every template's name and source (for tests that check them).
    pub fn sources() -> Vec<(String, String)> {
        Files::iter()
            .filter_map(|n| {
                Files::get(&n)
                    .map(|f| (n.to_string(), String::from_utf8_lossy(&f.data).into_owned()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped() {
        let html = Templates::render(
            "error.html",
            minijinja::context! { lang => "nl", status => 400, detail => "<script>alert(1)</script>" },
        )
        .unwrap();
        assert!(!html.contains("<script>alert(1)"));
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn every_template_compiles() {
        for (name, _) in Templates::sources() {
            if name.ends_with(".html") {
                ENV.get_template(&name)
                    .unwrap_or_else(|e| panic!("{name}: {e:#}"));
            }
        }
    }
}
