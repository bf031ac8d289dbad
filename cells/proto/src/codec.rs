//! How the services' types become payloads.
//!
//! The messages sent once per page in a build (a render request and its reply, for each of
//! the markdown and template cells) are written and read by hand: reflection cost ~3 µs per
//! message, a tenth of a build's time per page. The bytes are exactly the postcard that
//! facet writes for these types (the tests below check both directions), so nothing else
//! about the protocol changes. Every other type goes through facet.

use rpc::{Payload, PayloadReader, PayloadWriter, RpcError};

use crate::{
    AnchorLinks, FrontMatterFormat, FunctionCall, Heading, HighlightStyle, HighlightTheme,
    Highlighting, MarkdownOptions, MarkdownReply, PageProblem, ReadAnswer, ReadRequest,
    RenderMarkdown, RenderTemplate, Rendered, RenderedMarkdown, Slugify, TemplateSource, WireValue,
};

rpc::facet_payload!(TemplateSource, FunctionCall, WireValue, ReadRequest, ReadAnswer);

fn put_template_source(w: &mut PayloadWriter, template: &TemplateSource) {
    w.str(&template.name);
    w.option(template.source.is_some());
    if let Some(source) = &template.source {
        w.str(source);
    }
}

fn template_source(r: &mut PayloadReader<'_>) -> Result<TemplateSource, RpcError> {
    let name = r.string()?;
    let source = if r.option()? { Some(r.string()?) } else { None };
    Ok(TemplateSource { name, source })
}

impl Payload for RenderTemplate {
    fn encode_payload(&self) -> Result<Vec<u8>, RpcError> {
        let templates: usize = self
            .templates
            .iter()
            .map(|t| t.name.len() + t.source.as_ref().map_or(0, String::len))
            .sum();
        let context = self.context.as_bytes();
        let mut w = PayloadWriter::with_capacity(self.name.len() + context.len() + templates + 32);
        w.str(&self.name);
        w.bytes_with_len(context);
        w.seq_len(self.templates.len());
        for template in &self.templates {
            put_template_source(&mut w, template);
        }
        w.varint(self.revision);
        Ok(w.finish())
    }

    fn decode_payload(bytes: &[u8]) -> Result<Self, RpcError> {
        let mut r = PayloadReader::new(bytes, "RenderTemplate");
        let name = r.string()?;
        let context = WireValue::from_bytes(r.bytes_with_len()?.to_vec());
        // A template source is at least a name's length and an option tag.
        let count = r.seq_len(2)?;
        let mut templates = Vec::with_capacity(count);
        for _ in 0..count {
            templates.push(template_source(&mut r)?);
        }
        let revision = r.varint()?;
        r.finish()?;
        Ok(RenderTemplate { name, context, templates, revision })
    }
}

impl Payload for Rendered {
    fn encode_payload(&self) -> Result<Vec<u8>, RpcError> {
        let mut w = PayloadWriter::with_capacity(self.html.len() + 8 + 5 * self.reused.len());
        w.str(&self.html);
        w.seq_len(self.reused.len());
        for id in &self.reused {
            w.varint(u64::from(*id));
        }
        Ok(w.finish())
    }

    fn decode_payload(bytes: &[u8]) -> Result<Self, RpcError> {
        let mut r = PayloadReader::new(bytes, "Rendered");
        let html = r.string()?;
        let count = r.seq_len(1)?;
        let mut reused = Vec::with_capacity(count);
        for _ in 0..count {
            reused.push(r.u32()?);
        }
        r.finish()?;
        Ok(Rendered { html, reused })
    }
}

impl Payload for RenderMarkdown {
    fn encode_payload(&self) -> Result<Vec<u8>, RpcError> {
        let class = self.options.external_links_class.as_ref().map_or(0, String::len);
        let mut w = PayloadWriter::with_capacity(
            self.path.len() + self.source.len() + self.permalink.len() + class + 40,
        );
        w.str(&self.path);
        w.str(&self.source);
        w.str(&self.permalink);
        put_options(&mut w, &self.options);
        Ok(w.finish())
    }

