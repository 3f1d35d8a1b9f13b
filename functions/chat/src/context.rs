//! What of a conversation the model sees: the newest turns that fit the context budget, with
//! the older ones replaced by a short summary, images only for the newest messages that carry
//! them, and past tool calls as one line each (their full results stay in the record).

use bytes::Bytes;
use roomwright_core::{ApiError, AppState, s3};

use crate::{
    conversation::{Message, Role, SummaryLine},
    model::{Block, Speaker, Turn},
};

/// Rough tokens of a text: about four characters each for English prose and JSON.
pub fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(4)
}

/// What an image costs in context, roughly (a 1 MP image on Claude models).
const IMAGE_TOKENS: usize = 1_600;
/// Images sent with the newest messages only: older photos were already discussed.
const IMAGE_MESSAGES: usize = 2;
/// Characters of a past tool result echoed into the history.
const TOOL_ECHO: usize = 300;
/// Characters per message in the summary of trimmed turns.
const SUMMARY_CHARS: usize = 160;

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// A past assistant message as text: what it said and the tools it used.
fn assistant_text(message: &Message) -> String {
    let mut text = String::new();
    for call in &message.tool_calls {
        text.push_str(&format!(
            "[used {} {} -> {}]\n",
            call.name,
            call.input,
            truncate(&call.result.to_string(), TOOL_ECHO)
        ));
    }
    text.push_str(&message.text);
    text
}

/// A message the model does not see whole, as one line of the summary.
pub fn summary_line(message: &Message) -> String {
    let who = match message.role {
        Role::User => "User",
        Role::Assistant => "Assistant",
    };
    let tools: Vec<&str> = message.tool_calls.iter().map(|c| c.name.as_str()).collect();
    let tools = if tools.is_empty() {
        String::new()
    } else {
        format!(" (used {})", tools.join(", "))
    };
    format!(
        "- {who}: {}{tools}",
        truncate(&message.text.replace('\n', " "), SUMMARY_CHARS)
    )
}

