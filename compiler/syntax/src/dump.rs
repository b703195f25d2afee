//! A compact S-expression dump of the syntax tree, for tests and `--emit ast`-style debugging.
//! Types print as written (`Map<u32, Account, 20>`); blocks put one statement per line.

use std::fmt::Write;

use crate::ast::*;
use crate::parser::binop_text;

/// Renders `file` as an indented S-expression, without spans.
pub fn dump(file: &SourceFile) -> String {
    let mut p = Printer {
        out: String::new(),
        indent: 0,
        compact: false,
    };
    p.line("(file");
    p.indent += 1;
    for doc in &file.docs {
        p.newline();
        let _ = write!(p.out, "(inner-doc {doc:?})");
    }
    for item in &file.items {
        p.newline();
        p.item(item);
    }
    p.out.push_str(")\n");
    p.out
}

struct Printer {
    out: String,
    indent: usize,
    /// Everything on one line (inside types and patterns).
    compact: bool,
}

impl Printer {
    fn line(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn newline(&mut self) {
        if self.compact {
            self.out.push(' ');
            return;
        }
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
    }

    fn docs(&mut self, docs: &[String]) {
        for d in docs {
            let _ = write!(self.out, " (doc {d:?})");
        }
    }

    fn item(&mut self, item: &Item) {
        self.out.push('(');
        match &item.kind {
            ItemKind::Use(decls) => {
                self.out.push_str("use");
                for d in decls {
                    let _ = write!(self.out, " {}", path(&d.path));
                    if let Some(alias) = &d.alias {
                        let _ = write!(self.out, " as {}", alias.name);
                    }
                    if decls.len() > 1 {
                        self.out.push(';');
                    }
                }
                self.docs(&item.docs);
            }
            ItemKind::Const(c) => {
                let t = self.ty(&c.ty);
                let _ = write!(self.out, "const {} {t}", c.name.name);
                self.docs(&item.docs);
                self.out.push(' ');
                self.expr(&c.value);
            }
            ItemKind::Struct(s) => {
                let _ = write!(self.out, "struct {}", s.name.name);
                self.docs(&item.docs);
                self.fields(&s.fields);
            }
            ItemKind::Enum(e) => {
                let _ = write!(self.out, "enum {}", e.name.name);
                self.docs(&item.docs);
                self.indent += 1;
                for v in &e.variants {
                    self.newline();
                    let _ = write!(self.out, "(variant {}", v.name.name);
                    for t in &v.payload {
                        let t = self.ty(t);
                        let _ = write!(self.out, " {t}");
                    }
                    self.docs(&v.docs);
                    self.out.push(')');
                }
                self.indent -= 1;
            }
            ItemKind::Fn(f) => {
                let kind = if f.body.is_some() { "fn" } else { "builtin-fn" };
                let _ = write!(self.out, "{kind} {}", f.name.name);
                self.docs(&item.docs);
                for g in &f.generics {
                    let _ = write!(self.out, " (const {})", g.name);
                }
                self.params(&f.params);
                if let Some(ret) = &f.ret {
                    let ret = self.ty(ret);
                    let _ = write!(self.out, " (-> {ret})");
                }
                if let Some(body) = &f.body {
                    self.body(body);
                }
            }
            ItemKind::State(s) => {
                self.out.push_str("state");
                self.docs(&item.docs);
                self.fields(&s.fields);
            }
            ItemKind::Transition(t) => {
                let _ = write!(self.out, "transition {}", t.name.name);
                self.docs(&item.docs);
                self.params(&t.params);
                self.body(&t.body);
            }
            ItemKind::Test(t) => {
                let _ = write!(self.out, "test {}", t.name.name);
                self.docs(&item.docs);
                self.body(&t.body);
            }
            ItemKind::Error => {
                self.out.push_str("error-item");
                self.docs(&item.docs);
            }
        }
        self.out.push(')');
    }

    fn fields(&mut self, fields: &[FieldDef]) {
        self.indent += 1;
        for f in fields {
            self.newline();
            let t = self.ty(&f.ty);
            let _ = write!(self.out, "(field {} {t}", f.name.name);
            self.docs(&f.docs);
            self.out.push(')');
        }
        self.indent -= 1;
    }

    fn params(&mut self, params: &[Param]) {
        self.out.push_str(" (params");
        for p in params {
            let t = self.ty(&p.ty);
            let _ = write!(self.out, " ({} {t})", p.name.name);
        }
        self.out.push(')');
    }

    /// An item's body block, on its own line.
    fn body(&mut self, b: &Block) {
        self.indent += 1;
        self.newline();
        self.block(b);
        self.indent -= 1;
    }

    fn block(&mut self, b: &Block) {
        self.out.push_str("(block");
        self.indent += 1;
        for s in &b.stmts {
            self.newline();
            self.stmt(s);
        }
        if let Some(tail) = &b.tail {
            self.newline();
            self.out.push_str("(tail ");
            self.expr(tail);
            self.out.push(')');
        }
        self.indent -= 1;
        self.out.push(')');
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let { pat, ty, init } => {
                let _ = write!(self.out, "(let {}", let_pattern(pat));
                if let Some(ty) = ty {
                    let t = self.ty(ty);
                    let _ = write!(self.out, " : {t}");
                }
                self.out.push(' ');
                self.expr(init);
                self.out.push(')');
            }
            StmtKind::Assign { target, op, value } => {
                let op = op.map_or("=".to_string(), |op| format!("{}=", binop_text(op)));
                let _ = write!(self.out, "({op} ");
                self.expr(target);
                self.out.push(' ');
                self.expr(value);
                self.out.push(')');
            }
            StmtKind::For {
                var,
                start,
                end,
                body,
            } => {
                let _ = write!(self.out, "(for {} ", var.name);
                self.expr(start);
                self.out.push(' ');
                self.expr(end);
                self.indent += 1;
                self.newline();
                self.block(body);
                self.indent -= 1;
                self.out.push(')');
            }
            StmtKind::Expr(e) => {
                self.out.push_str("(expr ");
                self.expr(e);
                self.out.push(')');
            }
            StmtKind::Error => self.out.push_str("error-stmt"),
        }
    }

