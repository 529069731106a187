//! The page `npm login` sends its person to (npm's web login): a form for an access key id and
//! its secret, and what it says after. Plain HTML, no script; rendered here, pure.

use tributary_engine::WebLogin;

/// The pages' content type.
pub const CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// `text` safe in HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> Vec<u8> {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Tributary</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}\
         label{{display:block;margin-top:1rem}}input{{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}}\
         button{{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}}.error{{color:#a00000}}</style>\
         </head><body><main><h1>{title}</h1>{body}</main></body></html>\n",
        title = escape(title)
    )
    .into_bytes()
}

/// The form that signs `login` in, with `error` from a try before.
pub fn form(login: &WebLogin, error: Option<&str>) -> Vec<u8> {
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    let body = format!(
        "<p>npm asks to log in to <strong>{domain}/{repository}</strong>. Sign in with an access key \
         (what the aws CLI uses); npm then receives a token for the domain.</p>{error}\
         <form method=\"post\"><label for=\"key\">Access key id</label>\
         <input id=\"key\" name=\"access_key_id\" autocomplete=\"username\" required>\
         <label for=\"secret\">Secret access key</label>\
         <input id=\"secret\" name=\"secret_access_key\" type=\"password\" autocomplete=\"current-password\" required>\
         <button type=\"submit\">Sign in</button></form>",
        domain = escape(&login.domain),
        repository = escape(&login.repository),
    );
    page("Log in to npm", &body)
}

/// What the page says once `login` is signed in.
pub fn signed_in(login: &WebLogin) -> Vec<u8> {
    let body = format!(
        "<p>Signed in to <strong>{}/{}</strong>. Go back to your terminal: npm finishes the login.</p>",
        escape(&login.domain),
        escape(&login.repository)
    );
    page("Signed in", &body)
}

/// What the page says when the login cannot go on (expired, done, unknown).
pub fn ended(message: &str) -> Vec<u8> {
    page("Login ended", &format!("<p>{}</p>", escape(message)))
}

/// The access key id and secret a form post carries (`application/x-www-form-urlencoded`).
pub fn credentials(body: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(body);
    let mut key = String::new();
    let mut secret = String::new();
    for pair in text.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_encoding::percent_decode_str(&value.replace('+', " ")).decode_utf8_lossy().into_owned();
        match name {
            "access_key_id" => key = value.trim().to_owned(),
            "secret_access_key" => secret = value.trim().to_owned(),
            _ => {}
        }
    }
    (key, secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login() -> WebLogin {
        WebLogin {
            id: "abc".into(),
            domain: "acme".into(),
            repository: "app<script>".into(),
            principal_id: None,
            expires_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn pages_escape_what_they_show() {
        let form = String::from_utf8(form(&login(), Some("wrong \"key\""))).expect("utf-8");
        assert!(form.contains("acme/app&lt;script&gt;"), "{form}");
        assert!(form.contains("wrong &quot;key&quot;"), "{form}");
        assert!(form.contains("name=\"secret_access_key\" type=\"password\""));
        assert!(!String::from_utf8(signed_in(&login())).expect("utf-8").contains("<script>"));
    }

    #[test]
    fn form_posts_are_decoded() {
        assert_eq!(
            credentials(b"access_key_id=TKIA+1&secret_access_key=a%2Bb%3D%26c&other=x"),
            ("TKIA 1".to_owned(), "a+b=&c".to_owned())
        );
        assert_eq!(credentials(b""), (String::new(), String::new()));
    }
}