    fn decode_payload(bytes: &[u8]) -> Result<Self, RpcError> {
        let mut r = PayloadReader::new(bytes, "RenderMarkdown");
        let request = RenderMarkdown {
            path: r.string()?,
            source: r.string()?,
            permalink: r.string()?,
            options: options(&mut r)?,
        };
        r.finish()?;
        Ok(request)
    }
}

/// A `bool` as postcard writes it.
fn put_bool(w: &mut PayloadWriter, b: bool) {
    w.byte(u8::from(b));
}

fn put_options(w: &mut PayloadWriter, options: &MarkdownOptions) {
    for flag in [
        options.smart_punctuation,
        options.definition_list,
        options.github_alerts,
        options.bottom_footnotes,
        options.lazy_async_image,
        options.external_links_target_blank,
        options.external_links_no_follow,
        options.external_links_no_referrer,
        options.external_links_external,
    ] {
        put_bool(w, flag);
    }
    w.option(options.external_links_class.is_some());
    if let Some(class) = &options.external_links_class {
        w.str(class);
    }
    // An enum is its variant's index.
    w.varint(match options.insert_anchor_links {
        AnchorLinks::None => 0,
        AnchorLinks::Left => 1,
        AnchorLinks::Right => 2,
        AnchorLinks::Heading => 3,
    });
    w.varint(match options.slugify_anchors {
        Slugify::On => 0,
        Slugify::Safe => 1,
        Slugify::Off => 2,
    });
    put_bool(w, options.custom_anchor_link);
    put_bool(w, options.custom_summary_cutoff);
    w.option(options.highlighting.is_some());
    if let Some(highlighting) = &options.highlighting {
        match &highlighting.theme {
            HighlightTheme::Single(theme) => {
                w.varint(0);
                w.str(theme);
            }
            HighlightTheme::Dual { light, dark } => {
                w.varint(1);
                w.str(light);
                w.str(dark);
            }
        }
        w.varint(match highlighting.style {
            HighlightStyle::Inline => 0,
            HighlightStyle::Class => 1,
        });
        put_bool(w, highlighting.error_on_missing_language);
    }
    put_bool(w, options.render_emoji);
}

fn highlighting(r: &mut PayloadReader<'_>) -> Result<Highlighting, RpcError> {
    let theme = match r.varint()? {
        0 => HighlightTheme::Single(r.string()?),
        1 => HighlightTheme::Dual { light: r.string()?, dark: r.string()? },
        other => return Err(r.error(format!("{other} is not a highlighting theme variant"))),
    };
    let style = match r.varint()? {
        0 => HighlightStyle::Inline,
        1 => HighlightStyle::Class,
        other => return Err(r.error(format!("{other} is not a highlighting style"))),
    };
    Ok(Highlighting { theme, style, error_on_missing_language: r.bool()? })
}

fn options(r: &mut PayloadReader<'_>) -> Result<MarkdownOptions, RpcError> {
    Ok(MarkdownOptions {
        smart_punctuation: r.bool()?,
        definition_list: r.bool()?,
        github_alerts: r.bool()?,
        bottom_footnotes: r.bool()?,
        lazy_async_image: r.bool()?,
        external_links_target_blank: r.bool()?,
        external_links_no_follow: r.bool()?,
        external_links_no_referrer: r.bool()?,
        external_links_external: r.bool()?,
        external_links_class: if r.option()? { Some(r.string()?) } else { None },
        insert_anchor_links: match r.varint()? {
            0 => AnchorLinks::None,
            1 => AnchorLinks::Left,
            2 => AnchorLinks::Right,
            3 => AnchorLinks::Heading,
            other => return Err(r.error(format!("{other} is not an anchor link position"))),
        },
        slugify_anchors: match r.varint()? {
            0 => Slugify::On,
            1 => Slugify::Safe,
            2 => Slugify::Off,
            other => return Err(r.error(format!("{other} is not a slugify strategy"))),
        },
        custom_anchor_link: r.bool()?,
        custom_summary_cutoff: r.bool()?,
        highlighting: if r.option()? { Some(highlighting(r)?) } else { None },
        render_emoji: r.bool()?,
    })
}

fn put_problem(w: &mut PayloadWriter, problem: &PageProblem) {
    w.str(&problem.message);
    w.varint(u64::from(problem.line));
    w.option(problem.column.is_some());
    if let Some(column) = problem.column {
        w.varint(u64::from(column));
    }
}

