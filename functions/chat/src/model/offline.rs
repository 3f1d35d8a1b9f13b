//! The offline assistant: a [`Model`] without a network that understands the common intents
//! (find products, set requirements, recommend, price the budget, order a render) by rules and
//! asks for the same tools the real model would. It says that it is the offline assistant, so
//! nobody mistakes it for the model. Used by the local runner when there is no Bedrock.

use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{Block, Model, ModelError, ModelReply, ModelRequest, Speaker, Stop, TokenUsage};
use crate::context::estimate_tokens;

pub const MODEL_ID: &str = "offline-assistant";

const STYLES: [&str; 9] = [
    "modern",
    "scandinavian",
    "industrial",
    "traditional",
    "mid-century",
    "minimalist",
    "bohemian",
    "coastal",
    "biophilic",
];

const PEOPLE: [&str; 9] = [
    "people",
    "persons",
    "staff",
    "employees",
    "seats",
    "desks",
    "workstations",
    "headcount",
    "colleagues",
];

/// Words that carry no search meaning in a request to find something.
const FILLER: [&str; 24] = [
    "find", "search", "show", "me", "some", "a", "an", "the", "for", "i", "we", "need", "want",
    "looking", "look", "please", "any", "do", "you", "have", "with", "of", "our", "can",
];

pub struct OfflineAssistant;

/// Numbers in `text` with the word after each (`"12 people"` → `(12, "people")`); `k`
/// multiplies by a thousand, separators are ignored.
fn numbers_with_next_word(text: &str) -> Vec<(u64, String, String)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let trimmed = word.trim_matches(|c: char| !c.is_alphanumeric());
        let (digits, thousands) = match trimmed.strip_suffix('k') {
            Some(d) => (d, true),
            None => (trimmed, false),
        };
        let digits: String = digits.chars().filter(|c| *c != ',' && *c != '.').collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let Ok(mut n) = digits.parse::<u64>() else {
            continue;
        };
        if thousands {
            n *= 1000;
        }
        let next = words
            .get(i + 1)
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
            .unwrap_or_default();
        let before = if i > 0 {
            words[i - 1].to_string()
        } else {
            String::new()
        };
        out.push((n, next, before));
    }
    out
}

