//! `stele lsp`: a language server over standard input and output.
//!
//! Every request is answered from one check of the chain the document belongs to (the folder
//! above it with a `Stele.toml`, or the file alone), with open buffers replacing files on disk.
//! Checks are cached until a document changes. The standard library's sources are written to a
//! folder (see [`default_std_dir`]) so go-to-definition can open them; documents there are
//! read-only views and get no diagnostics.
//!
//! A request whose handler panics is answered with an error and logged to standard error; the
//! server goes on.

pub mod analysis;
pub mod convert;
pub mod costs;
pub mod ide;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use lsp_server::{Connection, ErrorCode, Message, Notification, Response, ResponseError};
use lsp_types::{
    CodeLensOptions, CompletionOptions, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, FoldingRangeProviderCapability, HoverProviderCapability, OneOf,
    PublishDiagnosticsParams, RenameOptions, SemanticTokensFullOptions, SemanticTokensLegend,
    SemanticTokensOptions, SemanticTokensServerCapabilities, ServerCapabilities,
    SignatureHelpOptions, TextDocumentPositionParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};
use serde_json::Value;
use stele_diagnostics::FileId;

use crate::analysis::{Analysis, Doc, Root};
use crate::convert::{LineIndex, path_to_uri, uri_to_path};

/// Where the standard library's sources are written: `$XDG_CACHE_HOME/stele/std-VERSION`, or
/// `~/.cache/stele/std-VERSION`, or the temporary folder.
pub fn default_std_dir() -> PathBuf {
    let version = env!("CARGO_PKG_VERSION");
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("stele").join(format!("std-{version}"))
}

/// The server's capabilities, sent in the `initialize` response.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(false),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), ":".into()]),
            ..CompletionOptions::default()
        }),
        signature_help_provider: Some(SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            ..SignatureHelpOptions::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend {
                    token_types: ide::TOKEN_TYPES.to_vec(),
                    token_modifiers: Vec::new(),
                },
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                ..SemanticTokensOptions::default()
            },
        )),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        ..ServerCapabilities::default()
    }
}

/// The server's state: open documents and cached checks.
pub struct Server {
    docs: HashMap<PathBuf, Doc>,
    uris: HashMap<PathBuf, Uri>,
    std_dir: PathBuf,
    std_written: bool,
    /// Bumped whenever a document changes; cached checks of an older generation are stale.
    generation: u64,
    cache: HashMap<Root, (u64, Rc<Analysis>)>,
    costs: costs::CostCache,
}

type Handled = Result<Value, ResponseError>;

fn error(code: ErrorCode, message: impl Into<String>) -> ResponseError {
    ResponseError {
        code: code as i32,
        message: message.into(),
        data: None,
    }
}

fn params<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ResponseError> {
    serde_json::from_value(value).map_err(|e| error(ErrorCode::InvalidParams, e.to_string()))
}

fn to_value<T: serde::Serialize>(v: T) -> Handled {
    serde_json::to_value(v).map_err(|e| error(ErrorCode::InternalError, e.to_string()))
}

