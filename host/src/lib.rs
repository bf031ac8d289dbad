//! The dodeca host: an incremental site builder that drives cells.
//!
//! A [`Site`] keeps a picante database between builds. [`Site::build`] reads the site's files
//! into its inputs, parses every page (through the markdown cell), renders every page and
//! section (through the template cell, whose callbacks for templates, data and URLs are
//! queries served inside the render's call, so they are recorded as its dependencies), and
//! writes only the outputs whose content changed. A second build after an edit re-renders
//! exactly what read what changed.
//!
//! # Example
//!
//! ```no_run
//! let site = host::Site::open(std::path::Path::new("examples/site"))?;
//! let report = site.build(4)?;
//! println!("{} pages, {} written", report.pages, report.written);
//! # Ok::<(), host::HostError>(())
//! ```
#![deny(missing_docs)]

mod cells;
mod config;
mod content;
mod data;
mod db;
mod error;
mod exec;
mod links;
mod output;
mod progress;
mod provide;
mod render;
mod routes;
mod scan;
mod site;
mod starter;
mod templates;
mod toml_check;
mod tree;
mod values;

pub use cells::{CellError, Cells};
pub use config::SiteConfig;
pub use content::{FrontMatter, Page, parse_front_matter, route_of};
pub use error::{HostError, SiteError, site_error};
pub use output::{CleanReport, Origin, clean};
pub use site::{BuildReport, Site};
pub use starter::init;
pub use tree::{Entry, IndexedSection, Section, SectionIndex};
