//! Renders through the real `cell-template` process, with the callbacks served by a test host:
//! every template and data path the render touches is asked of the host, inside the host's
//! own `render` call (on the calling thread), which is what lets the host record them.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;

use cell_proto::template;
use cell_proto::{
    DigestRequest, EvalTemplate, Evaluated, FunctionCall, ProviderRead, ReadAnswer, ReadRequest,
    RenderTemplate, TemplateSource, ValueHash, WireValue, provider,
};
use cell_template::DataProvider;
use rpc::{Config, Dispatcher, RpcError, WeakConnection};

/// The host side: templates in memory, data from `common::data()`, a log of every callback.
#[derive(Default)]
struct TestHost {
    templates: HashMap<String, String>,
    calls: Mutex<Vec<(String, ThreadId)>>,
    /// The id given to each read, as a host interns them.
    ids: Mutex<HashMap<String, u32>>,
    connection: OnceLock<WeakConnection>,
}

impl TestHost {
    fn log(&self, call: String) {
        self.calls.lock().unwrap().push((call, std::thread::current().id()));
    }
}

impl TestHost {
    fn answer(&self, read: &ProviderRead) -> Result<WireValue, RpcError> {
        match read {
            ProviderRead::Template(name) => {
                self.log(format!("template:{name}"));
                Ok(match self.templates.get(name) {
                    Some(source) => cell_proto::Value::from(source.as_str()).to_wire(),
                    None => cell_proto::Value::Null.to_wire(),
                })
            }
            ProviderRead::Data(path) => {
                self.log(format!("data:{path}"));
                let value = common::data().get_data(path).map_err(RpcError::remote)?;
                Ok(cell_proto::Value::from(&value).to_wire())
            }
            ProviderRead::Function(call) => {
                self.log(format!("fn:{}", call.name));
                function(call)
            }
        }
    }
}

fn function(call: &FunctionCall) -> Result<WireValue, RpcError> {
    match call.name.as_str() {
        "get_url" => {
            let path = call.arguments.iter().find(|(k, _)| k == "path").map(|(_, v)| v.to_value());
            match path {
                Some(Ok(cell_proto::Value::String(p))) => {
                    Ok(cell_proto::Value::from(format!("/{p}/")).to_wire())
                }
                _ => Err(RpcError::remote("get_url needs path=")),
            }
        }
        other => Err(RpcError::remote(format!("unknown function `{other}`"))),
    }
}

/// The answer's identity (the host uses blake3; any function of the bytes will do here).
fn hash_of(bytes: &[u8]) -> ValueHash {
    let mut hash = [0u8; 32];
    let mut state = 0xcbf2_9ce4_8422_2325_u64;
    for (i, byte) in bytes.iter().enumerate() {
        state = (state ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3);
        hash[i % 32] ^= state as u8;
    }
    hash[..8].copy_from_slice(&state.to_le_bytes());
    hash
}

impl provider::Service for TestHost {
    async fn read(&self, request: ReadRequest) -> Result<ReadAnswer, RpcError> {
        let value = self.answer(&request.read)?;
        let hash = hash_of(value.as_bytes());
        let id = {
            let mut ids = self.ids.lock().unwrap();
            let next = ids.len() as u32;
            *ids.entry(format!("{:?}", request.read)).or_insert(next)
        };
        if request.known == Some(hash) {
            self.log("(unchanged)".into());
            return Ok(ReadAnswer { id, hash, value: None, volatile: false });
        }
        Ok(ReadAnswer { id, hash, value: Some(value), volatile: false })
    }
}

fn spawn(
    host: TestHost,
) -> (std::process::Child, template::Client, Arc<provider::Server<TestHost>>) {
    spawn_with(host, &[])
}

fn spawn_with(
    host: TestHost,
    args: &[&str],
) -> (std::process::Child, template::Client, Arc<provider::Server<TestHost>>) {
    let host = Arc::new(provider::Server(host));
    let dispatcher: Arc<dyn Dispatcher> = host.clone();
    let (child, connection) = rpc::cell::spawn(
        Path::new(env!("CARGO_BIN_EXE_cell-template")),
        args,
        Config::default(),
        Some(dispatcher),
    )
    .expect("the template cell starts");
    let _ = host.0.connection.set(connection.downgrade());
    (child, template::Client::new(connection), host)
}