/// The path a document URI stands for (a made-up one for `untitled:` documents).
fn doc_path(uri: &Uri) -> PathBuf {
    uri_to_path(uri).unwrap_or_else(|| PathBuf::from(format!("/{}", uri.as_str())))
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

impl Server {
    /// A server that writes the standard library's sources to `std_dir`.
    pub fn new(std_dir: PathBuf) -> Server {
        Server {
            docs: HashMap::new(),
            uris: HashMap::new(),
            std_dir,
            std_written: false,
            generation: 0,
            cache: HashMap::new(),
            costs: costs::CostCache::default(),
        }
    }

    /// Answers one request. A panic in a handler becomes an `InternalError` response.
    pub fn handle_request(&mut self, method: &str, params: Value) -> Handled {
        self.guarded(method, |server| server.dispatch(method, params))
    }

    /// Runs `handler` for `method`; a panic in it is logged to standard error and becomes an
    /// `InternalError` response, and the server's caches are dropped.
    pub fn guarded(
        &mut self,
        method: &str,
        handler: impl FnOnce(&mut Server) -> Handled,
    ) -> Handled {
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| handler(self)));
        outcome.unwrap_or_else(|p| {
            let message = panic_message(p.as_ref());
            eprintln!("stele lsp: internal error in `{method}`: {message}");
            // A half-updated cache could be the cause: start from scratch.
            self.cache.clear();
            Err(error(
                ErrorCode::InternalError,
                format!("internal error in `{method}`: {message}"),
            ))
        })
    }

    /// Handles a notification; returns the notifications to send back (diagnostics).
    pub fn handle_notification(&mut self, method: &str, params: Value) -> Vec<Notification> {
        let outcome =
            std::panic::catch_unwind(AssertUnwindSafe(|| self.notification(method, params)));
        outcome.unwrap_or_else(|p| {
            eprintln!(
                "stele lsp: internal error in `{method}`: {}",
                panic_message(p.as_ref())
            );
            self.cache.clear();
            Vec::new()
        })
    }

    fn notification(&mut self, method: &str, value: Value) -> Vec<Notification> {
        let uri = match method {
            "textDocument/didOpen" => {
                let Ok(p) = params::<DidOpenTextDocumentParams>(value) else {
                    return Vec::new();
                };
                let doc = p.text_document;
                let path = doc_path(&doc.uri);
                self.uris.insert(path.clone(), doc.uri.clone());
                self.docs.insert(
                    path.clone(),
                    Doc {
                        path,
                        text: doc.text,
                        version: doc.version,
                    },
                );
                doc.uri
            }
            "textDocument/didChange" => {
                let Ok(p) = params::<DidChangeTextDocumentParams>(value) else {
                    return Vec::new();
                };
                let path = doc_path(&p.text_document.uri);
                let Some(doc) = self.docs.get_mut(&path) else {
                    return Vec::new();
                };
                // Full sync: the last change holds the whole text.
                if let Some(change) = p.content_changes.into_iter().last() {
                    doc.text = change.text;
                }
                doc.version = p.text_document.version;
                p.text_document.uri
            }
            "workspace/didChangeWatchedFiles" | "textDocument/didSave" => {
                // Files on disk changed: check every open chain again.
                self.generation += 1;
                let mut paths: Vec<PathBuf> = self.docs.keys().cloned().collect();
                paths.sort();
                let mut seen = std::collections::HashSet::new();
                let mut out = Vec::new();
                for path in paths {
                    if seen.insert(analysis::root_of(&path, &self.std_dir)) {
                        let uri = self
                            .uris
                            .get(&path)
                            .cloned()
                            .unwrap_or_else(|| path_to_uri(&path));
                        out.extend(self.publish_diagnostics(&uri));
                    }
                }
                return out;
            }
            "textDocument/didClose" => {
                let Ok(p) = params::<DidCloseTextDocumentParams>(value) else {
                    return Vec::new();
                };
                let path = doc_path(&p.text_document.uri);
                self.docs.remove(&path);
                self.generation += 1;
                // Diagnostics of a closed lone file are cleared; a chain's stay with its files.
                return vec![publish(p.text_document.uri, Vec::new(), None)];
            }
            _ => return Vec::new(),
        };
        self.generation += 1;
        self.publish_diagnostics(&uri)
    }

    /// Diagnostics for every file of the chain `uri` belongs to.
    fn publish_diagnostics(&mut self, uri: &Uri) -> Vec<Notification> {
        let path = doc_path(uri);
        let a = self.analysis(&path);
        if matches!(a.root, Root::Std) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, p) in a.paths.iter().enumerate() {
            let file = FileId(i as u32);
            if a.is_std[i] || a.file_of(p) != Some(file) {
                continue;
            }
            let uri = self.uris.get(p).cloned().unwrap_or_else(|| path_to_uri(p));
            let version = self.docs.get(p).map(|d| d.version);
            out.push(publish(uri, ide::diagnostics(&a, file), version));
        }
        out
    }

    /// The check of the chain the document at `path` belongs to.
    fn analysis(&mut self, path: &Path) -> Rc<Analysis> {
        if !self.std_written {
            analysis::write_std(&self.std_dir);
            self.std_written = true;
        }
        let root = analysis::root_of(path, &self.std_dir);
        if let Some((generation, a)) = self.cache.get(&root)
            && *generation == self.generation
        {
            return a.clone();
        }
        let a = Rc::new(analysis::analyze(&root, &self.docs, &self.std_dir));
        self.cache.insert(root, (self.generation, a.clone()));
        a
    }

    /// The analysis, file and byte offset of a position in a document.
    fn at(&mut self, p: &TextDocumentPositionParams) -> Option<(Rc<Analysis>, FileId, usize)> {
        let path = doc_path(&p.text_document.uri);
        let a = self.analysis(&path);
        let file = a.file_of(&path)?;
        let offset = LineIndex::new(a.text(file)).offset(p.position);
        Some((a, file, offset))
    }

    fn doc_text(&self, uri: &Uri) -> Option<String> {
        let path = doc_path(uri);
        self.docs
            .get(&path)
            .map(|d| d.text.clone())
            .or_else(|| std::fs::read_to_string(path).ok())
    }

    fn dispatch(&mut self, method: &str, value: Value) -> Handled {
        use lsp_types::*;
        match method {
            "textDocument/hover" => {
                let p: HoverParams = params(value)?;
                let r = self
                    .at(&p.text_document_position_params)
                    .and_then(|(a, f, o)| ide::hover(&a, f, o));
                to_value(r)
            }
            "textDocument/definition" => {
                let p: GotoDefinitionParams = params(value)?;
                let r = self
                    .at(&p.text_document_position_params)
                    .and_then(|(a, f, o)| ide::definition(&a, f, o))
                    .map(GotoDefinitionResponse::Scalar);
                to_value(r)
            }
            "textDocument/references" => {
                let p: ReferenceParams = params(value)?;
                let with_decl = p.context.include_declaration;
                let r = self
                    .at(&p.text_document_position)
                    .map(|(a, f, o)| ide::references(&a, f, o, with_decl));
                to_value(r)
            }
            "textDocument/documentHighlight" => {
                let p: DocumentHighlightParams = params(value)?;
                let r = self
                    .at(&p.text_document_position_params)
                    .map(|(a, f, o)| ide::highlights(&a, f, o));
                to_value(r)
            }
            "textDocument/rename" => {
                let p: RenameParams = params(value)?;
                let Some((a, f, o)) = self.at(&p.text_document_position) else {
                    return to_value(Value::Null);
                };
                ide::rename(&a, f, o, &p.new_name)
                    .map_err(|m| error(ErrorCode::RequestFailed, m))
                    .and_then(to_value)
            }
            "textDocument/completion" => {
                let p: CompletionParams = params(value)?;
                let r = self
                    .at(&p.text_document_position)
                    .map(|(a, f, o)| ide::completion(&a, f, o));
                to_value(r.map(CompletionResponse::Array))
            }
            "textDocument/signatureHelp" => {
                let p: SignatureHelpParams = params(value)?;
                let r = self
                    .at(&p.text_document_position_params)
                    .and_then(|(a, f, o)| ide::signature_help(&a, f, o));
                to_value(r)
            }
            "textDocument/documentSymbol" => {
                let p: DocumentSymbolParams = params(value)?;
                let r = self
                    .doc_text(&p.text_document.uri)
                    .map(|t| DocumentSymbolResponse::Nested(ide::document_symbols(&t)));
                to_value(r)
            }
            "workspace/symbol" => {
                let p: WorkspaceSymbolParams = params(value)?;
                let mut out = Vec::new();
                let mut roots: Vec<PathBuf> = self.docs.keys().cloned().collect();
                roots.sort();
                let mut seen = std::collections::HashSet::new();
                for path in roots {
                    if seen.insert(analysis::root_of(&path, &self.std_dir)) {
                        let a = self.analysis(&path);
                        ide::workspace_symbols(&a, &p.query, &mut out);
                    }
                }
                out.sort_by(|x, y| x.name.cmp(&y.name));
                out.dedup_by(|x, y| x.name == y.name && x.location == y.location);
                to_value(WorkspaceSymbolResponse::Nested(out))
            }
            "textDocument/semanticTokens/full" => {
                let p: SemanticTokensParams = params(value)?;
                let path = doc_path(&p.text_document.uri);
                let a = self.analysis(&path);
                let r = a.file_of(&path).map(|f| SemanticTokens {
                    result_id: None,
                    data: ide::semantic_tokens(&a, f),
                });
                to_value(r)
            }
            "textDocument/foldingRange" => {
                let p: FoldingRangeParams = params(value)?;
                to_value(
                    self.doc_text(&p.text_document.uri)
                        .map(|t| ide::folding_ranges(&t)),
                )
            }
            "textDocument/formatting" => {
                let p: DocumentFormattingParams = params(value)?;
                let Some(text) = self.doc_text(&p.text_document.uri) else {
                    return to_value(Value::Null);
                };
                match stele_fmt::format(&text) {
                    Ok(f) if f == text => to_value(Vec::<TextEdit>::new()),
                    Ok(f) => {
                        let idx = LineIndex::new(&text);
                        to_value(vec![TextEdit {
                            range: idx.range(0, text.len()),
                            new_text: f,
                        }])
                    }
                    Err(errors) => Err(error(
                        ErrorCode::RequestFailed,
                        format!(
                            "cannot format a file with syntax errors ({} error{})",
                            errors.len(),
                            if errors.len() == 1 { "" } else { "s" }
                        ),
                    )),
                }
            }
            "textDocument/codeLens" => {
                let p: CodeLensParams = params(value)?;
                let path = doc_path(&p.text_document.uri);
                let version = self.docs.get(&path).map_or(-1, |d| d.version);
                let a = self.analysis(&path);
                let lenses = self.costs.lenses(&a, &path, version, self.generation);
                to_value(lenses)
            }
            "shutdown" => to_value(Value::Null),
            _ => Err(error(
                ErrorCode::MethodNotFound,
                format!("unknown method `{method}`"),
            )),
        }
    }
}

