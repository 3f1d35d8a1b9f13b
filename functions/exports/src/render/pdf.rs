//! The quote as an A4 PDF: cover, scenario comparison, one section of line items per scenario
//! (with product images where the catalog has them), and a sustainability page.
//!
//! Uses the PDF base-14 Helvetica faces, so nothing is embedded but product images.

use printpdf::{
    BuiltinFont, Color, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Polygon, PolygonRing, Pt, RawImage, Rgb, TextItem, WindingOrder,
    XObjectTransform,
};

use super::{QuoteDocument, amount};

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 18.0;
/// Average advance of Helvetica's digits and most letters, as a share of the font size.
const CHAR_EM: f32 = 0.54;
const PT_TO_MM: f32 = 0.3528;

const INK: (f32, f32, f32) = (0.13, 0.15, 0.18);
const MUTED: (f32, f32, f32) = (0.42, 0.45, 0.50);
const ACCENT: (f32, f32, f32) = (0.11, 0.36, 0.33);
const RULE: (f32, f32, f32) = (0.82, 0.84, 0.86);

fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

/// Lays out text top-down, starting new pages as needed.
struct Writer {
    pages: Vec<PdfPage>,
    ops: Vec<Op>,
    /// Distance from the top of the page, mm.
    y: f32,
    footer: String,
}

impl Writer {
    fn new(footer: String) -> Self {
        Self {
            pages: Vec::new(),
            ops: Vec::new(),
            y: MARGIN,
            footer,
        }
    }