fn problem(r: &mut PayloadReader<'_>) -> Result<PageProblem, RpcError> {
    let message = r.string()?;
    let line = r.u32()?;
    let column = if r.option()? { Some(r.u32()?) } else { None };
    Ok(PageProblem { message, line, column })
}

impl RenderedMarkdown {
    /// A little more than its encoded length.
    fn encoded_len(&self) -> usize {
        let headings: usize = self.headings.iter().map(|h| h.title.len() + h.id.len() + 3).sum();
        let front_matter = self.front_matter.as_ref().map_or(0, String::len);
        let summary = self.summary.as_ref().map_or(0, String::len);
        let warnings: usize = self.warnings.iter().map(|w| w.message.len() + 12).sum();
        self.html.len() + headings + front_matter + summary + warnings + 40
    }

    fn put(&self, w: &mut PayloadWriter) {
        w.str(&self.html);
        w.seq_len(self.headings.len());
        for heading in &self.headings {
            w.byte(heading.level);
            w.str(&heading.title);
            w.str(&heading.id);
        }
        w.option(self.front_matter.is_some());
        if let Some(text) = &self.front_matter {
            w.str(text);
        }
        w.option(self.front_matter_format.is_some());
        if let Some(format) = self.front_matter_format {
            // An enum is its variant's index.
            w.varint(match format {
                FrontMatterFormat::Toml => 0,
                FrontMatterFormat::Yaml => 1,
            });
        }
        w.varint(u64::from(self.body_line));
        w.option(self.summary.is_some());
        if let Some(summary) = &self.summary {
            w.str(summary);
        }
        w.varint(u64::from(self.word_count));
        w.varint(u64::from(self.reading_time));
        w.seq_len(self.warnings.len());
        for warning in &self.warnings {
            put_problem(w, warning);
        }
    }

    fn read(r: &mut PayloadReader<'_>) -> Result<Self, RpcError> {
        let html = r.string()?;
        // A heading is at least its level and two lengths.
        let count = r.seq_len(3)?;
        let mut headings = Vec::with_capacity(count);
        for _ in 0..count {
            headings.push(Heading { level: r.byte()?, title: r.string()?, id: r.string()? });
        }
        let front_matter = if r.option()? { Some(r.string()?) } else { None };
        let front_matter_format = if r.option()? {
            Some(match r.varint()? {
                0 => FrontMatterFormat::Toml,
                1 => FrontMatterFormat::Yaml,
                other => return Err(r.error(format!("{other} is not a front matter format"))),
            })
        } else {
            None
        };
        let body_line = r.u32()?;
        let summary = if r.option()? { Some(r.string()?) } else { None };
        let word_count = r.u32()?;
        let reading_time = r.u32()?;
        // A warning is at least a message's length, a line and an option tag.
        let count = r.seq_len(3)?;
        let mut warnings = Vec::with_capacity(count);
        for _ in 0..count {
            warnings.push(problem(r)?);
        }
        Ok(RenderedMarkdown {
            html,
            headings,
            front_matter,
            front_matter_format,
            body_line,
            summary,
            word_count,
            reading_time,
            warnings,
        })
    }
}

impl Payload for RenderedMarkdown {
    fn encode_payload(&self) -> Result<Vec<u8>, RpcError> {
        let mut w = PayloadWriter::with_capacity(self.encoded_len());
        self.put(&mut w);
        Ok(w.finish())
    }

    fn decode_payload(bytes: &[u8]) -> Result<Self, RpcError> {
        let mut r = PayloadReader::new(bytes, "RenderedMarkdown");
        let rendered = RenderedMarkdown::read(&mut r)?;
        r.finish()?;
        Ok(rendered)
    }
}

impl Payload for MarkdownReply {
    fn encode_payload(&self) -> Result<Vec<u8>, RpcError> {
        match self {
            MarkdownReply::Rendered(rendered) => {
                let mut w = PayloadWriter::with_capacity(rendered.encoded_len() + 1);
                // An enum is its variant's index, then the variant's fields.
                w.varint(0);
                rendered.put(&mut w);
                Ok(w.finish())
            }
            MarkdownReply::Problem(problem) => {
                let mut w = PayloadWriter::with_capacity(problem.message.len() + 16);
                w.varint(1);
                put_problem(&mut w, problem);
                Ok(w.finish())
            }
        }
    }