fn publish(
    uri: Uri,
    diagnostics: Vec<lsp_types::Diagnostic>,
    version: Option<i32>,
) -> Notification {
    Notification::new(
        "textDocument/publishDiagnostics".into(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    )
}

/// Serves `connection` until the client asks to exit.
pub fn serve(connection: &Connection, std_dir: PathBuf) -> Result<(), String> {
    let caps = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    connection.initialize(caps).map_err(|e| e.to_string())?;
    let mut server = Server::new(std_dir);
    for message in &connection.receiver {
        match message {
            Message::Request(req) => {
                if connection
                    .handle_shutdown(&req)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                let response = Response {
                    id: req.id,
                    response_result: server.handle_request(&req.method, req.params),
                };
                connection
                    .sender
                    .send(Message::Response(response))
                    .map_err(|e| e.to_string())?;
            }
            Message::Notification(n) => {
                if n.method == "exit" {
                    return Ok(());
                }
                for out in server.handle_notification(&n.method, n.params) {
                    connection
                        .sender
                        .send(Message::Notification(out))
                        .map_err(|e| e.to_string())?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// `stele lsp`: serves standard input and output.
pub fn run_stdio() -> Result<(), String> {
    let (connection, io) = Connection::stdio();
    serve(&connection, default_std_dir())?;
    drop(connection);
    io.join().map_err(|e| e.to_string())
}
