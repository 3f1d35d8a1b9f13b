//! SIF, the Standard Interchange Format of office-furniture dealers (CET, 20-20 Worksheet,
//! ProjectMatrix, Design Manager): `KEY=value` lines; `SF`/`ST` head the file, and each item
//! starts with `PN` (part number), followed in any order by `PD` (description), `MC`
//! (manufacturer code, up to 5 characters), `TG` (side mark), `QT` (quantity), `PL` (list
//! price), `S-`/`S%` (sell discount %: sell = PL − PL × S- / 100), `P%`/`B%` (purchase
//! discount %), and the pairs `ON`/`OD` (option number and description) and `AN`/`AD`
//! (attribute). Keys we do not use (`GC`, `WT`, `VO`, `PV`, `DX..`) are passed over.

use crate::{OptionCode, Parsed, Problem, SourceLine, Unreadable, bounded, decode_text};

/// Text lines a SIF may have.
const MAX_TEXT_LINES: usize = 400_000;

/// Attribute numbers (`AN`) whose description is the item's finish.
const FINISH_ATTRIBUTES: [&str; 8] = [
    "FIN", "FINISH", "COLOR", "COLOUR", "FABRIC", "GRADE", "F1", "PAINT",
];

/// Reads a SIF: every item with a part number or a description becomes a line; what cannot
/// be used is a [`Problem`] naming the text line. Only a file with no item at all, or over the
/// limits, is unreadable.
pub fn parse(bytes: &[u8]) -> Result<Parsed, Unreadable> {
    let text = decode_text(bytes);
    if text.contains('\0') {
        return Err(Unreadable(
            "This is not a SIF: it holds binary data (SIF is KEY=value text).".into(),
        ));
    }
    let mut parsed = Parsed::default();
    let mut item: Option<Item> = None;
    let mut items = 0usize;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        if number > MAX_TEXT_LINES {
            return Err(Unreadable(format!(
                "A SIF has at most {MAX_TEXT_LINES} text lines."
            )));
        }
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let at = format!("SIF line {number}");
        let Some((key, value)) = raw.split_once('=') else {
            let problem = Problem::new(
                at,
                "not_key_value",
                format!("\"{}\" is not KEY=value.", bounded(raw)),
            );
            // Kept in file order: an open item's problems are listed when it ends.
            match item.as_mut() {
                Some(open) => open.problems.push(problem),
                None => parsed.problems.push(problem),
            }
            continue;
        };
        let key = key.trim().to_ascii_uppercase();
        let value = bounded(value);
        if key == "PN" {
            if let Some(done) = item.take() {
                done.finish(&mut parsed);
            }
            items += 1;
            if items > crate::MAX_LINES {
                return Err(Unreadable(format!(
                    "A SIF has at most {} items.",
                    crate::MAX_LINES
                )));
            }
            item = Some(Item::new(items, number, value));
            continue;
        }
        let Some(current) = item.as_mut() else {
            match key.as_str() {
                "ST" => parsed.title = Some(value),
                "SF" if parsed.title.is_none() => parsed.title = Some(value),
                _ => {}
            }
            continue;
        };
        current.read(&key, value, &at);
    }
    if let Some(done) = item.take() {
        done.finish(&mut parsed);
    }
    if items == 0 {
        return Err(Unreadable(
            "No item in this SIF: each item starts with a PN= line.".into(),
        ));
    }
    Ok(parsed)
}

/// An item being read.
struct Item {
    line: SourceLine,
    problems: Vec<Problem>,
    quantity_given: bool,
    skip: bool,
    discount_pct: Option<f64>,
    /// The option or attribute number waiting for its description.
    pending: Option<(String, bool, String)>,
}

impl Item {
    fn new(position: usize, text_line: usize, part_number: String) -> Self {
        Self {
            line: SourceLine {
                line: position,
                origin: format!("SIF line {text_line}"),
                part_number: (!part_number.is_empty()).then_some(part_number),
                quantity: 1,
                ..Default::default()
            },
            problems: Vec::new(),
            quantity_given: false,
            skip: false,
            discount_pct: None,
            pending: None,
        }
    }

