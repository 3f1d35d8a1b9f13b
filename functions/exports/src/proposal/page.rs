//! The proposal page's HTML (maud escapes every value): one column on a phone, two on a
//! desk; no script but model-viewer's, no request to anyone but us and the bucket.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use roomwright_projects::scenarios::Quote;

use crate::render::amount;

/// A picture or model, through a short-lived signed URL.
pub struct Signed {
    pub url: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Everything the page shows; nothing else of the project reaches it.
pub struct Proposal {
    pub token: String,
    pub project_name: String,
    pub client: String,
    pub designer: String,
    pub scenario_name: String,
    pub version: u32,
    pub shared_at: String,
    pub expires_at: String,
    pub status: &'static str,
    pub show_prices: bool,
    pub allow_feedback: bool,
    /// The furnished plan (our own SVG, made from the version).
    pub plan_svg: String,
    pub quote: Quote,
    /// A signed URL per quote line's image (same order; none when the product has none).
    pub images: Vec<Option<String>>,
    pub renders: Vec<Signed>,
    pub panoramas: Vec<Signed>,
    pub glb: Option<String>,
    pub usdz: Option<String>,
    pub nonce: String,
    /// After a feedback form: what was recorded.
    pub notice: Option<&'static str>,
}

const STYLE: &str = r#"
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232a;background:#f6f5f2}
header{background:#1d2b36;color:#fff;padding:20px 16px}header h1{margin:0 0 4px;font-size:1.5rem}header p{margin:0;opacity:.85}
main{max-width:1180px;margin:0 auto;padding:16px;display:grid;gap:16px;grid-template-columns:1fr}
section{background:#fff;border-radius:10px;padding:16px;box-shadow:0 1px 3px rgba(0,0,0,.08);min-width:0}
h2{font-size:1.15rem;margin:0 0 12px}.plan svg{width:100%;height:auto;display:block}
.renders{display:grid;gap:8px;grid-template-columns:repeat(auto-fill,minmax(260px,1fr))}.renders img{width:100%;height:auto;border-radius:6px;display:block}
model-viewer{width:100%;height:420px;background:#eceae4;border-radius:6px}
.pano{width:100%;height:320px;overflow:hidden;border-radius:6px;cursor:grab;position:relative;background:#222}.pano img{height:100%;width:auto;max-width:none;position:absolute;left:0;top:0;user-select:none;-webkit-user-drag:none}
.table{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.95rem}th,td{text-align:left;padding:8px 6px;border-bottom:1px solid #e5e2dc;vertical-align:middle}td.n,th.n{text-align:right;white-space:nowrap}
td img{width:56px;height:56px;object-fit:contain;background:#f2f0eb;border-radius:4px}.sku{color:#667;font-size:.85rem}
.totals td{border:0;padding:4px 6px}.totals tr.grand td{font-weight:700;font-size:1.1rem;border-top:2px solid #1d2b36}
.facts{display:flex;flex-wrap:wrap;gap:12px}.fact{background:#f2f0eb;border-radius:8px;padding:10px 14px}.fact b{display:block;font-size:1.3rem}
form{display:grid;gap:10px}textarea,input{font:inherit;padding:8px;border:1px solid #c9c5bc;border-radius:6px;width:100%}
.buttons{display:flex;flex-wrap:wrap;gap:8px}button{font:inherit;padding:10px 18px;border-radius:6px;border:0;cursor:pointer}
.approve{background:#1f7a4d;color:#fff}.changes{background:#b5542b;color:#fff}.comment{background:#d9d5cc}
.notice{background:#e3f2e8;border-left:4px solid #1f7a4d;padding:10px 14px;border-radius:6px}.status{display:inline-block;background:rgba(255,255,255,.15);padding:2px 10px;border-radius:12px;margin-top:8px}
footer{text-align:center;color:#667;font-size:.85rem;padding:16px}
@media(min-width:900px){main{grid-template-columns:3fr 2fr}.wide{grid-column:1/-1}}
@media(max-width:600px){main{padding:8px;gap:8px}section{padding:12px}.unit{display:none}td img{width:40px;height:40px}th,td{padding:6px 4px}}
"#;

/// The pages' policy: scripts and styles from us, pictures and models from us and the bucket.
/// model-viewer compiles WebAssembly (its mesh decoders), which `wasm-unsafe-eval` allows
/// without allowing JavaScript's `eval`.
pub fn policy(bucket_origin: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob: {bucket_origin}; connect-src 'self' data: blob: {bucket_origin}; \
         worker-src 'self' blob:; media-src 'none'; form-action 'self'; base-uri 'none'; \
         frame-ancestors 'none'"
    )
}

fn shell(title: &str, body: Markup, model_viewer: Option<&str>) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex, nofollow";
                meta name="referrer" content="no-referrer";
                // No icon to fetch: the browser would ask for /favicon.ico.
                link rel="icon" href="data:,";
                title { (title) }
                style { (PreEscaped(STYLE)) }
                @if let Some(script) = model_viewer {
                    script type="module" src=(script) {}
                }
            }
            body { (body) }
        }
    }
    .into_string()
}

/// The page a client sees.
pub fn proposal(p: &Proposal, model_viewer_script: &str, pano_script: &str) -> String {
    let q = &p.quote;
    let money = |minor: i64| format!("{} {}", q.currency, amount(minor));
    let body = html! {
        header {
            h1 { (p.project_name) }
            p { "Proposal for " (p.client) " · " (p.scenario_name) " · version " (p.version) }
            p { "Prepared by " (p.designer) " · shared " (p.shared_at) " · open until " (p.expires_at) }
            span.status data-status=(p.status) { "Status: " (p.status.replace('_', " ")) }
        }
        main {
            @if let Some(notice) = p.notice {
                section.wide { p.notice role="status" { (notice) } }
            }
            section.plan #plan {
                h2 { "Floor plan" }
                (PreEscaped(&p.plan_svg))
            }
            section #summary {
                h2 { "At a glance" }
                div.facts {
                    div.fact { b { (q.lines.iter().map(|l| l.quantity).sum::<u32>()) } "pieces" }
                    @if p.show_prices {
                        div.fact #total { b { (money(q.total_minor)) } "total incl. tax" }
                    }
                    @if q.max_lead_time_days == 0 {
                        div.fact { b { "In stock" } "everything" }
                    } @else {
                        div.fact { b { (q.max_lead_time_days) " days" } "longest lead time" }
                    }
                    div.fact #carbon { b { (format!("{:.0} kg", q.sustainability.embodied_carbon_kg)) } "embodied CO₂e" }
                    div.fact { b { (format!("{:.0} %", q.sustainability.recycled_content_pct)) } "recycled content" }
                }
                @if p.show_prices {
                    p { a href={ "/p/" (p.token) "/quote.pdf" } download { "Download the quote (PDF)" } }
                }
            }
            @if !p.renders.is_empty() {
                section.wide #renders {
                    h2 { "Renders" }
                    div.renders {
                        @for r in &p.renders {
                            img src=(r.url) alt="Render of the furnished room" loading="lazy"
                                width=[r.width] height=[r.height];
                        }
                    }
                }
            }
            @if !p.panoramas.is_empty() {
                section.wide #panoramas {
                    h2 { "360° views" }
                    p { "Drag to look around." }
                    @for r in &p.panoramas {
                        div.pano { img src=(r.url) alt="360° view of the room" draggable="false"; }
                    }
                }
            }
            // Seen from above at an angle: walls are 2.8 m high, and the rooms are inside.
            @if let Some(glb) = &p.glb {
                section.wide #model {
                    h2 { "3D view" }
                    model-viewer src=(glb) ios-src=[p.usdz.as_deref()] alt="The furnished rooms in 3D"
                        camera-controls touch-action="pan-y" ar ar-modes="webxr scene-viewer quick-look"
                        shadow-intensity="1" camera-orbit="-30deg 40deg auto" {}
                }
            }
            section.wide #products {
                h2 { "Products" }
                div.table {
                    table.lines {
                        thead { tr {
                            th {} th { "Product" } th.n { "Qty" }
                            @if p.show_prices { th.n.unit { "Unit" } th.n { "Total" } }
                            th { "Availability" }
                        } }
                        tbody {
                            @for (line, image) in q.lines.iter().zip(&p.images) {
                                tr {
                                    td { @if let Some(url) = image { img src=(url) alt=(line.name) loading="lazy"; } }
                                    td { (line.name) br; span.sku { (line.sku) @if let Some(f) = &line.finish { " · " (f) } } }
                                    td.n { (line.quantity) }
                                    @if p.show_prices {
                                        td.n.unit { (money(line.unit_net_minor)) }
                                        td.n { (money(line.line_net_minor)) }
                                    }
                                    td { @if line.in_stock { "In stock" } @else { (line.lead_time_days) " days" } }
                                }
                            }
                        }
                    }
                }
                @if p.show_prices {
                    table.totals {
                        tr { td { "Products" } td.n { (money(q.subtotal_net_minor)) } }
                        @for (label, value) in [("Freight", q.freight_minor), ("Installation", q.installation_minor),
                                                 ("Project management", q.project_management_minor),
                                                 ("Contingency", q.contingency_minor), ("Tax", q.tax_minor)] {
                            @if value != 0 { tr { td { (label) } td.n { (money(value)) } } }
                        }
                        tr.grand { td { "Total" } td.n { (money(q.total_minor)) } }
                    }
                }
            }
            @if p.allow_feedback {
                section.wide #feedback {
                    h2 { "Your decision" }
                    form method="post" action={ "/p/" (p.token) "/feedback" } {
                        input type="hidden" name="nonce" value=(p.nonce);
                        label { "Your name (optional)" input name="name" maxlength="100" autocomplete="name"; }
                        label { "Comment" textarea name="comment" rows="3" maxlength="2000" {} }
                        div.buttons {
                            button.approve type="submit" name="decision" value="approve" { "Approve" }
                            button.changes type="submit" name="decision" value="request_changes" { "Ask for changes" }
                            button.comment type="submit" name="decision" value="comment" { "Comment" }
                        }
                    }
                }
            }
        }
        footer { "Roomwright · this page shows version " (p.version) " as it was shared" }
        @if !p.panoramas.is_empty() { script src=(pano_script) {} }
    };
    shell(
        &format!("{} — proposal", p.project_name),
        body,
        p.glb.as_ref().map(|_| model_viewer_script),
    )
}

/// A page that says a link does not work (unknown, revoked and expired look the same) or that
/// the client should slow down.
pub fn message(title: &str, text: &str) -> String {
    let body = html! {
        header { h1 { (title) } }
        main { section.wide { p { (text) } } }
    };
    shell(title, body, None)
}