fn site() -> TestHost {
    let mut templates = HashMap::new();
    for (name, source) in [
        ("base.html", "<title>{{ data.site.name }}</title>{% block body %}{% endblock %}"),
        (
            "page.html",
            "{% extends \"base.html\" %}{% import \"macros.html\" as m %}\
             {% block body %}{{ m.link(page.title) }} by {{ data.authors.alice.name }}{% endblock %}",
        ),
        (
            "macros.html",
            "{% macro link(t) %}<a href=\"{{ get_url(path=t) }}\">{{ t }}</a>{% endmacro %}",
        ),
        ("unused.html", "never asked"),
        ("bad.html", "line 1\n{{ page.nope }}"),
    ] {
        templates.insert(name.to_string(), source.to_string());
    }
    TestHost { templates, ..TestHost::default() }
}

fn request(name: &str) -> RenderTemplate {
    let context = cell_proto::Value::map([(
        "page",
        cell_proto::Value::map([("title", cell_proto::Value::from("a&b"))]),
    )]);
    RenderTemplate {
        name: name.to_string(),
        context: context.to_wire(),
        templates: Vec::new(),
        revision: 1,
    }
}

#[test]
fn the_cell_process_renders_with_each_callback_served_inside_the_hosts_call() {
    let (mut child, client, host) = spawn(site());
    let rendered = rpc::block_on(client.render(&request("page.html"))).unwrap();
    assert_eq!(
        rendered.html,
        // `get_url`'s answer is printed as it is: Zola marks it safe.
        "<title>My &lt;Site&gt;</title><a href=\"/a&b/\">a&amp;b</a> by Alice"
    );
    let calls = host.0.calls.lock().unwrap().clone();
    let names: Vec<&str> = calls.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "template:page.html",
            "template:base.html",
            "template:macros.html",
            "data:site.name",
            "fn:get_url",
            "data:authors.alice.name",
        ]
    );
    let caller = std::thread::current().id();
    assert!(
        calls.iter().all(|(_, thread)| *thread == caller),
        "callbacks nested in the render call"
    );

    assert!(rendered.reused.is_empty(), "every read was asked: {:?}", rendered.reused);

    // A second render in the same revision asks nothing: every read comes from the cell's
    // memo, and the reply lists them for the host to replay (each once).
    host.0.calls.lock().unwrap().clear();
    let again = rpc::block_on(client.render(&request("page.html"))).unwrap();
    assert_eq!(again.html, rendered.html);
    assert!(host.0.calls.lock().unwrap().is_empty());
    assert_eq!(again.reused, [0, 1, 2, 3, 4, 5], "each read once, by the id the host gave it");

    // The next revision asks again, saying which answer the cell holds; the host confirms
    // each without sending it.
    host.0.calls.lock().unwrap().clear();
    let mut next = request("page.html");
    next.revision = 2;
    let third = rpc::block_on(client.render(&next)).unwrap();
    assert_eq!(third.html, rendered.html);
    assert!(third.reused.is_empty());
    let calls = host.0.calls.lock().unwrap().clone();
    assert_eq!(calls.iter().filter(|(c, _)| c == "(unchanged)").count(), 6, "{calls:?}");

    // Errors come back as text with the place.
    let err = rpc::block_on(client.render(&request("bad.html"))).unwrap_err();
    let RpcError::Remote(message) = err else { panic!("{err:?}") };
    assert!(message.starts_with("no field `nope` (available: `title`"), "{message}");
    assert!(message.contains("--> bad.html:2:9"), "{message}");
    let err = rpc::block_on(client.render(&request("missing.html"))).unwrap_err();
    assert_eq!(err, RpcError::Remote("template `missing.html` not found".into()));

    drop(client);
    drop(host);
    assert!(child.wait().unwrap().success(), "the cell exits cleanly when its host goes");
}

