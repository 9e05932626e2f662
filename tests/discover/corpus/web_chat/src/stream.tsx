import { streamText } from "ai"; // expect: llm-api/vercel-ai-sdk
import { openai } from "@ai-sdk/openai"; // expect: llm-api/vercel-ai-sdk

export async function POST(req: Request) {
  const { messages } = await req.json();
  const result = await streamText({ model: openai("gpt-4o-mini"), messages }); // expect: llm-api/vercel-ai-sdk
  return result.toDataStreamResponse();
}
