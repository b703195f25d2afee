//! What the syntax tree knows about tokens that the tokens alone do not tell.

use std::collections::HashSet;

use stele_syntax::ast::*;
use stele_syntax::lexer::Tok;

/// Token start offsets with a role the printer needs.
#[derive(Default)]
pub(crate) struct Marks {
    /// `<` opening generic arguments or parameters.
    pub generic_open: HashSet<usize>,
    /// `-` and `!` of unary expressions.
    pub unary: HashSet<usize>,
    /// `{` opening struct fields, enum variants, state fields or a struct literal.
    pub list_brace: HashSet<usize>,
}

struct Walker<'t> {
    tokens: &'t [(usize, Tok, usize)],
    marks: Marks,
}

impl Marks {
    pub(crate) fn collect(file: &SourceFile, tokens: &[(usize, Tok, usize)]) -> Marks {
        let mut w = Walker {
            tokens,
            marks: Marks::default(),
        };
        for item in &file.items {
            w.item(item);
        }
        w.marks
    }
}

impl Walker<'_> {
    /// The start of the first `tok` token in `from..to`.
    fn find(&self, tok: &Tok, from: u32, to: u32) -> Option<usize> {
        let first = self.tokens.partition_point(|(l, _, _)| *l < from as usize);
        self.tokens[first..]
            .iter()
            .take_while(|(l, _, _)| *l < to as usize)
            .find(|(_, t, _)| t == tok)
            .map(|(l, _, _)| *l)
    }

    fn mark_brace(&mut self, from: u32, to: u32) {
        if let Some(at) = self.find(&Tok::LBrace, from, to) {
            self.marks.list_brace.insert(at);
        }
    }

    fn mark_angle(&mut self, from: u32, to: u32) {
        if let Some(at) = self.find(&Tok::Lt, from, to) {
            self.marks.generic_open.insert(at);
        }
    }

    fn item(&mut self, item: &Item) {
        let (from, to) = (item.span.start, item.span.end);
        match &item.kind {
            ItemKind::Use(_) | ItemKind::Error => {}
            ItemKind::Const(c) => {
                self.ty(&c.ty);
                self.expr(&c.value);
            }
            ItemKind::Struct(s) => {
                self.mark_brace(s.name.span.end, to);
                for f in &s.fields {
                    self.ty(&f.ty);
                }
            }
            ItemKind::Enum(e) => {
                self.mark_brace(e.name.span.end, to);
                for v in &e.variants {
                    for t in &v.payload {
                        self.ty(t);
                    }
                }
            }
            ItemKind::State(s) => {
                self.mark_brace(from, to);
                for f in &s.fields {
                    self.ty(&f.ty);
                }
            }
            ItemKind::Fn(f) => {
                if !f.generics.is_empty() {
                    self.mark_angle(f.name.span.end, to);
                }
                for p in &f.params {
                    self.ty(&p.ty);
                }
                if let Some(r) = &f.ret {
                    self.ty(r);
                }
                if let Some(b) = &f.body {
                    self.block(b);
                }
            }
            ItemKind::Transition(t) => {
                for p in &t.params {
                    self.ty(&p.ty);
                }
                self.block(&t.body);
            }
            ItemKind::Test(t) => self.block(&t.body),
        }
    }

    fn ty(&mut self, ty: &Type) {
        match &ty.kind {
            TypeKind::Path { path, args } => {
                if !args.is_empty() {
                    self.mark_angle(path.span.end, ty.span.end);
                }
                for a in args {
                    match a {
                        TypeArg::Type(t) => self.ty(t),
                        TypeArg::Const(e) => self.expr(e),
                    }
                }
            }
            TypeKind::Array(t, n) => {
                self.ty(t);
                self.expr(n);
            }
            TypeKind::Tuple(ts) => {
                for t in ts {
                    self.ty(t);
                }
            }
            TypeKind::Error => {}
        }
    }

    fn block(&mut self, b: &Block) {
        for s in &b.stmts {
            match &s.kind {
                StmtKind::Let { ty, init, .. } => {
                    if let Some(t) = ty {
                        self.ty(t);
                    }
                    self.expr(init);
                }
                StmtKind::Assign { target, value, .. } => {
                    self.expr(target);
                    self.expr(value);
                }
                StmtKind::For {
                    start, end, body, ..
                } => {
                    self.expr(start);
                    self.expr(end);
                    self.block(body);
                }
                StmtKind::Expr(e) => self.expr(e),
                StmtKind::Error => {}
            }
        }
        if let Some(t) = &b.tail {
            self.expr(t);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int { .. }
            | ExprKind::Bool(_)
            | ExprKind::Str(_)
            | ExprKind::State
            | ExprKind::Error => {}
            ExprKind::Path { path, generic_args } => {
                if !generic_args.is_empty() {
                    self.mark_angle(path.span.end, e.span.end);
                }
                for a in generic_args {
                    self.expr(a);
                }
            }
            ExprKind::Unary(_, inner) => {
                self.marks.unary.insert(e.span.start as usize);
                self.expr(inner);
            }
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) | ExprKind::ArrayRepeat(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Cast(a, t) => {
                self.expr(a);
                self.ty(t);
            }
            ExprKind::Call { callee, args } => {
                self.expr(callee);
                for a in args {
                    self.expr(a);
                }
            }
            ExprKind::Field(a, _) | ExprKind::TupleField(a, _, _) | ExprKind::Paren(a) => {
                self.expr(a)
            }
            ExprKind::StructLit { path, fields } => {
                self.mark_brace(path.span.end, e.span.end);
                for (_, v) in fields {
                    self.expr(v);
                }
            }
            ExprKind::Array(xs) | ExprKind::Tuple(xs) => {
                for x in xs {
                    self.expr(x);
                }
            }
            ExprKind::Block(b) => self.block(b),
            ExprKind::If { cond, then, else_ } => {
                self.expr(cond);
                self.block(then);
                if let Some(e) = else_ {
                    self.expr(e);
                }
            }
            ExprKind::Match { scrutinee, arms } => {
                self.expr(scrutinee);
                for arm in arms {
                    self.pattern(&arm.pat);
                    self.expr(&arm.body);
                }
            }
        }
    }

    fn pattern(&mut self, p: &Pattern) {
        match &p.kind {
            PatternKind::Literal(e) => self.expr(e),
            PatternKind::Variant { fields, .. } => {
                for f in fields {
                    self.pattern(f);
                }
            }
            PatternKind::Wildcard | PatternKind::Binding(_) | PatternKind::Error => {}
        }
    }
}
