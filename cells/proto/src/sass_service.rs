//! The sass cell's service, and the host's service it calls back while it compiles.
//!
//! A stylesheet goes to the cell by its path relative to the site's root
//! (`sass/main.scss`, `themes/NAME/sass/site.sass`): the cell reads it, and every file it
//! imports, through [`sass_host`], inside the compile's call. Each read is then a dependency
//! of the host's query that compiled the stylesheet, so an edit of a partial compiles again
//! exactly the stylesheets that import it. Paths in both directions are relative to the
//! site's root, with `/` and without `.` or `..` (the cell resolves those first).

use facet::Facet;

/// A stylesheet to compile (Zola's `compile_sass`: compressed output).
#[derive(Facet, Clone, Debug, PartialEq, Eq)]
pub struct CompileSass {
    /// The stylesheet's path relative to the site's root (`sass/main.scss`); its syntax is
    /// its extension's (`.scss`, or `.sass` for the indented syntax).
    pub path: String,
}

/// What compiling a stylesheet gave: its CSS, or what is wrong with it and where.
#[derive(Facet, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SassReply {
    /// The stylesheet compiled.
    Compiled(CompiledCss),
    /// It did not: a problem in it or in a file it imports.
    Problem(SassProblem),
}

/// A compiled stylesheet.
#[derive(Facet, Clone, Debug, PartialEq, Eq)]
pub struct CompiledCss {
    /// The CSS, as Zola writes it (grass's compressed style).
    pub css: String,
    /// What its `@warn` rules said, each with its place (`sass/a.scss:3:1: message`).
    pub warnings: Vec<String>,
}

/// Why a stylesheet did not compile.
#[derive(Facet, Clone, Debug, PartialEq, Eq)]
pub struct SassProblem {
    /// The file the problem is in, relative to the site's root: the stylesheet or a file it
    /// imports.
    pub file: String,
    /// Its line, from 1, where known.
    pub line: Option<u32>,
    /// Its column, from 1 (in characters), where known.
    pub column: Option<u32>,
    /// What is wrong, without the place.
    pub message: String,
}

/// The host's answer to `sass_host::read` (see [`sass_host`]).
#[derive(Facet, Clone, Debug, PartialEq, Eq)]
pub struct SassFile {
    /// The file's text, or `None` when the site has no such Sass file.
    pub text: Option<String>,
}

rpc::facet_payload!(CompileSass, SassReply, SassFile);

rpc::service! {
    /// The sass cell: compiles stylesheets, reading them through [`sass_host`].
    pub mod sass: "Sass" {
        /// Compiles a stylesheet (compressed, as Zola does); a problem in its text is an
        /// answer, not a failed call.
        fn compile(request: CompileSass) -> SassReply;
    }
}

rpc::service! {
    /// Served by the host while it waits for [`sass::compile`]: the files a stylesheet
    /// reads. Each call is made inside the compile's call, so it is a dependency of it.
    pub mod sass_host: "SassHost" {
        /// The text of the Sass file at `path` (relative to the site's root), if the site
        /// has one there (`.scss`, `.sass` or `.css` under `sass/` or the theme's `sass/`).
        fn read(path: String) -> SassFile;
        /// Whether some Sass file of the site lies under the directory `path`.
        fn is_dir(path: String) -> bool;
    }
}