    fn decode_payload(bytes: &[u8]) -> Result<Self, RpcError> {
        let mut r = PayloadReader::new(bytes, "MarkdownReply");
        let reply = match r.varint()? {
            0 => MarkdownReply::Rendered(RenderedMarkdown::read(&mut r)?),
            1 => MarkdownReply::Problem(problem(&mut r)?),
            other => return Err(r.error(format!("{other} is not a markdown reply"))),
        };
        r.finish()?;
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    fn rendered_markdown(
        headings: usize,
        front_matter: Option<FrontMatterFormat>,
    ) -> RenderedMarkdown {
        RenderedMarkdown {
            html: "<h2 id=\"a\">Ä</h2>\n<p>text</p>".repeat(headings + 1),
            headings: (0..headings)
                .map(|i| Heading {
                    level: (i % 6 + 1) as u8,
                    title: format!("Ä {i}"),
                    id: format!("a-{i}"),
                })
                .collect(),
            front_matter: front_matter.map(|_| "title = \"x\"".to_string()),
            front_matter_format: front_matter,
            body_line: 300 + headings as u32,
            summary: (headings % 2 == 1).then(|| "<p>ü…</p>".repeat(headings)),
            word_count: 70_000 * headings as u32,
            reading_time: 350 * headings as u32,
            warnings: (0..headings.min(3))
                .map(|i| PageProblem {
                    message: format!("language `x{i}` not found"),
                    line: 400 + i as u32,
                    column: (i % 2 == 0).then_some(i as u32 + 1),
                })
                .collect(),
        }
    }

    fn render_markdown(variant: u8) -> RenderMarkdown {
        let mut options = MarkdownOptions::default();
        if variant > 0 {
            options = MarkdownOptions {
                smart_punctuation: true,
                definition_list: variant.is_multiple_of(2),
                github_alerts: true,
                bottom_footnotes: variant.is_multiple_of(3),
                lazy_async_image: true,
                external_links_target_blank: true,
                external_links_no_follow: variant % 2 == 1,
                external_links_no_referrer: true,
                external_links_external: false,
                external_links_class: (variant.is_multiple_of(2)).then(|| "ext".to_string()),
                insert_anchor_links: [AnchorLinks::Left, AnchorLinks::Right, AnchorLinks::Heading]
                    [usize::from(variant % 3)],
                slugify_anchors: [Slugify::Safe, Slugify::Off, Slugify::On]
                    [usize::from(variant % 3)],
                custom_anchor_link: variant.is_multiple_of(2),
                custom_summary_cutoff: true,
                highlighting: match variant % 3 {
                    0 => None,
                    1 => Some(Highlighting {
                        theme: HighlightTheme::Single("nord".into()),
                        style: HighlightStyle::Inline,
                        error_on_missing_language: true,
                    }),
                    _ => Some(Highlighting {
                        theme: HighlightTheme::Dual {
                            light: "github-light".into(),
                            dark: "é".into(),
                        },
                        style: HighlightStyle::Class,
                        error_on_missing_language: false,
                    }),
                },
                render_emoji: variant % 2 == 1,
            };
        }
        RenderMarkdown {
            path: "blog/a.md".into(),
            source: "+++\n+++\n# x".into(),
            permalink: if variant == 0 { String::new() } else { "https://é.org/blog/a/".into() },
            options,
        }
    }

    fn render_template(templates: usize) -> RenderTemplate {
        RenderTemplate {
            name: "page.html".into(),
            context: Value::map([("title", Value::from("é".repeat(200)))]).to_wire(),
            templates: (0..templates)
                .map(|i| TemplateSource {
                    name: format!("t{i}.html"),
                    source: (i % 2 == 0).then(|| format!("{{{{ x }}}} {i}")),
                })
                .collect(),
            revision: 1 << (templates * 9),
        }
    }

    fn reads() -> Vec<u32> {
        vec![0, 1, 127, 128, 300, u32::MAX]
    }

    /// The hand-written bytes are facet's postcard, and each side reads the other's.
    fn same_as_facet<T>(value: &T)
    where
        T: Payload + facet::Facet<'static> + PartialEq + std::fmt::Debug,
    {
        let ours = value.encode_payload().unwrap();
        let facets = rpc::encode(value).unwrap();
        assert_eq!(ours, facets, "{value:?}");
        assert_eq!(&T::decode_payload(&facets).unwrap(), value);
        assert_eq!(&rpc::decode::<T>(&ours).unwrap(), value);
    }

    #[test]
    fn the_hand_written_codecs_write_and_read_facets_postcard() {
        for headings in [0, 1, 200] {
            for format in [None, Some(FrontMatterFormat::Toml), Some(FrontMatterFormat::Yaml)] {
                same_as_facet(&rendered_markdown(headings, format));
            }
        }
        for templates in [0, 1, 5] {
            same_as_facet(&render_template(templates));
        }
        same_as_facet(&Rendered { html: "<p>ü</p>".repeat(100), reused: Vec::new() });
        same_as_facet(&Rendered { html: String::new(), reused: Vec::new() });
        same_as_facet(&Rendered { html: "<p>x</p>".into(), reused: reads() });
        for variant in 0..6 {
            same_as_facet(&render_markdown(variant));
        }
        same_as_facet(&MarkdownReply::Rendered(rendered_markdown(
            3,
            Some(FrontMatterFormat::Toml),
        )));
        for column in [None, Some(1), Some(300)] {
            same_as_facet(&MarkdownReply::Problem(PageProblem {
                message: "front matter opened with `+++` is never closed".into(),
                line: 200,
                column,
            }));
        }
    }

    #[test]
    fn every_truncation_of_a_message_is_an_error_not_a_panic() {
        let bytes = rendered_markdown(3, Some(FrontMatterFormat::Yaml)).encode_payload().unwrap();
        for end in 0..bytes.len() {
            assert!(RenderedMarkdown::decode_payload(&bytes[..end]).is_err(), "{end}");
        }
        for variant in [0, 2, 4] {
            let bytes = render_markdown(variant).encode_payload().unwrap();
            for end in 0..bytes.len() {
                assert!(RenderMarkdown::decode_payload(&bytes[..end]).is_err(), "{end}");
            }
        }
        let bytes = render_template(3).encode_payload().unwrap();
        for end in 0..bytes.len() {
            assert!(RenderTemplate::decode_payload(&bytes[..end]).is_err(), "{end}");
        }
        let bytes = Rendered { html: "x".into(), reused: reads() }.encode_payload().unwrap();
        for end in 0..bytes.len() {
            assert!(Rendered::decode_payload(&bytes[..end]).is_err(), "{end}");
        }
        let mut extra = Rendered { html: "x".into(), reused: Vec::new() }.encode_payload().unwrap();
        extra.push(0);
        assert!(Rendered::decode_payload(&extra).unwrap_err().to_string().contains("left over"));
        // html "x", one id past u32.
        let too_large = [1u8, b'x', 1, 0xff, 0xff, 0xff, 0xff, 0x1f];
        assert!(Rendered::decode_payload(&too_large).is_err());
    }

    #[test]
    fn a_forged_count_or_format_is_refused_before_allocating() {
        // html "", then a heading count of u32::MAX with nothing behind it.
        let forged = [0u8, 0xff, 0xff, 0xff, 0xff, 0x0f];
        let error = RenderedMarkdown::decode_payload(&forged).unwrap_err();
        assert!(error.to_string().contains("RenderedMarkdown: byte"), "{error}");
        // html "", no headings, no front matter, format tag 7, body line 1.
        let bad_format = [0u8, 0, 0, 1, 7, 1];
        let error = RenderedMarkdown::decode_payload(&bad_format).unwrap_err();
        assert!(error.to_string().contains("not a front matter format"), "{error}");
        // ... no front matter, body line 1, no summary, 0 words, 0 minutes, then a warning
        // count of u32::MAX.
        let forged = [0u8, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f];
        let error = RenderedMarkdown::decode_payload(&forged).unwrap_err();
        assert!(error.to_string().contains("RenderedMarkdown: byte"), "{error}");
    }
}
