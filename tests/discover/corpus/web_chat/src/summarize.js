/* Summaries for the agent dashboard (CommonJS, Node 20). */
const Anthropic = require("@anthropic-ai/sdk"); // expect: llm-api/anthropic

const anthropic = new Anthropic();

async function summarize(text) {
  const msg = await anthropic.messages.create({ // expect: llm-api/anthropic
    model: "claude-3-5-haiku-latest",
    max_tokens: 256,
    messages: [{ role: "user", content: text }],
  });
  return msg.content[0].text;
}

async function translate(text, lang) {
  const res = await fetch("https://api.mistral.ai/v1/chat/completions", { // expect: llm-api/mistral
    method: "POST",
    headers: { Authorization: `Bearer ${process.env.MISTRAL_API_KEY}` },
    body: JSON.stringify({ model: "mistral-small-latest", messages: [{ role: "user", content: `Translate to ${lang}: ${text}` }] }),
  });
  return (await res.json()).choices[0].message.content;
}

module.exports = { summarize, translate };