/// Tool calls for what the user asked, by rules.
pub fn intents(text: &str) -> Vec<(String, Value)> {
    let lower = text.to_lowercase();
    let mut calls = Vec::new();

    // "Accept layout 0190...": the proposal the user chose, by its id.
    if lower.contains("accept")
        && let Some(id) = lower
            .split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
            .find(|w| w.len() == 36 && w.matches('-').count() == 4)
    {
        calls.push(("accept_layout".to_string(), json!({"layout_id": id})));
        return calls;
    }
    if lower.contains("fit") && lower.contains("budget") {
        let mut fit = serde_json::Map::new();
        if let Some((n, _, _)) = numbers_with_next_word(&lower).into_iter().next() {
            fit.insert("budget_minor".into(), (n * 100).into());
        }
        calls.push(("fit_budget".to_string(), Value::Object(fit)));
        return calls;
    }
    // "Furnish the open office for 24 people under 60k": a layout for this request, the
    // figures as its brief (the project's requirements stay as they are).
    if ["furnish", "lay out", "layout", "design the"]
        .iter()
        .any(|w| lower.contains(w))
    {
        let mut layout = serde_json::Map::new();
        for (n, next, before) in numbers_with_next_word(&lower) {
            if PEOPLE.contains(&next.as_str()) {
                layout.insert("headcount".into(), n.into());
            } else if ["under", "below", "within", "budget", "max", "of"].contains(&before.as_str())
                || before.contains('€')
                || before.contains('$')
                || ["eur", "euro", "euros", "usd"].contains(&next.as_str())
            {
                layout.insert("budget_minor".into(), (n * 100).into());
            }
        }
        for (words, kind) in [
            (&["open office", "open plan", "open-plan"][..], "open_plan"),
            (&["meeting room"][..], "meeting"),
            (&["kitchen"][..], "kitchen"),
        ] {
            if words.iter().any(|w| lower.contains(w)) {
                layout.insert("room_kind".into(), kind.into());
                break;
            }
        }
        calls.push(("propose_layout".to_string(), Value::Object(layout)));
        return calls;
    }

    let mut requirements = serde_json::Map::new();
    let mut rooms = Vec::new();
    for (n, next, before) in numbers_with_next_word(&lower) {
        if PEOPLE.contains(&next.as_str()) {
            requirements.insert("headcount".into(), n.into());
        } else if next.starts_with("meeting") || next.starts_with("focus") {
            let kind = if next.starts_with("meeting") {
                "meeting"
            } else {
                "focus"
            };
            rooms.push(json!({"kind": kind, "count": n}));
        } else if lower.contains("budget")
            && (before.contains('€')
                || before.contains('$')
                || before == "budget"
                || before == "of"
                || next == "eur"
                || next == "euro"
                || next == "euros"
                || next == "usd")
        {
            // Minor units: cents.
            requirements.insert("budget_ceiling_minor".into(), (n * 100).into());
        }
    }
    if !rooms.is_empty() {
        requirements.insert("rooms_needed".into(), rooms.into());
    }
    let styles: Vec<&str> = STYLES
        .iter()
        .copied()
        .filter(|s| lower.contains(s))
        .collect();
    let asks_to_find = ["find", "search", "show me", "looking for"]
        .iter()
        .any(|w| lower.contains(w));
    if !styles.is_empty() && !asks_to_find {
        requirements.insert("style_preferences".into(), json!(styles));
    }
    if !requirements.is_empty() {
        calls.push((
            "update_requirements".to_string(),
            Value::Object(requirements),
        ));
    }

    if asks_to_find {
        let query: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .filter(|w| !w.is_empty() && !FILLER.contains(w))
            .collect();
        calls.push((
            "search_catalog".to_string(),
            json!({"query": query.join(" "), "limit": 5}),
        ));
    }
    if ["recommend", "suggest"].iter().any(|w| lower.contains(w)) {
        calls.push(("recommend_products".to_string(), json!({"limit": 5})));
    }
    if let Some(rest) = lower.split("add ").nth(1) {
        let words: Vec<&str> = rest.split_whitespace().collect();
        let quantity = words
            .first()
            .and_then(|w| w.parse::<u32>().ok())
            .unwrap_or(1);
        if let Some(product) = words
            .iter()
            .find(|w| w.starts_with("prd_") || w.starts_with("p-"))
        {
            calls.push((
                "add_selection".to_string(),
                json!({"product_id": product.trim_matches(|c: char| c == '.' || c == ','), "quantity": quantity}),
            ));
        }
    }
    if ["price", "cost", "quote", "how much", "total"]
        .iter()
        .any(|w| lower.contains(w))
    {
        calls.push(("price_scenario".to_string(), json!({})));
    }
    if ["render", "visualise", "visualize"]
        .iter()
        .any(|w| lower.contains(w))
    {
        calls.push(("submit_render".to_string(), json!({"quality": "draft"})));
    }
    calls
}

fn money(minor: &Value, currency: &str) -> String {
    match minor.as_i64() {
        Some(m) => format!("{:.2} {currency}", m as f64 / 100.0),
        None => "n/a".into(),
    }
}