    fn read(&mut self, key: &str, value: String, at: &str) {
        match key {
            "PD" => self.line.description = value,
            "MC" => self.line.manufacturer = (!value.is_empty()).then_some(value),
            "TG" => self.line.tag = (!value.is_empty()).then_some(value),
            "QT" => match value.parse::<f64>() {
                Ok(q) if q.fract() == 0.0 && (1.0..=10_000.0).contains(&q) => {
                    self.line.quantity = q as u32;
                    self.quantity_given = true;
                }
                _ => {
                    self.problems.push(Problem::new(
                        at,
                        "bad_quantity",
                        format!("QT={value}: a quantity is a whole number from 1 to 10,000."),
                    ));
                    self.skip = true;
                }
            },
            "PL" => match money(&value) {
                Some(minor) => self.line.list_price_minor = Some(minor),
                None => self.problems.push(Problem::new(
                    at,
                    "bad_price",
                    format!("PL={value}: a list price is a number such as 1234.50."),
                )),
            },
            "S-" | "S%" => match value.parse::<f64>() {
                Ok(pct) if (0.0..=100.0).contains(&pct) => self.discount_pct = Some(pct),
                _ => self.problems.push(Problem::new(
                    at,
                    "bad_discount",
                    format!("{key}={value}: a discount is a percentage from 0 to 100."),
                )),
            },
            "ON" | "AN" => {
                if let Some((code, _, at)) = self.pending.take() {
                    self.problems.push(orphan(&at, &code));
                }
                self.pending = Some((value, key == "AN", at.to_string()));
            }
            "OD" | "AD" => match self.pending.take() {
                Some((code, attribute, _)) if attribute == (key == "AD") => {
                    if attribute && FINISH_ATTRIBUTES.contains(&code.to_ascii_uppercase().as_str())
                    {
                        // A finish attribute is offered first for finish mapping.
                        self.line.options.insert(
                            0,
                            OptionCode {
                                code,
                                description: value,
                            },
                        );
                    } else {
                        self.line.options.push(OptionCode {
                            code,
                            description: value,
                        });
                    }
                }
                other => {
                    if let Some((code, _, at)) = other {
                        self.problems.push(orphan(&at, &code));
                    }
                    self.problems.push(Problem::new(
                        at,
                        "orphan_value",
                        format!("{key}={value} follows no {}.", &key[..1]),
                    ));
                }
            },
            _ => {}
        }
    }

    fn finish(mut self, parsed: &mut Parsed) {
        if let Some((code, _, at)) = self.pending.take() {
            self.problems.push(orphan(&at, &code));
        }
        if self.line.part_number.is_none() && self.line.description.is_empty() {
            self.problems.push(Problem::new(
                self.line.origin.clone(),
                "missing_field",
                "An item needs a part number (PN) or a description (PD).",
            ));
            self.skip = true;
        }
        if !self.quantity_given && !self.skip {
            self.problems.push(Problem::new(
                self.line.origin.clone(),
                "missing_field",
                "No QT: the item is read as quantity 1.",
            ));
        }
        if let (Some(list), Some(pct)) = (self.line.list_price_minor, self.discount_pct) {
            self.line.sell_price_minor = Some((list as f64 * (1.0 - pct / 100.0)).round() as i64);
        }
        parsed.problems.append(&mut self.problems);
        if !self.skip {
            parsed.lines.push(self.line);
        }
    }
}

fn orphan(at: &str, code: &str) -> Problem {
    Problem::new(
        at,
        "orphan_value",
        format!("Option or attribute {code} has no description (OD/AD) after it."),
    )
}

/// A price such as `1234.5`, `1,234.50` or `$1234` in minor units.
fn money(text: &str) -> Option<i64> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | '$' | '€' | '£' | ' '))
        .collect();
    let value: f64 = cleaned.parse().ok()?;
    (value.is_finite() && (0.0..1e11).contains(&value)).then(|| (value * 100.0).round() as i64)
}

/// One item to write.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportLine {
    pub part_number: String,
    pub description: String,
    /// Up to 5 characters (longer is cut).
    pub manufacturer_code: String,
    pub quantity: u32,
    pub list_minor: i64,
    pub sell_minor: i64,
    pub purchase_minor: Option<i64>,
    pub finish: Option<String>,
    pub tag: Option<String>,
    pub category: Option<String>,
}