    fn text_at(
        &mut self,
        x: f32,
        y_top: f32,
        size: f32,
        bold: bool,
        color: (f32, f32, f32),
        text: &str,
    ) {
        let font = if bold {
            BuiltinFont::HelveticaBold
        } else {
            BuiltinFont::Helvetica
        };
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFillColor { col: rgb(color) },
            Op::SetFont {
                font: PdfFontHandle::Builtin(font),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point::new(Mm(x), Mm(PAGE_H - y_top)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_string())],
            },
            Op::EndTextSection,
        ]);
    }

    fn width(text: &str, size: f32) -> f32 {
        text.chars().count() as f32 * size * CHAR_EM * PT_TO_MM
    }

    /// Text whose right edge is at `x_right`.
    fn right(&mut self, x_right: f32, size: f32, bold: bool, text: &str) {
        let y = self.y;
        self.text_at(x_right - Self::width(text, size), y, size, bold, INK, text);
    }

    fn line(&mut self, x: f32, size: f32, bold: bool, color: (f32, f32, f32), text: &str) {
        let y = self.y;
        self.text_at(x, y, size, bold, color, text);
    }

    fn advance(&mut self, mm: f32) {
        self.y += mm;
    }

    fn rule(&mut self) {
        let y = PAGE_H - self.y;
        self.ops.extend([
            Op::SetOutlineColor { col: rgb(RULE) },
            Op::SetOutlineThickness { pt: Pt(0.6) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: Point::new(Mm(MARGIN), Mm(y)),
                            bezier: false,
                        },
                        LinePoint {
                            p: Point::new(Mm(PAGE_W - MARGIN), Mm(y)),
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    fn band(&mut self, height: f32, color: (f32, f32, f32)) {
        let (top, bottom) = (PAGE_H - self.y, PAGE_H - self.y - height);
        let point = |x: f32, y: f32| LinePoint {
            p: Point::new(Mm(x), Mm(y)),
            bezier: false,
        };
        self.ops.extend([
            Op::SetFillColor { col: rgb(color) },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings: vec![PolygonRing {
                        points: vec![
                            point(0.0, top),
                            point(PAGE_W, top),
                            point(PAGE_W, bottom),
                            point(0.0, bottom),
                        ],
                    }],
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            },
        ]);
    }

    /// Starts a new page unless `needed` mm still fit.
    fn room_for(&mut self, needed: f32) {
        if self.y + needed > PAGE_H - MARGIN - 8.0 {
            self.page_break();
        }
    }

    fn page_break(&mut self) {
        let number = self.pages.len() + 1;
        let footer = format!("{}  -  page {number}", self.footer);
        self.text_at(MARGIN, PAGE_H - 10.0, 8.0, false, MUTED, &footer);
        let ops = std::mem::take(&mut self.ops);
        self.pages.push(PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops));
        self.y = MARGIN;
    }

    /// A row of column labels: those left of the page's middle are left-aligned at `x`, the
    /// rest (amounts) right-aligned at `x`.
    fn column_labels(&mut self, columns: &[(f32, &str)]) {
        for &(x, label) in columns {
            if x < PAGE_W / 2.0 {
                self.line(x, 8.5, true, MUTED, label);
            } else {
                self.right(x, 8.5, true, label);
            }
        }
        self.advance(7.0);
    }

    fn heading(&mut self, text: &str) {
        self.room_for(20.0);
        self.line(MARGIN, 16.0, true, ACCENT, text);
        self.advance(4.0);
        self.rule();
        self.advance(8.0);
    }
}

/// Renders the document; product images that fail to decode are left out.
pub fn render(document: &QuoteDocument<'_>) -> Vec<u8> {
    let project = document.project;
    let currency = &project.requirements.currency;
    let mut doc = PdfDocument::new(&format!("Quote - {}", project.name));
    let mut w = Writer::new(format!(
        "{} - {} - {}",
        project.name,
        project.client,
        document.generated_at.get(..10).unwrap_or_default()
    ));

    // Cover: a full-width band from the top edge.
    w.y = 0.0;
    w.band(75.0, ACCENT);
    w.advance(42.0);
    w.text_at(
        MARGIN,
        w.y,
        11.0,
        true,
        (0.85, 0.93, 0.91),
        "ROOMWRIGHT  |  FURNITURE PROPOSAL",
    );
    w.advance(16.0);
    w.text_at(MARGIN, w.y, 26.0, true, (1.0, 1.0, 1.0), &project.name);
    w.y = 95.0;
    for (label, value) in [
        ("Client", project.client.as_str()),
        ("Site", project.site_address.as_str()),
        ("Status", project.status.as_str()),
        (
            "Prepared",
            document.generated_at.get(..10).unwrap_or_default(),
        ),
        ("Currency", currency.as_str()),
    ] {
        w.line(MARGIN, 10.0, true, MUTED, label);
        w.line(
            MARGIN + 35.0,
            11.0,
            false,
            INK,
            if value.is_empty() { "-" } else { value },
        );
        w.advance(8.0);
    }
    if let Some(budget) = project.requirements.budget_ceiling_minor {
        w.line(MARGIN, 10.0, true, MUTED, "Budget");
        w.line(
            MARGIN + 35.0,
            11.0,
            false,
            INK,
            &format!("{currency} {}", amount(budget)),
        );
        w.advance(8.0);
    }
    if !project.description.is_empty() {
        w.advance(6.0);
        for chunk in wrap(&project.description, 95) {
            w.line(MARGIN, 10.0, false, INK, &chunk);
            w.advance(5.5);
        }
    }
    w.page_break();

    // Comparison.
    w.heading("Scenario comparison");
    let columns = [
        (MARGIN, "Scenario"),
        (100.0, "Net"),
        (130.0, "Total"),
        (155.0, "Lead time"),
        (192.0, "kg CO2e"),
    ];
    w.column_labels(&columns);
    for q in document.quotes {
        w.room_for(8.0);
        w.line(MARGIN, 10.0, true, INK, &q.name);
        w.right(100.0, 10.0, false, &amount(q.subtotal_net_minor));
        w.right(130.0, 10.0, true, &amount(q.total_minor));
        w.right(
            155.0,
            10.0,
            false,
            &if q.max_lead_time_days == 0 {
                "in stock".to_string()
            } else {
                format!("{} days", q.max_lead_time_days)
            },
        );
        w.right(
            192.0,
            10.0,
            false,
            &format!("{:.0}", q.sustainability.embodied_carbon_kg),
        );
        w.advance(5.0);
        if let Some(within) = q.within_budget {
            w.line(
                MARGIN,
                8.0,
                false,
                if within { ACCENT } else { (0.7, 0.2, 0.2) },
                if within {
                    "within budget"
                } else {
                    "over budget"
                },
            );
        }
        w.advance(4.0);
        w.rule();
        w.advance(6.0);
    }
    w.advance(4.0);
    w.line(MARGIN, 8.5, false, MUTED, &format!("All amounts in {currency}. Net is after dealer pricing and volume breaks; totals include freight,"));
    w.advance(4.5);
    w.line(MARGIN, 8.5, false, MUTED, "installation, project management, contingency and tax as itemised on each scenario's page.");
    w.page_break();

    // One section per scenario.
    let mut image_ids = std::collections::HashMap::new();
    for q in document.quotes {
        w.heading(&format!("{} - line items", q.name));
        w.column_labels(&[
            (MARGIN + 20.0, "Product"),
            (120.0, "Qty"),
            (150.0, "Unit net"),
            (192.0, "Line net"),
        ]);
        for line in &q.lines {
            w.room_for(20.0);
            let row_top = w.y - 3.5;
            if let Some(key) = &line.image
                && let Some(bytes) = document.images.get(key)
            {
                let id = image_ids.entry(key.clone()).or_insert_with(|| {
                    RawImage::decode_from_bytes(bytes, &mut Vec::new())
                        .ok()
                        .map(|img| (doc.add_image(&img), img.width as f32))
                });
                if let Some((id, width_px)) = id {
                    // Scale to a 16 mm wide thumbnail.
                    let scale = 16.0 / (*width_px * 25.4 / 72.0);
                    w.ops.push(Op::UseXobject {
                        id: id.clone(),
                        transform: XObjectTransform {
                            translate_x: Some(Pt(MARGIN / PT_TO_MM)),
                            translate_y: Some(Pt((PAGE_H - row_top - 16.0) / PT_TO_MM)),
                            scale_x: Some(scale),
                            scale_y: Some(scale),
                            dpi: Some(72.0),
                            ..Default::default()
                        },
                    });
                }
            }
            w.line(MARGIN + 20.0, 10.0, true, INK, &truncate(&line.name, 48));
            w.right(120.0, 10.0, false, &line.quantity.to_string());
            w.right(150.0, 10.0, false, &amount(line.unit_net_minor));
            w.right(192.0, 10.0, true, &amount(line.line_net_minor));
            w.advance(4.5);
            let stock = if line.in_stock {
                format!("in stock ({} available)", line.available)
            } else {
                format!("{} days lead time", line.lead_time_days)
            };
            let detail = format!(
                "{}{}  -  list {}  -  {stock}",
                line.sku,
                line.finish
                    .as_ref()
                    .map(|f| format!(", {f}"))
                    .unwrap_or_default(),
                amount(line.unit_list_minor)
            );
            w.line(MARGIN + 20.0, 8.0, false, MUTED, &truncate(&detail, 100));
            w.advance(13.0);
            w.rule();
            w.advance(5.0);
        }
        w.room_for(60.0);
        w.advance(2.0);
        for (label, value, bold) in [
            ("List price", q.subtotal_list_minor, false),
            ("Dealer discount", -q.discount_minor, false),
            ("Net", q.subtotal_net_minor, true),
            ("Freight", q.freight_minor, false),
            ("Installation", q.installation_minor, false),
            ("Project management", q.project_management_minor, false),
            ("Contingency", q.contingency_minor, false),
            ("Tax", q.tax_minor, false),
            ("Total", q.total_minor, true),
        ] {
            w.right(150.0, 10.0, bold, label);
            w.right(192.0, 10.0, bold, &format!("{currency} {}", amount(value)));
            w.advance(6.0);
        }
        w.page_break();
    }

    // Sustainability.
    w.heading("Sustainability");
    if let Some(targets) = &project.requirements.sustainability {
        if let Some(max) = targets.max_embodied_carbon_kg {
            w.line(
                MARGIN,
                10.0,
                false,
                INK,
                &format!("Target: at most {max:.0} kg CO2e embodied carbon"),
            );
            w.advance(6.0);
        }
        if let Some(min) = targets.min_recycled_content_pct {
            w.line(
                MARGIN,
                10.0,
                false,
                INK,
                &format!("Target: at least {min:.0}% recycled content by weight"),
            );
            w.advance(6.0);
        }
        w.advance(4.0);
    }
    w.column_labels(&[
        (MARGIN, "Scenario"),
        (130.0, "Embodied carbon"),
        (192.0, "Recycled content"),
    ]);
    for q in document.quotes {
        w.room_for(10.0);
        w.line(MARGIN, 10.0, true, INK, &q.name);
        w.right(
            130.0,
            10.0,
            false,
            &format!("{:.1} kg CO2e", q.sustainability.embodied_carbon_kg),
        );
        w.right(
            192.0,
            10.0,
            false,
            &format!("{:.1} %", q.sustainability.recycled_content_pct),
        );
        w.advance(4.0);
        w.rule();
        w.advance(6.0);
    }
    w.advance(4.0);
    w.line(MARGIN, 8.5, false, MUTED, "Cradle-to-gate figures from manufacturers' product data; recycled share weighted by product weight.");
    w.page_break();

    doc.with_pages(w.pages)
        .save(&PdfSaveOptions::default(), &mut Vec::new())
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars().take(max - 3).collect::<String>() + "..."
    }
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("one line");
        if !last.is_empty() && last.chars().count() + word.chars().count() + 1 > width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}
