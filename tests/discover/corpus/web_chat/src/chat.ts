// Chat endpoint of the help widget.
import OpenAI from "openai"; // expect: llm-api/openai
import type { ChatCompletionMessageParam } from "openai/resources/chat"; // expect: llm-api/openai

const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });
const pattern = /["']openai["']/g; // a regular expression, not an import

export async function reply(history: ChatCompletionMessageParam[], question: string) {
  const completion = await client.chat.completions.create({ // expect: llm-api/openai
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "You are the help widget of ACME's web shop; answer briefly." }, // expect: prompt-template/prompt-literal
      ...history,
      { role: "user", content: question },
    ],
  });
  return completion.choices[0].message.content ?? "";
}

export const isVendorName = (s: string) => pattern.test(s);
