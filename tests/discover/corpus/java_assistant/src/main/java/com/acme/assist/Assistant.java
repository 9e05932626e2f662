package com.acme.assist;

import dev.langchain4j.model.chat.ChatLanguageModel; // expect: llm-api/langchain4j
import dev.langchain4j.model.openai.OpenAiChatModel; // expect: llm-api/langchain4j
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
// import com.anthropic.client.AnthropicClient;

/**
 * Drafts replies for the claims team.
 * import com.openai.client.OpenAIClient; (kept in a comment for reference)
 */
public final class Assistant {
    private static final String NOTE = "import com.openai.client.OpenAIClient;";
    private static final String SYSTEM = """
        You are the drafting assistant of ACME's claims team. Write a polite reply that
        cites the policy clause; never promise a payout.
        """;

    private final ChatLanguageModel model = OpenAiChatModel.builder()
            .apiKey(System.getenv("OPENAI_API_KEY"))
            .modelName("gpt-4o-mini")
            .build();

    public String draft(String claim) {
        return model.generate(SYSTEM + "\n" + claim);
    }

    public HttpRequest cohereRequest(String body) {
        return HttpRequest.newBuilder(URI.create("https://api.cohere.com/v2/chat")) // expect: llm-api/cohere
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    public String describe() {
        return NOTE + " via OpenAI and com.anthropic packages";
    }
}