    fn exprs(&mut self, es: &[Expr]) {
        for e in es {
            self.out.push(' ');
            self.expr(e);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int { digits, suffix } => {
                let _ = write!(self.out, "{digits}{}", suffix.as_deref().unwrap_or(""));
            }
            ExprKind::Bool(b) => {
                let _ = write!(self.out, "{b}");
            }
            ExprKind::Str(s) => {
                let _ = write!(self.out, "{s:?}");
            }
            ExprKind::Path {
                path: p,
                generic_args,
            } => {
                self.out.push_str(&path(p));
                if !generic_args.is_empty() {
                    self.out.push_str("::<");
                    for (i, a) in generic_args.iter().enumerate() {
                        if i > 0 {
                            self.out.push_str(", ");
                        }
                        self.expr(a);
                    }
                    self.out.push('>');
                }
            }
            ExprKind::State => self.out.push_str("state"),
            ExprKind::Unary(op, x) => {
                self.out.push_str(match op {
                    UnOp::Neg => "(neg ",
                    UnOp::Not => "(not ",
                });
                self.expr(x);
                self.out.push(')');
            }
            ExprKind::Binary(op, a, b) => {
                let _ = write!(self.out, "({} ", binop_text(*op));
                self.expr(a);
                self.out.push(' ');
                self.expr(b);
                self.out.push(')');
            }
            ExprKind::Cast(x, ty) => {
                self.out.push_str("(as ");
                self.expr(x);
                let t = self.ty(ty);
                let _ = write!(self.out, " {t})");
            }
            ExprKind::Call { callee, args } => {
                self.out.push_str("(call ");
                self.expr(callee);
                self.exprs(args);
                self.out.push(')');
            }
            ExprKind::Field(x, name) => {
                self.out.push_str("(. ");
                self.expr(x);
                let _ = write!(self.out, " {})", name.name);
            }
            ExprKind::TupleField(x, i, _) => {
                self.out.push_str("(. ");
                self.expr(x);
                let _ = write!(self.out, " {i})");
            }
            ExprKind::Index(x, i) => {
                self.out.push_str("(index ");
                self.expr(x);
                self.out.push(' ');
                self.expr(i);
                self.out.push(')');
            }
            ExprKind::StructLit { path: p, fields } => {
                let _ = write!(self.out, "(struct-lit {}", path(p));
                for (name, value) in fields {
                    let _ = write!(self.out, " ({} ", name.name);
                    self.expr(value);
                    self.out.push(')');
                }
                self.out.push(')');
            }
            ExprKind::Array(items) => {
                self.out.push_str("(array");
                self.exprs(items);
                self.out.push(')');
            }
            ExprKind::ArrayRepeat(value, count) => {
                self.out.push_str("(array-repeat ");
                self.expr(value);
                self.out.push(' ');
                self.expr(count);
                self.out.push(')');
            }
            ExprKind::Tuple(items) => {
                self.out.push_str("(tuple");
                self.exprs(items);
                self.out.push(')');
            }
            ExprKind::Paren(x) => {
                self.out.push_str("(paren ");
                self.expr(x);
                self.out.push(')');
            }
            ExprKind::Block(b) => self.block(b),
            ExprKind::If { cond, then, else_ } => {
                self.out.push_str("(if ");
                self.expr(cond);
                self.indent += 1;
                self.newline();
                self.block(then);
                if let Some(e) = else_ {
                    self.newline();
                    self.out.push_str("(else ");
                    self.expr(e);
                    self.out.push(')');
                }
                self.indent -= 1;
                self.out.push(')');
            }
            ExprKind::Match { scrutinee, arms } => {
                self.out.push_str("(match ");
                self.expr(scrutinee);
                self.indent += 1;
                for arm in arms {
                    self.newline();
                    let pat = self.pattern(&arm.pat);
                    let _ = write!(self.out, "(arm {pat} ");
                    self.expr(&arm.body);
                    self.out.push(')');
                }
                self.indent -= 1;
                self.out.push(')');
            }
            ExprKind::Error => self.out.push_str("error-expr"),
        }
    }

