//! The quote as a workbook: a comparison sheet and one sheet of lines per scenario, amounts as
//! numbers in the project's currency so they can be summed and re-priced.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::QuoteDocument;

pub fn render(document: &QuoteDocument<'_>) -> Result<Vec<u8>, XlsxError> {
    let project = document.project;
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let title = Format::new().set_bold().set_font_size(14);
    let as_money = |minor: i64| minor as f64 / 100.0;

    let summary = workbook.add_worksheet().set_name("Comparison")?;
    summary.write_string_with_format(0, 0, &project.name, &title)?;
    summary.write_string(1, 0, format!("Client: {}", project.client))?;
    summary.write_string(
        2,
        0,
        format!(
            "Prices in {}, generated {}",
            project.requirements.currency, document.generated_at
        ),
    )?;
    let headers = [
        "Scenario",
        "List",
        "Net",
        "Freight",
        "Installation",
        "Project management",
        "Contingency",
        "Tax",
        "Total",
        "Max lead time (days)",
        "Embodied carbon (kg CO2e)",
        "Recycled content (%)",
    ];
    for (col, header) in headers.iter().enumerate() {
        summary.write_string_with_format(4, col as u16, *header, &bold)?;
    }
    for (i, q) in document.quotes.iter().enumerate() {
        let row = 5 + i as u32;
        summary.write_string(row, 0, &q.name)?;
        for (col, value) in [
            q.subtotal_list_minor,
            q.subtotal_net_minor,
            q.freight_minor,
            q.installation_minor,
            q.project_management_minor,
            q.contingency_minor,
            q.tax_minor,
            q.total_minor,
        ]
        .into_iter()
        .enumerate()
        {
            summary.write_number_with_format(row, 1 + col as u16, as_money(value), &money)?;
        }
        summary.write_number(row, 9, q.max_lead_time_days as f64)?;
        summary.write_number(row, 10, q.sustainability.embodied_carbon_kg)?;
        summary.write_number(row, 11, q.sustainability.recycled_content_pct)?;
    }
    summary.autofit();

    let names = sheet_names(document.quotes.iter().map(|q| q.name.as_str()));
    for (q, name) in document.quotes.iter().zip(names) {
        let sheet = workbook.add_worksheet().set_name(name)?;
        let headers = [
            "SKU",
            "Product",
            "Finish",
            "Qty",
            "Unit list",
            "Unit net",
            "Line list",
            "Line net",
            "Available",
            "In stock",
            "Lead time (days)",
        ];
        for (col, header) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *header, &bold)?;
        }
        for (i, line) in q.lines.iter().enumerate() {
            let row = 1 + i as u32;
            sheet.write_string(row, 0, &line.sku)?;
            sheet.write_string(row, 1, &line.name)?;
            sheet.write_string(row, 2, line.finish.as_deref().unwrap_or(""))?;
            sheet.write_number(row, 3, line.quantity as f64)?;
            for (col, value) in [
                line.unit_list_minor,
                line.unit_net_minor,
                line.line_list_minor,
                line.line_net_minor,
            ]
            .into_iter()
            .enumerate()
            {
                sheet.write_number_with_format(row, 4 + col as u16, as_money(value), &money)?;
            }
            sheet.write_number(row, 8, line.available as f64)?;
            sheet.write_string(row, 9, if line.in_stock { "yes" } else { "no" })?;
            sheet.write_number(row, 10, line.lead_time_days as f64)?;
        }
        let first = 2 + q.lines.len() as u32;
        let totals = [
            ("Net subtotal", q.subtotal_net_minor),
            ("Freight", q.freight_minor),
            ("Installation", q.installation_minor),
            ("Project management", q.project_management_minor),
            ("Contingency", q.contingency_minor),
            ("Tax", q.tax_minor),
            ("Total", q.total_minor),
        ];
        for (row, (label, value)) in (first..).zip(totals) {
            sheet.write_string_with_format(row, 6, label, &bold)?;
            sheet.write_number_with_format(row, 7, as_money(value), &money)?;
        }
        sheet.autofit();
    }
    workbook.save_to_buffer()
}

/// One sheet name per scenario: Excel's rules (at most 31 characters, none of `[]:*?/\`, no
/// leading or trailing apostrophe, not empty) and unique ignoring case, the comparison sheet's
/// name included, by numbering repeats.
fn sheet_names<'a>(scenarios: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut used = vec!["comparison".to_string()];
    scenarios
        .map(|name| {
            let cleaned: String = name
                .chars()
                .filter(|c| !"[]:*?/\\".contains(*c) && !c.is_control())
                .collect();
            let cleaned = cleaned.trim().trim_matches('\'').trim();
            let base: String = if cleaned.is_empty() {
                "Scenario".into()
            } else {
                cleaned.chars().take(31).collect()
            };
            let mut candidate = base.clone();
            let mut n = 2;
            while used.contains(&candidate.to_lowercase()) {
                let suffix = format!(" ({n})");
                let room = 31 - suffix.chars().count();
                candidate = format!("{}{suffix}", base.chars().take(room).collect::<String>());
                n += 1;
            }
            used.push(candidate.to_lowercase());
            candidate
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::sheet_names;

    #[test]
    fn sheet_names_are_valid_and_unique_ignoring_case() {
        let long = "A very long scenario name that Excel would refuse";
        let names = sheet_names(
            [
                "Option A",
                "option a",
                "OPTION A",
                "Comparison",
                "",
                "'Quoted'",
                "a/b:c",
                long,
                long,
            ]
            .into_iter(),
        );
        assert_eq!(
            names[..7],
            [
                "Option A",
                "option a (2)",
                "OPTION A (3)",
                "Comparison (2)",
                "Scenario",
                "Quoted",
                "abc"
            ]
        );
        let lower: std::collections::HashSet<String> =
            names.iter().map(|n| n.to_lowercase()).collect();
        assert_eq!(lower.len(), names.len());
        assert!(
            names
                .iter()
                .all(|n| n.chars().count() <= 31 && !n.is_empty())
        );
        assert_eq!(names[8], "A very long scenario name t (2)");
    }
}