/// One sentence about one tool result.
fn describe(name: &str, result: &Value, is_error: bool) -> String {
    if is_error {
        let message = result["error"]["message"].as_str().unwrap_or("it failed");
        return format!("I could not {}: {message}", name.replace('_', " "));
    }
    match name {
        "search_catalog" | "recommend_products" => {
            let items = result["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                return "I found no matching products.".into();
            }
            let list: Vec<String> = items
                .iter()
                .map(|p| {
                    format!(
                        "{} ({}, {}, {} available)",
                        p["name"].as_str().unwrap_or("?"),
                        p["id"].as_str().unwrap_or("?"),
                        money(&p["list_price_minor"], p["currency"].as_str().unwrap_or("")),
                        p["available"]
                    )
                })
                .collect();
            let verb = if name == "search_catalog" {
                "I found"
            } else {
                "I recommend"
            };
            format!("{verb}: {}.", list.join("; "))
        }
        "update_requirements" => {
            let r = &result["requirements"];
            format!(
                "I recorded the requirements: headcount {}, rooms {}, styles {}, budget {}.",
                r["headcount"],
                r["rooms_needed"],
                r["style_preferences"],
                money(
                    &r["budget_ceiling_minor"],
                    r["currency"].as_str().unwrap_or("")
                )
            )
        }
        "add_selection" => format!(
            "I added {} x {} to the scenario.",
            result["quantity"],
            result["product"].as_str().unwrap_or("the product")
        ),
        "price_scenario" => {
            let currency = result["currency"].as_str().unwrap_or("");
            let budget = match result["within_budget"].as_bool() {
                Some(true) => " It is within the budget.",
                Some(false) => " It is over the budget.",
                None => "",
            };
            format!(
                "The scenario totals {} ({} lines, {} not in stock, longest lead time {} days).{budget}",
                money(&result["total_minor"], currency),
                result["lines"],
                result["not_in_stock"].as_array().map_or(0, |a| a.len()),
                result["max_lead_time_days"]
            )
        }
        "propose_layout" => {
            let proposals = result["proposals"].as_array().cloned().unwrap_or_default();
            let list: Vec<String> = proposals
                .iter()
                .map(|p| {
                    let budget = match p["within_budget"].as_bool() {
                        Some(true) => ", within budget",
                        Some(false) => ", over budget",
                        None => "",
                    };
                    format!(
                        "{} ({}): {} Total {}{budget}.",
                        p["name"].as_str().unwrap_or("?"),
                        p["layout_id"].as_str().unwrap_or("?"),
                        p["summary"].as_str().unwrap_or(""),
                        money(&p["total_minor"], p["currency"].as_str().unwrap_or(""))
                    )
                })
                .collect();
            format!(
                "I furnished the plan for {} people: {}",
                result["headcount"],
                list.join(" ")
            )
        }
        "accept_layout" => format!(
            "I saved the layout as scenario {} ({} items).",
            result["scenario_id"].as_str().unwrap_or("?"),
            result["selections"]
        ),
        "fit_budget" => format!(
            "The scenario now totals {} ({} swaps; budget {}).",
            money(
                &result["total_after_minor"],
                result["currency"].as_str().unwrap_or("")
            ),
            result["swaps"].as_array().map_or(0, |a| a.len()),
            money(
                &result["budget_minor"],
                result["currency"].as_str().unwrap_or("")
            )
        ),
        "submit_render" => format!(
            "I ordered a render: job {} ({}).",
            result["job_id"].as_str().unwrap_or("?"),
            result["status"].as_str().unwrap_or("queued")
        ),
        other => format!("{other} done."),
    }
}

const HELP: &str = "(Offline assistant) I am the offline assistant: the local stack has no \
    Amazon Bedrock, so I understand a few requests by rules. Try: \"we are 12 people, budget \
    30000 EUR, scandinavian style\", \"find a height adjustable desk\", \"recommend chairs\", \
    \"add 4 prd_...\", \"what does it cost?\", \"furnish the open office for 24 people \
    under 60k\" or \"render the project\".";

#[async_trait]
impl Model for OfflineAssistant {
    fn model_id(&self) -> &str {
        MODEL_ID
    }

