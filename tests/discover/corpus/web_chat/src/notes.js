// Nothing here uses AI; it only mentions it.
// import OpenAI from "openai";
/*
const Anthropic = require("@anthropic-ai/sdk");
fetch("https://api.openai.com/v1/chat/completions")
*/
const vendors = ["OpenAI", "Anthropic", "Mistral"];
const banner = "Ask our assistant (powered by OpenAI) - see api.openai.com/docs";
const docsUrl = "https://platform.openai.com/docs/overview";
const lookalike = "https://api.openai.com.example.net/v1";
const openaiKey = process.env.OPENAI_API_KEY;
const importLine = "import OpenAI from 'openai'";

export function describe() {
  return `${banner} (${vendors.join(", ")}) ${docsUrl} ${lookalike} ${openaiKey ? "on" : "off"} ${importLine}`;
}