    fn pattern(&mut self, p: &Pattern) -> String {
        match &p.kind {
            PatternKind::Wildcard => "_".into(),
            PatternKind::Binding(name) => name.name.clone(),
            PatternKind::Literal(e) => self.inline(|p| p.expr(e)),
            PatternKind::Variant { path: v, fields } if fields.is_empty() => {
                format!("(variant {})", path(v))
            }
            PatternKind::Variant { path: v, fields } => {
                let fields: Vec<String> = fields.iter().map(|f| self.pattern(f)).collect();
                format!("(variant {} {})", path(v), fields.join(" "))
            }
            PatternKind::Error => "error-pattern".into(),
        }
    }

    /// A type as written; expressions inside (array lengths, constant arguments) as S-expressions.
    fn ty(&mut self, t: &Type) -> String {
        match &t.kind {
            TypeKind::Path { path: p, args } if args.is_empty() => path(p),
            TypeKind::Path { path: p, args } => {
                let args: Vec<String> = args
                    .iter()
                    .map(|a| match a {
                        TypeArg::Type(t) => self.ty(t),
                        TypeArg::Const(e) => self.inline(|p| p.expr(e)),
                    })
                    .collect();
                format!("{}<{}>", path(p), args.join(", "))
            }
            TypeKind::Array(elem, len) => {
                let elem = self.ty(elem);
                let len = self.inline(|p| p.expr(len));
                format!("[{elem}; {len}]")
            }
            TypeKind::Tuple(items) => {
                let items: Vec<String> = items.iter().map(|t| self.ty(t)).collect();
                if items.len() == 1 {
                    format!("({},)", items[0])
                } else {
                    format!("({})", items.join(", "))
                }
            }
            TypeKind::Error => "error-type".into(),
        }
    }

    /// Prints into a separate string, on one line.
    fn inline(&mut self, f: impl FnOnce(&mut Printer)) -> String {
        let mut p = Printer {
            out: String::new(),
            indent: 0,
            compact: true,
        };
        f(&mut p);
        p.out
    }
}

fn path(p: &Path) -> String {
    let names: Vec<&str> = p.segments.iter().map(|s| s.name.as_str()).collect();
    names.join("::")
}

fn let_pattern(p: &LetPattern) -> String {
    match p {
        LetPattern::Name {
            name,
            mutable: true,
        } => format!("(mut {})", name.name),
        LetPattern::Name {
            name,
            mutable: false,
        } => name.name.clone(),
        LetPattern::Wildcard(_) => "_".into(),
        LetPattern::Tuple(items, _) => {
            let items: Vec<String> = items
                .iter()
                .map(|p| format!(" {}", let_pattern(p)))
                .collect();
            format!("(tuple{})", items.concat())
        }
    }
}