    async fn converse(
        &self,
        request: &ModelRequest<'_>,
        deltas: Option<&mpsc::Sender<String>>,
    ) -> Result<ModelReply, ModelError> {
        let input_tokens: usize = request
            .turns
            .iter()
            .flat_map(|t| &t.blocks)
            .map(|b| match b {
                Block::Text(t) => estimate_tokens(t),
                Block::ToolResult { content, .. } => estimate_tokens(&content.to_string()),
                _ => 0,
            })
            .sum();
        let last = request.turns.last();
        let results: Vec<(String, Value, bool)> = last
            .map(|turn| {
                turn.blocks
                    .iter()
                    .filter_map(|b| match b {
                        Block::ToolResult {
                            id,
                            content,
                            is_error,
                        } => Some((id.clone(), content.clone(), *is_error)),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (blocks, stop) = if !results.is_empty() {
            // Second round: say what the tools did. Tool ids name the tool.
            let sentences: Vec<String> = results
                .iter()
                .map(|(id, result, is_error)| {
                    let name = id.split(':').next().unwrap_or(id);
                    describe(name, result, *is_error)
                })
                .collect();
            let text = format!("(Offline assistant) {}", sentences.join(" "));
            (vec![Block::Text(text)], Stop::EndTurn)
        } else {
            let text = last
                .filter(|t| t.speaker == Speaker::User)
                .and_then(|t| {
                    t.blocks.iter().rev().find_map(|b| match b {
                        Block::Text(text) => Some(text.clone()),
                        _ => None,
                    })
                })
                .unwrap_or_default();
            let calls = intents(&text);
            if calls.is_empty() {
                (vec![Block::Text(HELP.into())], Stop::EndTurn)
            } else {
                let blocks = calls
                    .into_iter()
                    .enumerate()
                    .map(|(i, (name, input))| Block::ToolUse {
                        id: format!("{name}:{i}"),
                        name,
                        input,
                    })
                    .collect();
                (blocks, Stop::ToolUse)
            }
        };
        let reply = ModelReply {
            blocks,
            stop,
            usage: TokenUsage {
                input: input_tokens as u64,
                output: 0,
            },
        };
        let text = reply.text();
        if let Some(sink) = deltas {
            // Streamed word by word, as a model would.
            for piece in text.split_inclusive(' ') {
                let _ = sink.send(piece.to_string()).await;
            }
        }
        Ok(ModelReply {
            usage: TokenUsage {
                output: estimate_tokens(&text) as u64,
                ..reply.usage
            },
            ..reply
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn understands_requirements_search_price_and_render() {
        let calls =
            intents("We are 12 people, need 2 meeting rooms, budget 30000 EUR, scandinavian style");
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].0, "update_requirements");
        assert_eq!(
            calls[0].1,
            json!({"headcount": 12, "rooms_needed": [{"kind": "meeting", "count": 2}],
                   "budget_ceiling_minor": 3_000_000, "style_preferences": ["scandinavian"]})
        );
        let calls = intents("Find me a height adjustable desk");
        assert_eq!(
            calls,
            vec![(
                "search_catalog".to_string(),
                json!({"query": "height adjustable desk", "limit": 5})
            )]
        );
        let names: Vec<String> = intents("What does it cost? Then render it")
            .into_iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(names, ["price_scenario", "submit_render"]);
        let furnish = intents("Furnish the open office for 24 people under 60k");
        assert_eq!(
            furnish,
            [(
                "propose_layout".to_string(),
                json!({"headcount": 24, "budget_minor": 6_000_000, "room_kind": "open_plan"})
            )],
            "a layout's brief, not the project's requirements"
        );
        assert_eq!(
            intents("Accept 0190f0f0-0000-7000-8000-000000000abc please"),
            [(
                "accept_layout".to_string(),
                json!({"layout_id": "0190f0f0-0000-7000-8000-000000000abc"})
            )]
        );
        assert_eq!(
            intents("Fit the budget of 45k"),
            [("fit_budget".to_string(), json!({"budget_minor": 4_500_000}))]
        );
        assert!(intents("hello").is_empty());
    }
}