/// The model's view of the conversation: `earlier` (summary lines of messages before
/// `history`, the newest messages read), `history`, then the new user message, within
/// `budget` tokens. Images are read from S3.
pub async fn build(
    state: &AppState,
    earlier: &[SummaryLine],
    history: &[Message],
    new: &Message,
    budget: usize,
) -> Result<Vec<Turn>, ApiError> {
    let mut all: Vec<&Message> = history.iter().collect();
    all.push(new);

    // Newest first: keep messages while they fit. The new message is always kept.
    let mut kept = 0;
    let mut used = 0;
    for message in all.iter().rev() {
        let cost = estimate_tokens(&assistant_text(message)) + message.images.len() * IMAGE_TOKENS;
        if kept > 0 && used + cost > budget {
            break;
        }
        used += cost;
        kept += 1;
    }
    let mut start = all.len() - kept;
    // The model's history starts with the user.
    while start < all.len() - 1 && all[start].role != Role::User {
        start += 1;
    }
    let first_seq = all.first().map_or(0, |m| m.seq);
    let mut lines: Vec<String> = earlier
        .iter()
        .filter(|l| l.seq < first_seq)
        .map(|l| l.line.clone())
        .collect();
    // The summary itself stays within a tenth of the budget: its newest lines.
    let mut room = budget / 10;
    let keep = lines
        .iter()
        .rev()
        .take_while(|l| {
            let cost = estimate_tokens(l);
            let fits = cost <= room;
            room = room.saturating_sub(cost);
            fits
        })
        .count();
    lines.drain(..lines.len() - keep);
    lines.extend(all[..start].iter().map(|m| summary_line(m)));
    let summary = (!lines.is_empty()).then(|| {
        format!(
            "(Summary of the earlier conversation:\n{})\n\n",
            lines.join("\n")
        )
    });

    let with_images: Vec<usize> = (start..all.len())
        .rev()
        .filter(|&i| !all[i].images.is_empty())
        .take(IMAGE_MESSAGES)
        .collect();
    let mut turns: Vec<Turn> = Vec::new();
    for (i, message) in all.iter().enumerate().skip(start) {
        let speaker = match message.role {
            Role::User => Speaker::User,
            Role::Assistant => Speaker::Assistant,
        };
        let mut blocks = Vec::new();
        if with_images.contains(&i) {
            for image in &message.images {
                let bytes = s3::get_bytes(&state.aws, &state.config.bucket_name, &image.key)
                    .await
                    .map_err(ApiError::internal)?
                    .ok_or_else(|| ApiError::internal(format!("image {} is gone", image.key)))?;
                blocks.push(Block::Image {
                    format: image.format,
                    bytes: Bytes::from(bytes),
                });
            }
        } else if !message.images.is_empty() {
            blocks.push(Block::Text(format!(
                "[{} earlier image(s) not shown again]",
                message.images.len()
            )));
        }
        let mut text = match message.role {
            Role::User => message.text.clone(),
            Role::Assistant => assistant_text(message),
        };
        if turns.is_empty()
            && let Some(summary) = &summary
        {
            text = format!("{summary}{text}");
        }
        if !text.is_empty() {
            blocks.push(Block::Text(text));
        }
        if blocks.is_empty() {
            blocks.push(Block::Text("(no text)".into()));
        }
        // Converse wants turns to alternate: messages of one speaker in a row become one turn.
        match turns.last_mut() {
            Some(last) if last.speaker == speaker => last.blocks.extend(blocks),
            _ => turns.push(Turn { speaker, blocks }),
        }
    }
    Ok(turns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: u32, role: Role, text: &str) -> Message {
        Message {
            seq,
            role,
            text: text.into(),
            images: vec![],
            tool_calls: vec![],
            stop_reason: None,
            guardrail_intervened: false,
            usage: None,
            created_at: String::new(),
        }
    }

    #[test]
    fn long_histories_are_trimmed_to_a_summary_and_start_with_the_user() {
        let state = roomwright_core::AppState::new(
            roomwright_core::config::Config {
                stage: "test".into(),
                table_name: "t".into(),
                bucket_name: "b".into(),
                jobs_queue_url: None,
                webhook_queue_url: None,
                jwt_issuer: "http://x".into(),
                spend: Default::default(),
                webhook_allow: Vec::new(),
            },
            roomwright_core::aws::Aws::from_env(),
        );
        let long = "word ".repeat(400); // ~500 tokens
        let history: Vec<Message> = (0..20)
            .map(|i| {
                let role = if i % 2 == 0 {
                    Role::User
                } else {
                    Role::Assistant
                };
                message(i, role, &format!("{i}: {long}"))
            })
            .collect();
        let new = message(20, Role::User, "and now?");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let turns = runtime
            .block_on(build(&state, &[], &history, &new, 2_000))
            .unwrap();
        assert_eq!(turns[0].speaker, Speaker::User);
        assert!(turns.len() < 8, "trimmed to the budget: {}", turns.len());
        let Block::Text(first) = &turns[0].blocks[0] else {
            panic!("text first")
        };
        assert!(first.starts_with("(Summary of the earlier conversation"));
        assert!(first.contains("- User: 0: word"), "summary names old turns");
        let Some(Block::Text(last)) = turns.last().unwrap().blocks.last() else {
            panic!("text last")
        };
        assert_eq!(last, "and now?");
        for pair in turns.windows(2) {
            assert_ne!(pair[0].speaker, pair[1].speaker, "turns alternate");
        }

        // Messages before the window read reach the model as their stored summary lines.
        let earlier: Vec<SummaryLine> = (0..25)
            .map(|seq| SummaryLine {
                seq,
                line: format!("- line of message {seq}"),
            })
            .collect();
        let window: Vec<Message> = history[10..].to_vec();
        let turns = runtime
            .block_on(build(&state, &earlier, &window, &new, 24_000))
            .unwrap();
        let Block::Text(first) = &turns[0].blocks[0] else {
            panic!("text first")
        };
        assert!(first.contains("- line of message 0\n"), "{first}");
        assert!(first.contains("- line of message 9)"), "{first}");
        assert!(
            !first.contains("line of message 10"),
            "messages in the window are shown, not summarised"
        );
    }
}