/// The manufacturer code SIF wants (up to 5 letters and digits) for a brand name.
pub fn manufacturer_code(brand: &str) -> String {
    brand
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(5)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// One value on one line: line breaks and `=` at the start cannot be written.
fn clean(value: &str) -> String {
    value.replace(['\r', '\n'], " ").trim().to_string()
}

fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

fn percent_off(list: i64, price: i64) -> String {
    if list <= 0 {
        return "0".into();
    }
    let pct = (1.0 - price as f64 / list as f64) * 100.0;
    format!("{:.4}", pct.clamp(0.0, 100.0))
}

/// Writes a SIF: `SF` and `ST`, then each item (CRLF lines, as the Windows tools write them).
pub fn write(file_name: &str, title: &str, lines: &[ExportLine]) -> String {
    let mut out = String::new();
    let mut put = |key: &str, value: &str| {
        out.push_str(key);
        out.push('=');
        out.push_str(&clean(value));
        out.push_str("\r\n");
    };
    put("SF", file_name);
    put("ST", title);
    for line in lines {
        put("PN", &line.part_number);
        put("PD", &line.description);
        put("MC", &manufacturer_code(&line.manufacturer_code));
        if let Some(tag) = &line.tag {
            put("TG", tag);
        }
        put("QT", &line.quantity.to_string());
        put("PL", &decimal(line.list_minor));
        put("S-", &percent_off(line.list_minor, line.sell_minor));
        if let Some(purchase) = line.purchase_minor {
            put("P%", &percent_off(line.list_minor, purchase));
        }
        if let Some(finish) = &line.finish {
            put("AN", "FINISH");
            put("AD", finish);
        }
        if let Some(category) = &line.category {
            put("GC", category);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "SF=job.sif\r\nST=Level 3 fit-out\r\n\
        PN=CH-100\r\nPD=Task chair, mesh back\r\nMC=ACME\r\nTG=A1\r\nQT=12\r\nPL=1,234.50\r\nS-=40\r\n\
        ON=ARM\r\nOD=Adjustable arms\r\nAN=FIN\r\nAD=Graphite\r\n\r\n\
        PN=DK-200\r\nPD=Desk\r\nQT=2.5\r\n\
        PN=\r\nPD=\r\n\
        PN=TB-1\r\nPD=Table\r\nQT=3\r\nPL=abc\r\nOD=lonely\r\ngarbage line\r\n";

    #[test]
    fn items_read_with_prices_options_and_finishes_and_each_problem_names_its_line() {
        let parsed = parse(SAMPLE.as_bytes()).unwrap();
        assert_eq!(parsed.title.as_deref(), Some("Level 3 fit-out"));
        assert_eq!(parsed.lines.len(), 2, "{:#?}", parsed.lines);
        let chair = &parsed.lines[0];
        assert_eq!(chair.part_number.as_deref(), Some("CH-100"));
        assert_eq!(chair.description, "Task chair, mesh back");
        assert_eq!(chair.manufacturer.as_deref(), Some("ACME"));
        assert_eq!(chair.tag.as_deref(), Some("A1"));
        assert_eq!(chair.quantity, 12);
        assert_eq!(chair.list_price_minor, Some(123_450));
        assert_eq!(chair.sell_price_minor, Some(74_070));
        assert_eq!(chair.options[0].description, "Graphite", "finish first");
        assert_eq!(chair.options[1].code, "ARM");
        assert_eq!(chair.origin, "SIF line 3");
        let table = &parsed.lines[1];
        assert_eq!(table.part_number.as_deref(), Some("TB-1"));
        let codes: Vec<(&str, &str)> = parsed
            .problems
            .iter()
            .map(|p| (p.at.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                ("SIF line 17", "bad_quantity"),
                ("SIF line 18", "missing_field"),
                ("SIF line 23", "bad_price"),
                ("SIF line 24", "orphan_value"),
                ("SIF line 25", "not_key_value"),
            ]
        );
    }

    #[test]
    fn files_that_are_no_sif_are_refused_with_the_reason() {
        assert!(parse(b"hello").unwrap_err().0.contains("PN="));
        assert!(parse(b"PN=1\0\0").unwrap_err().0.contains("binary"));
        let many: String = (0..=crate::MAX_LINES)
            .map(|i| format!("PN={i}\n"))
            .collect();
        assert!(parse(many.as_bytes()).unwrap_err().0.contains("at most"));
    }

    #[test]
    fn what_is_written_reads_back_line_for_line() {
        let lines = vec![
            ExportLine {
                part_number: "CH-100".into(),
                description: "Task chair\nmesh".into(),
                manufacturer_code: "Acme Seating".into(),
                quantity: 4,
                list_minor: 49_900,
                sell_minor: 39_920,
                purchase_minor: Some(29_940),
                finish: Some("Walnut".into()),
                tag: Some("sel-1".into()),
                category: Some("Seating".into()),
            },
            ExportLine {
                part_number: "DK-2".into(),
                description: "Desk".into(),
                manufacturer_code: "Oak".into(),
                quantity: 1,
                list_minor: 100_001,
                sell_minor: 100_001,
                purchase_minor: None,
                finish: None,
                tag: None,
                category: None,
            },
        ];
        let text = write("p.sif", "Project — Scenario", &lines);
        assert!(text.starts_with("SF=p.sif\r\nST=Project — Scenario\r\nPN=CH-100\r\n"));
        assert!(text.contains("MC=ACMES\r\n"));
        let parsed = parse(text.as_bytes()).unwrap();
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.lines.len(), 2);
        let first = &parsed.lines[0];
        assert_eq!(first.description, "Task chair mesh");
        assert_eq!(
            (
                first.quantity,
                first.list_price_minor,
                first.sell_price_minor
            ),
            (4, Some(49_900), Some(39_920))
        );
        assert_eq!(first.options[0].description, "Walnut");
        assert_eq!(parsed.lines[1].sell_price_minor, Some(100_001));
    }
}