#[test]
fn templates_sent_with_the_request_need_no_callback_and_others_still_do() {
    let (mut child, client, host) = spawn(site());
    let sent = |name: &str| TemplateSource {
        name: name.to_string(),
        source: host.0.templates.get(name).cloned(),
    };
    // The host sends page.html and base.html; macros.html is not sent, so it is asked for.
    let mut with_two = request("page.html");
    with_two.revision = 7;
    with_two.templates = vec![sent("page.html"), sent("base.html")];
    let rendered = rpc::block_on(client.render(&with_two)).unwrap();
    assert!(rendered.html.starts_with("<title>My &lt;Site&gt;</title>"), "{}", rendered.html);
    let calls = host.0.calls.lock().unwrap().clone();
    let names: Vec<&str> = calls.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        names,
        ["template:macros.html", "data:site.name", "fn:get_url", "data:authors.alice.name"]
    );

    // A template sent as missing is missing: no callback, the render names it.
    host.0.calls.lock().unwrap().clear();
    let mut base_missing = request("page.html");
    base_missing.revision = 8;
    base_missing.templates =
        vec![sent("page.html"), TemplateSource { name: "base.html".into(), source: None }];
    let err = rpc::block_on(client.render(&base_missing)).unwrap_err();
    assert!(err.to_string().contains("base.html"), "{err}");
    assert!(host.0.calls.lock().unwrap().iter().all(|(c, _)| c != "template:base.html"));
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_cell_lists_a_templates_literal_references() {
    let (mut child, client, host) = spawn(site());
    let page = TemplateSource {
        name: "page.html".into(),
        source: host.0.templates.get("page.html").cloned(),
    };
    let names = rpc::block_on(client.references(&page)).unwrap();
    assert_eq!(names, ["base.html", "macros.html"]);
    let broken = TemplateSource { name: "x.html".into(), source: Some("{% include %}".into()) };
    assert!(rpc::block_on(client.references(&broken)).unwrap().is_empty());
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_cell_computes_sha2_digests_of_small_and_large_blobs() {
    let (mut child, client, host) = spawn(site());
    let connection = host.0.connection.get().and_then(WeakConnection::upgrade).unwrap();
    let digest = |bytes: &[u8], bits: u16, base64: bool| {
        let request = DigestRequest { bits, base64, bytes: connection.blob(bytes).unwrap() };
        rpc::block_on(client.digest(&request))
    };
    assert_eq!(
        digest(b"hello", 256, false).unwrap(),
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert_eq!(
        digest(b"hello", 384, true).unwrap(),
        "WeF0h3dEjGnea4ANejO7+5/xtGPkQ1TDVTvNucZm+pASWjx5+QOXvfX2oT3oKGhP"
    );
    // Three megabytes: through the shared heap, not inline.
    let large = vec![b'a'; 3_000_000];
    assert_eq!(
        digest(&large, 256, false).unwrap(),
        "2a152c894398719c0570f83fac34ac03a0f6e8e474b995c2403aa5434f7b9dd4"
    );
    let refused = digest(b"hello", 224, false).unwrap_err().to_string();
    assert!(refused.contains("no SHA-2 of 224 bits"), "{refused}");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn without_the_read_memo_every_render_asks_for_every_read() {
    let (mut child, client, host) = spawn_with(site(), &["--no-read-memo"]);
    for _ in 0..3 {
        let rendered = rpc::block_on(client.render(&request("page.html"))).unwrap();
        assert!(rendered.reused.is_empty());
    }
    assert_eq!(host.0.calls.lock().unwrap().len(), 18);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn an_expression_is_evaluated_with_its_reads_served_inside_the_hosts_call() {
    let (mut child, client, host) = spawn(site());
    let eval = |expression: &str| {
        let context = request("page.html").context;
        let request = EvalTemplate { expression: expression.into(), context, revision: 1 };
        rpc::block_on(client.eval(&request)).unwrap()
    };
    let Evaluated::Value(value) = eval("[page.title, data.authors.alice.name, get_url(path='x')]")
    else {
        panic!("no value")
    };
    let list = |items: &[&str]| {
        cell_proto::Value::List(items.iter().map(|s| cell_proto::Value::from(*s)).collect())
    };
    assert_eq!(value.to_value().unwrap(), list(&["a&b", "Alice", "/x/"]), "values, not escaped");
    let calls = host.0.calls.lock().unwrap().clone();
    let names: Vec<&str> = calls.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(names, ["data:authors.alice.name", "fn:get_url"]);
    let caller = std::thread::current().id();
    assert!(calls.iter().all(|(_, thread)| *thread == caller), "callbacks nested in the call");

    // The engine's errors are answers, with the place in the expression.
    let Evaluated::Failed(error) = eval("page.title |") else { panic!("a value") };
    assert_eq!((error.kind.as_str(), error.line, error.column), ("syntax", Some(1), Some(13)));
    assert!(error.message.starts_with("syntax error: expected"), "{}", error.message);
    assert!(!error.message.contains("-->"), "the place is in the fields: {}", error.message);
    let Evaluated::Failed(error) = eval("get_url(path=page.nope)") else { panic!("a value") };
    assert_eq!((error.kind.as_str(), error.column), ("missing-field", Some(19)));
    let Evaluated::Failed(error) = eval("get_url()") else { panic!("a value") };
    assert_eq!(error.kind, "host");
    assert!(error.message.contains("get_url needs path="), "{}", error.message);
    let _ = child.kill();
    let _ = child.wait();
}
